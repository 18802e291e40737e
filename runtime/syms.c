#include "runtime/syms.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <elfutils/libdwfl.h>

#include "bpf/kallsyms.h"
#include "lang/xalloc.h"
#include "runtime/proctab.h"

/* A process is read again when an address is in none of its files (or it
 * could not be read), as often as this: it may have mapped a library
 * since, or its mappings may have been recorded since. */
#define REREAD_NS 100000000ll

/* A file mapped executable at start..end, its addresses moved by bias. */
struct map {
    uint64_t start, end, bias;
    int file; /* in syms.files */
};

struct proc {
    uint32_t tgid;
    struct map *maps; /* its executable mappings: what symbols are looked up by */
    int nmaps;
    int64_t maps_at;
    Dwfl *dwfl; /* for unwinding (--unwind dwarf), made when first asked: NULL when the
                   process could not be read (it is gone) */
    uint64_t used;
    int64_t read_at;
    bool attached;                    /* libdwfl's unwinder is attached to dwfl (once a Dwfl) */
    const struct syms_sample *sample; /* the one being unwound */
};

/* A file symbols are read from, once whatever the processes that map it
 * (each Dwfl maps its files, and many processes map libc): a Dwfl of its
 * own, with the file as its one module at the addresses it is linked at. */
struct file {
    char *path;
    Dwfl *dwfl;
    Dwfl_Module *mod; /* NULL: not an ELF file it could read */
};

/* A symbol found, by file and address (looked up once: libdwfl's lookup
 * goes through the symbol table). */
struct memo {
    uint64_t vaddr;
    int file;   /* -1: a free slot */
    char *name; /* NULL: in no symbol */
    uint64_t start;
    char *src; /* "file:line", once asked for (src_tried); NULL where there is none */
    bool src_tried;
};
#define SYMS_FILES    4096
#define SYMS_MEMO_MAX (1u << 20)

struct syms {
    struct kallsyms k;
    int kstate; /* 0 not read yet, 1 read, -1 unreadable */
    struct proc procs[SYMS_PROCS];
    int nprocs;
    uint64_t clock;
    struct proctab *pt;
    struct file *files;
    int nfiles;
    struct memo *memo; /* open addressing, a power of 2 */
    size_t nmemo, capmemo;
};

/* libdw, opened by its soname (SYMS_LIBDW) when symbols or a stack are
 * first wanted, rather than linked: it and what it loads (liblzma, libbz2)
 * cost every run's start-up, --version's and a compiled script's included,
 * for the runs that print user stacks or symbols. */
/* clang-format off: one function a line */
#define DW_FUNCS(X)                                                                                \
    X(dwfl_begin)                                                                                  \
    X(dwfl_end)                                                                                    \
    X(dwfl_report_begin)                                                                           \
    X(dwfl_report_elf)                                                                             \
    X(dwfl_report_end)                                                                             \
    X(dwfl_module_addrinfo)                                                                        \
    X(dwfl_module_getsrc)                                                                          \
    X(dwfl_lineinfo)                                                                               \
    X(dwfl_thread_state_register_pc)                                                               \
    X(dwfl_thread_state_registers)                                                                 \
    X(dwfl_frame_pc)                                                                               \
    X(dwfl_attach_state)                                                                           \
    X(dwfl_getthread_frames)                                                                       \
    X(dwfl_linux_proc_find_elf)                                                                    \
    X(dwfl_standard_find_debuginfo)
/* clang-format on */
#define DW_POINTER(f) __typeof__(f) *f;
static struct {
    DW_FUNCS(DW_POINTER)
} dw;
static Dwfl_Callbacks proc_callbacks;

/* Whether libdw is there to use: opened once; without it, no symbols are
 * found and no stack is unwound, as when a Dwfl cannot be made. */
