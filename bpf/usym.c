#include "bpf/usym.h"

#include "bpf/probe.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/xalloc.h"

#if defined(__x86_64__)
#define OUR_MACHINE EM_X86_64
#define OUR_TRIPLET "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define OUR_MACHINE EM_AARCH64
#define OUR_TRIPLET "aarch64-linux-gnu"
#endif

/* Whether path is a 64-bit ELF file for this machine: ld.so.cache and the
 * library directories hold other architectures' too. */
static bool ours(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    Elf64_Ehdr h;
    bool ok = read(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
              memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 && h.e_ident[EI_CLASS] == ELFCLASS64 &&
              h.e_machine == OUR_MACHINE;
    close(fd);
    return ok;
}

/* Whether a library's file name is what `name` asks for: itself, or, for a
 * name without ".so" ("libc"), any version of it ("libc.so.6"). */
static bool lib_matches(const char *name, const char *file)
{
    if (strcmp(name, file) == 0)
        return true;
    size_t n = strlen(name);
    return !strstr(name, ".so") && strncmp(file, name, n) == 0 && strncmp(file + n, ".so", 3) == 0;
}

/* ld.so.cache, new format ("glibc-ld.so.cache1.1"), perhaps after the old
 * one: a header, then entries of (flags, key, value, osversion, hwcap),
 * the strings' offsets counted from the new header. Every offset is checked
 * against the file's size. */
#define CACHE_MAGIC     "glibc-ld.so.cache1.1"
#define CACHE_OLD_MAGIC "ld.so-1.7.0"
#define CACHE_MAX       (64u << 20)

static char *from_cache(const char *name)
{
    int fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL, *found = NULL;
    if (fstat(fd, &st) || st.st_size < 48 || (uint64_t)st.st_size > CACHE_MAX)
        goto out;
    size_t size = (size_t)st.st_size;
    buf = xmalloc(size + 1);
    if (read(fd, buf, size) != (ssize_t)size)
        goto out;
    buf[size] = 0;
    size_t base = 0;
    if (memcmp(buf, CACHE_OLD_MAGIC, strlen(CACHE_OLD_MAGIC)) == 0) {
        uint32_t nold;
        memcpy(&nold, buf + 12, 4);
        base = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
    }
    if (base > size - 48 || memcmp(buf + base, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0)
        goto out;
    uint32_t nlibs;
    memcpy(&nlibs, buf + base + 20, 4);
    size_t entries = base + 48;
    if (nlibs > (size - entries) / 24)
        goto out;
    for (uint32_t i = 0; i < nlibs && !found; i++) {
        uint32_t key, value;
        memcpy(&key, buf + entries + 24 * (size_t)i + 4, 4);
        memcpy(&value, buf + entries + 24 * (size_t)i + 8, 4);
        if (key >= size - base || value >= size - base)
            continue;
        /* a string ends before the file does: buf[size] is 0 */
        if (lib_matches(name, buf + base + key) && ours(buf + base + value))
            found = xstrdup(buf + base + value);
    }
out:
    free(buf);
    close(fd);
    return found;
}

/* The first file in dir that lib_matches name, in name order. */
static char *from_dir(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *best = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!lib_matches(name, e->d_name) || (best && strcmp(e->d_name, best) >= 0))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (ours(path)) {
            free(best);
            best = xstrdup(e->d_name);
        }
    }
    closedir(d);
    if (!best)
        return NULL;
    size_t n = strlen(dir) + strlen(best) + 2;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s", dir, best);
    free(best);
    return path;
}

/* Each directory of a colon-separated list, asked for name. */
static char *from_dirs(const char *list, const char *name, bool program)
{
    if (!list)
        return NULL;
    char *copy = xstrdup(list), *save = NULL, *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        if (!program) {
            found = from_dir(dir, name);
            continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (access(path, X_OK) == 0)
            found = xstrdup(path);
    }
    free(copy);
    return found;
}

char *usym_find(const char *name, char *why, size_t whylen)
{
    if (strchr(name, '/')) {
        if (access(name, F_OK) == 0)
            return xstrdup(name);
        snprintf(why, whylen, "cannot open %s: %s", name, strerror(errno));
        return NULL;
    }
    char *p = from_cache(name);
    if (!p)
        p = from_dirs(getenv("LD_LIBRARY_PATH"), name, false);
    if (!p)
        p = from_dirs("/lib/" OUR_TRIPLET ":/usr/lib/" OUR_TRIPLET
                      ":/lib64:/usr/lib64:/lib:/usr/lib",
                      name, false);
    if (!p)
        p = from_dirs(getenv("PATH"), name, true);
    if (!p)
        snprintf(why, whylen,
                 "no library or program '%s': not in ld.so.cache, the library directories or $PATH",
                 name);
    return p;
}

static int by_name(const void *a, const void *b)
{
    const struct usym_func *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* The functions of one symbol table, their addresses turned into file
 * offsets through the loadable segment that holds them. */
static void read_table(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const GElf_Phdr *loads,
                       int nloads, struct usym_file *f, int *cap)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || !sh->sh_entsize)
        return;
    size_t n = sh->sh_size / sh->sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym))
            break;
        int type = GELF_ST_TYPE(sym.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
            !sym.st_value)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
        if (!name || !*name)
            continue;
        int k = 0;
        while (k < nloads && !(sym.st_value >= loads[k].p_vaddr &&
                               sym.st_value < loads[k].p_vaddr + loads[k].p_memsz))
            k++;
        if (k == nloads)
            continue;
        if (f->nfuncs == *cap) {
            *cap = *cap ? 2 * *cap : 256;
            f->funcs = xrealloc(f->funcs, *cap * sizeof(*f->funcs));
        }
        struct usym_func *u = &f->funcs[f->nfuncs++];
        u->name = xstrndup(name, strcspn(name, "@")); /* no version */
        u->offset = sym.st_value - loads[k].p_vaddr + loads[k].p_offset;
        u->addr = sym.st_value;
        u->size = sym.st_size;
    }
}

/* Opens path as an ELF file, refusing what is not a regular file; NULL with
 * a message in why. */
static Elf *open_elf(const char *path, int *fd, char *why, size_t whylen)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "%s is not a file (a program or a shared library)", path);
        close(*fd);
        return NULL;
    }
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        snprintf(why, whylen, "%s is not an ELF file", path);
        if (e)
            elf_end(e);
        close(*fd);
        return NULL;
    }
    return e;
}

static int by_probe(const void *a, const void *b)
{
    const struct usym_usdt *x = a, *y = b;
    int c = strcmp(x->provider, y->provider);
    return c ? c : strcmp(x->name, y->name);
}

/* A note's description: three addresses (the probe's pc, .stapsdt.base,
 * the semaphore), then "provider\0name\0operands\0"; every string is
 * bounded by the description's size. */
static bool parse_note(const char *desc, size_t size, size_t addr, struct usym_usdt *u)
{
    if (size < 3 * addr + 3)
        return false;
    const char *p = desc + 3 * addr, *end = desc + size;
    const char *strs[3];
    for (int i = 0; i < 3; i++) {
        const char *z = memchr(p, 0, end - p);
        if (!z)
            return false;
        strs[i] = p;
        p = z + 1;
    }
    if (!*strs[0] || !*strs[1])
        return false;
    u->provider = xstrdup(strs[0]);
    u->name = xstrdup(strs[1]);
    u->nargs = 0;
    for (const char *a = strs[2]; *a;) { /* "-4@%edi 8@%rsi": one operand a word */
        a += strspn(a, " ");
        if (*a)
            u->nargs++;
        a += strcspn(a, " ");
    }
    return true;
}