static bool dw_ready(void)
{
    static int state; /* 1 opened, -1 not there */
    if (state)
        return state > 0;
    state = -1;
    void *l = dlopen(SYMS_LIBDW, RTLD_NOW | RTLD_LOCAL);
    if (!l)
        return false;
#define DW_RESOLVE(f)                                                                              \
    if (!(*(void **)&dw.f = dlsym(l, #f)))                                                         \
        return false;
    DW_FUNCS(DW_RESOLVE)
    proc_callbacks.find_elf = dw.dwfl_linux_proc_find_elf;
    proc_callbacks.find_debuginfo = dw.dwfl_standard_find_debuginfo;
    state = 1;
    return true;
}

struct syms *syms_new(struct proctab *pt)
{
    struct syms *s = xcalloc(1, sizeof(struct syms));
    s->pt = pt;
    return s;
}

void syms_free(struct syms *s)
{
    if (!s)
        return;
    kallsyms_free(&s->k);
    for (int i = 0; i < s->nprocs; i++) {
        if (s->procs[i].dwfl)
            dw.dwfl_end(s->procs[i].dwfl);
        free(s->procs[i].maps);
    }
    for (int i = 0; i < s->nfiles; i++) {
        free(s->files[i].path);
        if (s->files[i].dwfl)
            dw.dwfl_end(s->files[i].dwfl);
    }
    free(s->files);
    for (size_t i = 0; i < s->capmemo; i++) {
        free(s->memo[i].name);
        free(s->memo[i].src);
    }
    free(s->memo);
    free(s);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *hex(uint64_t addr, char *buf, size_t len)
{
    snprintf(buf, len, "0x%" PRIx64, addr);
    return buf;
}

/* "name", "name+off": offsets in decimal, as bpftrace writes them */
static const char *named(const char *name, uint64_t off, unsigned how, const char *file, char *buf,
                         size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s", name);
    if ((how & SYMS_OFFSET) && n < len)
        n += (size_t)snprintf(buf + n, len - n, "+%" PRIu64, off);
    if ((how & SYMS_FILE) && file && n < len)
        snprintf(buf + n, len - n, " (%s)", file);
    return buf;
}

const char *syms_kernel(struct syms *s, uint64_t addr, unsigned how, char *buf, size_t len)
{
    if (!s->kstate) {
        char why[256];
        s->kstate = kallsyms_load(&s->k, NULL, why, sizeof(why)) ? -1 : 1;
        if (s->kstate < 0)
            fprintf(stderr, "tinyprobe: warning: kernel addresses are printed in hex: %s\n", why);
    }
    uint64_t off, look = (how & SYMS_RETURN) && addr ? addr - 1 : addr;
    const struct kallsyms_sym *k = s->kstate > 0 ? kallsyms_find(&s->k, look, &off) : NULL;
    if (!k)
        return hex(addr, buf, len);
    return named(kallsyms_name(&s->k, k), addr - k->addr, how, NULL, buf, len);
}

/* The bias of the ELF file that maps file offset pgoff at address start:
 * what is added to its addresses (p_vaddr) where it is loaded, from the
 * segment that holds that offset; 0 (as placed) for one that is not ELF. */
static uint64_t load_bias(const char *path, uint64_t start, uint64_t pgoff)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    uint64_t bias = 0;
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    size_t nph = 0;
    if (e && elf_kind(e) == ELF_K_ELF && elf_getphdrnum(e, &nph) == 0) {
        for (size_t i = 0; i < nph && i < 4096; i++) {
            GElf_Phdr ph;
            if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
                continue;
            uint64_t off = ph.p_offset & ~(uint64_t)0xfff;
            if (pgoff >= off && pgoff < ph.p_offset + ph.p_filesz) {
                /* p_vaddr and p_offset agree modulo the page */
                bias = start - pgoff - (ph.p_vaddr - ph.p_offset);
                break;
            }
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return bias;
}

static void maps_read(struct syms *s, struct proc *p);

/* The process's Dwfl, for unwinding: its files where its mappings put them
 * (maps_read: as the table recorded them, or as /proc shows them), each
 * file once, placed by its bias (an executable as linked). */
static void proc_read(struct syms *s, struct proc *p)
{
    if (p->dwfl)
        dw.dwfl_end(p->dwfl);
    p->dwfl = dw_ready() ? dw.dwfl_begin(&proc_callbacks) : NULL;
    p->attached = false;
    p->read_at = now_ns();
    if (!p->dwfl)
        return;
    maps_read(s, p);
    dw.dwfl_report_begin(p->dwfl);
    for (int i = 0; i < p->nmaps; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = p->maps[j].file == p->maps[i].file;
        if (seen)
            continue;
        const char *path = s->files[p->maps[i].file].path, *name = strrchr(path, '/');
        dw.dwfl_report_elf(p->dwfl, name ? name + 1 : path, path, -1, p->maps[i].bias, false);
    }
    dw.dwfl_report_end(p->dwfl, NULL, NULL);
    if (!p->nmaps) { /* gone, or not ours to read */
        dw.dwfl_end(p->dwfl);
        p->dwfl = NULL;
    }
}

static int file_get(struct syms *s, const char *path)
{
    for (int i = 0; i < s->nfiles; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return i;
    if (s->nfiles == SYMS_FILES)
        return -1;
    if (s->nfiles % 64 == 0)
        s->files = xrealloc(s->files, (size_t)(s->nfiles + 64) * sizeof(*s->files));
    struct file *f = &s->files[s->nfiles];
    f->path = xstrdup(path);
    f->mod = NULL;
    f->dwfl = dw_ready() ? dw.dwfl_begin(&proc_callbacks) : NULL;
    if (f->dwfl) {
        dw.dwfl_report_begin(f->dwfl);
        const char *name = strrchr(path, '/');
        f->mod = dw.dwfl_report_elf(f->dwfl, name ? name + 1 : path, path, -1, 0, false);
        dw.dwfl_report_end(f->dwfl, NULL, NULL);
    }
    return s->nfiles++;
}

static void add_map(struct syms *s, struct proc *p, uint64_t start, uint64_t end, uint64_t pgoff,
                    const char *path, int *cap)
{
    if (p->nmaps == PROCTAB_MAPPINGS)
        return;
    int f = file_get(s, path);
    if (f < 0)
        return;
    if (p->nmaps == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        p->maps = xrealloc(p->maps, (size_t)*cap * sizeof(*p->maps));
    }
    p->maps[p->nmaps++] = (struct map){start, end, load_bias(path, start, pgoff), f};
}

/* The process's executable mappings: as the table recorded them, which
 * holds after it has exited (and after its pid was used again), else as
 * /proc shows them now. */
static void maps_read(struct syms *s, struct proc *p)
{
    p->nmaps = 0;
    p->maps_at = now_ns();
    int cap = 0;
    free(p->maps);
    p->maps = NULL;
    proctab_poll(s->pt);
    const struct proctab_mapping *v;
    int n = proctab_mappings(s->pt, p->tgid, &v);
    for (int i = 0; i < n; i++)
        add_map(s, p, v[i].start, v[i].start + v[i].len, v[i].pgoff, v[i].path, &cap);
    if (n)
        return;
    char path[64], line[4096 + 128];
    snprintf(path, sizeof(path), "/proc/%u/maps", p->tgid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long long start, end, off;
        char perms[8];
        int at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &at) < 4 ||
            !at || perms[2] != 'x')
            continue;
        char *file = line + at;
        file[strcspn(file, "\n")] = 0;
        if (file[0] == '/')
            add_map(s, p, start, end, off, file, &cap);
    }
    if (f)
        fclose(f);
}

static struct proc *proc_get(struct syms *s, uint32_t tgid)
{
    struct proc *p = NULL;
    for (int i = 0; i < s->nprocs && !p; i++)
        if (s->procs[i].tgid == tgid)
            p = &s->procs[i];
    if (!p) {
        if (s->nprocs < SYMS_PROCS) {
            p = &s->procs[s->nprocs++];
        } else { /* the one used least recently */
            p = &s->procs[0];
            for (int i = 1; i < s->nprocs; i++)
                if (s->procs[i].used < p->used)
                    p = &s->procs[i];
            if (p->dwfl)
                dw.dwfl_end(p->dwfl);
            free(p->maps);
        }
        memset(p, 0, sizeof(*p));
        p->tgid = tgid;
        p->read_at = p->maps_at = -REREAD_NS; /* not read yet */
        maps_read(s, p);
    }
    p->used = ++s->clock;
    return p;
}

/* The symbol at vaddr of file f, from the memo or looked up (and kept). */
static struct memo *lookup(struct syms *s, int f, uint64_t vaddr)
{
    if (s->nmemo * 2 >= s->capmemo && s->capmemo < 2 * (size_t)SYMS_MEMO_MAX) {
        size_t cap = s->capmemo ? s->capmemo * 2 : 4096;
        struct memo *v = xcalloc(cap, sizeof(*v));
        for (size_t i = 0; i < cap; i++)
            v[i].file = -1;
        for (size_t i = 0; i < s->capmemo; i++) {
            if (s->memo[i].file < 0)
                continue;
            size_t k =
                (s->memo[i].vaddr * 0x9e3779b97f4a7c15ull ^ (uint64_t)s->memo[i].file) & (cap - 1);
            while (v[k].file >= 0)
                k = (k + 1) & (cap - 1);
            v[k] = s->memo[i];
        }
        free(s->memo);
        s->memo = v;
        s->capmemo = cap;
    }
    size_t k = (vaddr * 0x9e3779b97f4a7c15ull ^ (uint64_t)f) & (s->capmemo - 1);
    while (s->memo[k].file >= 0 && (s->memo[k].file != f || s->memo[k].vaddr != vaddr))
        k = (k + 1) & (s->capmemo - 1);
    struct memo *m = &s->memo[k];
    if (m->file >= 0)
        return m;
    static struct memo once; /* past the memo's bound: looked up each time */
    if (s->nmemo >= SYMS_MEMO_MAX)
        m = &once, free(once.name), free(once.src);
    else
        s->nmemo++;
    *m = (struct memo){.vaddr = vaddr, .file = f};
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = s->files[f].mod ? dw.dwfl_module_addrinfo(s->files[f].mod, vaddr, &off, &sym,
                                                                 NULL, NULL, NULL)
                                       : NULL;
    if (name) {
        /* a versioned name of .dynsym, "clock_nanosleep@GLIBC_2.2.5": the name */
        m->name = xstrndup(name, strcspn(name, "@"));
        m->start = vaddr - off;
    }
    return m;
}

const char *syms_user(struct syms *s, uint32_t tgid, uint64_t addr, unsigned how, char *buf,
                      size_t len)
{
    struct proc *p = proc_get(s, tgid);
    uint64_t look = (how & SYMS_RETURN) && addr ? addr - 1 : addr;
    const struct map *mp = NULL;
    for (int pass = 0; pass < 2 && !mp; pass++) {
        for (int i = 0; i < p->nmaps && !mp; i++)
            if (look >= p->maps[i].start && look < p->maps[i].end)
                mp = &p->maps[i];
        if (!mp && !pass && now_ns() - p->maps_at > REREAD_NS)
            maps_read(s, p); /* mapped since? */
        else
            break;
    }
    if (!mp)
        return hex(addr, buf, len);
    struct memo *m = lookup(s, mp->file, look - mp->bias);
    if (!m->name)
        return hex(addr, buf, len);
    named(m->name, addr - mp->bias - m->start, how, s->files[mp->file].path, buf, len);
    if (how & SYMS_LINE) {
        if (!m->src_tried) {
            m->src_tried = true;
            Dwfl_Line *l = s->files[mp->file].mod
                               ? dw.dwfl_module_getsrc(s->files[mp->file].mod, look - mp->bias)
                               : NULL;
            int line = 0;
            const char *src = l ? dw.dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
            if (src && line > 0) {
                size_t n = strlen(src) + 24;
                m->src = xmalloc(n);
                snprintf(m->src, n, "%s:%d", src, line);
            }
        }
        size_t used = strlen(buf);
        if (m->src && used < len)
            snprintf(buf + used, len - used, " (%s)", m->src);
    }
    return buf;
}

/* libdwfl's unwinder asks for the sample's thread, its registers, and
 * words of its stack, which the copy holds or not. */
static pid_t sample_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
    (void)dwfl;
    struct proc *p = arg;
    if (*thread_arg || !p->sample)
        return 0; /* one thread: the sample's */
    *thread_arg = p;
    return (pid_t)p->sample->tid;
}

static bool sample_memory(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
    (void)dwfl;
    const struct syms_sample *sm = ((struct proc *)arg)->sample;
    uint64_t sp = sm->regs[sm->sp];
    if (addr < sp || addr - sp > sm->len || sm->len - (addr - sp) < sizeof(*result))
        return false;
    memcpy(result, sm->stack + (addr - sp), sizeof(*result));
    return true;
}

static bool sample_registers(Dwfl_Thread *thread, void *arg)
{
    const struct syms_sample *sm = ((struct proc *)arg)->sample;
    Dwarf_Word regs[64];
    int n = sm->nregs < 64 ? sm->nregs : 64;
    for (int i = 0; i < n; i++)
        regs[i] = sm->regs[i];
    /* the last of them is the pc on both architectures (x86-64's ip, which
     * is also its DWARF register 16; arm64's pc, which has none) */
    dw.dwfl_thread_state_register_pc(thread, regs[n - 1]);
    return dw.dwfl_thread_state_registers(thread, 0, (unsigned)n, regs) ||
           dw.dwfl_thread_state_registers(thread, 0, (unsigned)n - 1, regs);
}

static const Dwfl_Thread_Callbacks sample_callbacks = {
    .next_thread = sample_thread,
    .memory_read = sample_memory,
    .set_initial_registers = sample_registers,
};

struct frames_out {
    uint64_t *v;
    int n, max;
};

static int one_frame(Dwfl_Frame *state, void *arg)
{
    struct frames_out *o = arg;
    Dwarf_Addr pc;
    if (!dw.dwfl_frame_pc(state, &pc, NULL) || o->n == o->max)
        return DWARF_CB_ABORT;
    o->v[o->n++] = pc;
    return DWARF_CB_OK;
}

int syms_unwind(struct syms *s, const struct syms_sample *sm, uint64_t *frames, int max)
{
    if (sm->nregs < 2 || sm->sp >= sm->nregs)
        return 0;
    struct proc *p = proc_get(s, sm->tgid);
    if (!p->dwfl && now_ns() - p->read_at > REREAD_NS)
        proc_read(s, p);
    if (!p->dwfl)
        return 0;
    p->sample = sm;
    if (!p->attached)
        p->attached = dw.dwfl_attach_state(p->dwfl, NULL, (pid_t)sm->tgid, &sample_callbacks, p);
    struct frames_out o = {frames, 0, max};
    if (p->attached)
        dw.dwfl_getthread_frames(p->dwfl, (pid_t)sm->tid, one_frame, &o);
    p->sample = NULL;
    if (!o.n) /* no unwinding at all: the pc alone */
        frames[o.n++] = sm->regs[sm->nregs - 1];
    return o.n;
}