int usym_usdt(const char *path, struct usym_usdt **out, char *why, size_t whylen)
{
    int fd, n = 0, cap = 0;
    *out = NULL;
    Elf *e = open_elf(path, &fd, why, whylen);
    if (!e)
        return -1;
    size_t addr = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;
        while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type != 3 || nh.n_namesz != 8 ||
                memcmp((char *)data->d_buf + name_off, "stapsdt", 8) != 0)
                continue;
            struct usym_usdt u;
            if (!parse_note((char *)data->d_buf + desc_off, nh.n_descsz, addr, &u))
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                *out = xrealloc(*out, cap * sizeof(**out));
            }
            (*out)[n++] = u;
        }
    }
    elf_end(e);
    close(fd);
    if (n > 1)
        qsort(*out, n, sizeof(**out), by_probe);
    /* a probe written at several places is one probe, attached at each */
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k && by_probe(&(*out)[k - 1], &(*out)[i]) == 0) {
            free((*out)[i].provider);
            free((*out)[i].name);
        } else {
            (*out)[k++] = (*out)[i];
        }
    }
    return k;
}

void usym_usdt_free(struct usym_usdt *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].provider);
        free(v[i].name);
    }
    free(v);
}

int usym_open(struct usym_file *f, const char *path, char *why, size_t whylen)
{
    memset(f, 0, sizeof(*f));
    int fd;
    Elf *e = open_elf(path, &fd, why, whylen);
    if (!e)
        return -1;
    GElf_Ehdr eh;
    int rc = -1;
    size_t nph = 0;
    GElf_Phdr *loads = NULL;
    if (!gelf_getehdr(e, &eh)) {
        snprintf(why, whylen, "%s is not an ELF file", path);
        goto out;
    }
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
        snprintf(why, whylen, "%s is not a program or a shared library", path);
        goto out;
    }
    if (elf_getphdrnum(e, &nph) || nph > 4096) {
        snprintf(why, whylen, "%s: cannot read its program headers: %s", path, elf_errmsg(-1));
        goto out;
    }
    loads = xcalloc(nph ? nph : 1, sizeof(*loads));
    int nloads = 0;
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
            loads[nloads++] = ph;
    }
    int cap = 0;
    for (int want = SHT_SYMTAB; want; want = want == SHT_SYMTAB ? SHT_DYNSYM : 0) {
        Elf_Scn *scn = NULL;
        while ((scn = elf_nextscn(e, scn))) {
            GElf_Shdr sh;
            if (gelf_getshdr(scn, &sh) && sh.sh_type == (GElf_Word)want)
                read_table(e, scn, &sh, loads, nloads, f, &cap);
        }
    }
    if (f->nfuncs > 1)
        qsort(f->funcs, f->nfuncs, sizeof(*f->funcs), by_name);
    int k = 0;
    for (int i = 0; i < f->nfuncs; i++) {
        if (k && strcmp(f->funcs[k - 1].name, f->funcs[i].name) == 0)
            free(f->funcs[i].name);
        else
            f->funcs[k++] = f->funcs[i];
    }
    f->nfuncs = k;
    f->path = xstrdup(path);
    f->machine = eh.e_machine;
    rc = 0;
out:
    free(loads);
    elf_end(e);
    close(fd);
    return rc;
}

static int cmp_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct usym_func *)elem)->name);
}

const struct usym_func *usym_lookup(const struct usym_file *f, const char *name)
{
    return f->nfuncs ? bsearch(name, f->funcs, f->nfuncs, sizeof(*f->funcs), cmp_key) : NULL;
}

/* The section that holds addr, or NULL. */
static Elf_Scn *section_at(Elf *e, uint64_t addr, GElf_Shdr *sh)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e, scn)))
        if (gelf_getshdr(scn, sh) && sh->sh_type != SHT_NULL && (sh->sh_flags & SHF_ALLOC) &&
            addr >= sh->sh_addr && addr - sh->sh_addr < sh->sh_size)
            return scn;
    return NULL;
}

int usym_func_bytes(const struct usym_file *f, const struct usym_func *u, size_t max,
                    uint8_t **code, size_t *len, char *why, size_t whylen)
{
    *code = NULL;
    *len = 0;
    int fd;
    Elf *e = open_elf(f->path, &fd, why, whylen);
    if (!e)
        return -1;
    int rc = -1;
    GElf_Shdr sh;
    size_t size = 0;
    const char *raw = elf_rawfile(e, &size);
    if (!section_at(e, u->addr, &sh)) {
        snprintf(why, whylen, "no section of %s holds %s's address, 0x%" PRIx64, f->path, u->name,
                 u->addr);
        goto out;
    }
    uint64_t in = u->addr - sh.sh_addr;
    if (sh.sh_type == SHT_NOBITS || !raw || sh.sh_offset > size || in >= size - sh.sh_offset) {
        snprintf(why, whylen, "the section that holds %s has no bytes in %s", u->name, f->path);
        goto out;
    }
    /* the kernel patches the file at u->offset, found through the segment:
     * bytes found elsewhere through the section would vouch for nothing */
    if (sh.sh_offset + in != u->offset) {
        snprintf(why, whylen, "%s's section and its segment place it at different offsets of %s",
                 u->name, f->path);
        goto out;
    }
    uint64_t n = sh.sh_size - in;
    if (n > size - u->offset)
        n = size - u->offset;
    if (n > max)
        n = max;
    *code = xmalloc(n ? n : 1);
    memcpy(*code, raw + u->offset, n);
    *len = n;
    rc = 0;
out:
    elf_end(e);
    close(fd);
    return rc;
}

void usym_close(struct usym_file *f)
{
    for (int i = 0; i < f->nfuncs; i++)
        free(f->funcs[i].name);
    free(f->funcs);
    free(f->path);
    memset(f, 0, sizeof(*f));
}

/* The symbols a table defines, functions and variables, by name without a
 * version: `name`'s address into *addr (true), and the others' names into
 * names (for "did you mean"), at most max. */
static bool table_addr(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const char *name, uint64_t *addr,
                       const char **names, int *n, int max)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || !sh->sh_entsize)
        return false;
    size_t count = sh->sh_size / sh->sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym))
            break;
        int type = GELF_ST_TYPE(sym.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT) ||
            sym.st_shndx == SHN_UNDEF || !sym.st_value)
            continue;
        const char *s = elf_strptr(e, sh->sh_link, sym.st_name);
        if (!s || !*s)
            continue;
        size_t len = strcspn(s, "@");
        if (strlen(name) == len && strncmp(s, name, len) == 0) {
            *addr = sym.st_value;
            return true;
        }
        if (*n < max)
            names[(*n)++] = s;
    }
    return false;
}

int usym_addr(const char *path, const char *name, uint64_t *addr, bool *pie, char *why,
              size_t whylen)
{
    int fd;
    Elf *e = open_elf(path, &fd, why, whylen);
    if (!e)
        return -1;
    GElf_Ehdr eh;
    *pie = gelf_getehdr(e, &eh) && eh.e_type == ET_DYN;
    enum { NAMES_MAX = 65536 };
    const char **names = xcalloc(NAMES_MAX, sizeof(*names));
    int n = 0;
    bool found = false;
    Elf_Scn *scn = NULL;
    while (!found && (scn = elf_nextscn(e, scn))) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
            found = table_addr(e, scn, &sh, name, addr, names, &n, NAMES_MAX);
    }
    if (!found) {
        const char *best = probe_closest(name, names, n);
        if (best)
            snprintf(why, whylen, "%s has no symbol '%s' (did you mean '%.*s'?)", path, name,
                     (int)strcspn(best, "@"), best);
        else
            snprintf(why, whylen, "%s has no symbol '%s'", path, name);
    }
    free(names);
    elf_end(e);
    close(fd);
    return found ? 0 : -1;
}
