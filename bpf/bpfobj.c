#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>

#include "bpf/bpfobj.h"
#include "lang/xalloc.h"

/* .BTF.ext's header, which no uapi header declares: its sections' places
 * are from the end of the header. */
struct ext_header {
    uint16_t magic;
    uint8_t version, flags;
    uint32_t hdr_len;
    uint32_t func_info_off, func_info_len;
    uint32_t line_info_off, line_info_len;
};

struct sec {
    const char *name;
    const struct bpf_insn *insns; /* code sections */
    int n;
    int *reloc; /* code sections: by instruction, its relocation's symbol + 1, or 0 */
    bool is_code;
    const unsigned char *ext; /* its line records in .BTF.ext, count nlines */
    uint32_t nlines, rec_size;
};

/* A symbol, for lookups by place. */
struct symx {
    size_t shndx;
    uint64_t value, size;
    int type;
    size_t index;
};

struct reader {
    Elf *elf;
    struct sec *secs;
    size_t nsecs;
    Elf_Data *symtab;
    size_t strtab, nsyms;
    size_t maps_sec; /* .maps, or 0 */
    struct symx *sx; /* the symbols by section and value, to look up in log time */
    size_t nsx;
    size_t total; /* instructions of all programs so far */
    size_t bound; /* the most there may be, for an object this large */
    const char *strings;
    uint32_t strings_len;
    char *why;
    size_t whylen;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, r->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool sym_at(const struct reader *r, size_t i, GElf_Sym *s)
{
    return r->symtab && i < r->nsyms && gelf_getsym(r->symtab, (int)i, s);
}

static const char *sym_name(const struct reader *r, const GElf_Sym *s)
{
    if (GELF_ST_TYPE(s->st_info) == STT_SECTION)
        return s->st_shndx < r->nsecs && r->secs[s->st_shndx].name ? r->secs[s->st_shndx].name
                                                                   : "?";
    const char *n = elf_strptr(r->elf, r->strtab, s->st_name);
    return n ? n : "?";
}

static const char *btf_string(const struct reader *r, uint32_t off)
{
    if (!r->strings || off >= r->strings_len)
        return "";
    return r->strings + off;
}

static int read_btf(struct reader *r, const unsigned char *d, size_t len)
{
    struct btf_header h;
    if (len < sizeof(h))
        return fail(r, ".BTF is shorter than its header");
    memcpy(&h, d, sizeof(h));
    if (h.magic != BTF_MAGIC)
        return fail(r, ".BTF has no BTF magic (0x%04x)", h.magic);
    if (h.hdr_len < sizeof(h) || h.hdr_len > len || h.str_off > len - h.hdr_len ||
        h.str_len > len - h.hdr_len - h.str_off)
        return fail(r, ".BTF's strings lie outside it");
    r->strings = (const char *)d + h.hdr_len + h.str_off;
    r->strings_len = h.str_len;
    /* the last string must end inside, so that every one does */
    if (r->strings_len && r->strings[r->strings_len - 1] != 0)
        return fail(r, ".BTF's strings do not end with a NUL");
    return 0;
}

/* .BTF.ext's line info: rec_size, then for each section its name, a
 * count, and that many records. */
static int read_ext(struct reader *r, const unsigned char *d, size_t len)
{
    struct ext_header h;
    if (len < sizeof(h))
        return fail(r, ".BTF.ext is shorter than its header");
    memcpy(&h, d, sizeof(h));
    if (h.magic != BTF_MAGIC)
        return fail(r, ".BTF.ext has no BTF magic");
    if (h.hdr_len < sizeof(h) || h.hdr_len > len || h.line_info_off > len - h.hdr_len ||
        h.line_info_len > len - h.hdr_len - h.line_info_off)
        return fail(r, ".BTF.ext's line info lies outside it");
    if (h.line_info_len == 0)
        return 0;
    const unsigned char *p = d + h.hdr_len + h.line_info_off, *end = p + h.line_info_len;
    uint32_t rec;
    if (end - p < 4)
        return fail(r, ".BTF.ext's line info has no record size");
    memcpy(&rec, p, 4);
    p += 4;
    if (rec < sizeof(struct bpf_line_info) || rec > 1024)
        return fail(r, ".BTF.ext's line records are %u bytes", rec);
    while (p < end) {
        uint32_t name, num;
        if (end - p < 8)
            return fail(r, ".BTF.ext's line info ends inside a section's head");
        memcpy(&name, p, 4);
        memcpy(&num, p + 4, 4);
        p += 8;
        if (num > (size_t)(end - p) / rec)
            return fail(r, ".BTF.ext says %u line records where there is room for fewer", num);
        const char *sec = btf_string(r, name);
        for (size_t i = 1; i < r->nsecs; i++)
            if (r->secs[i].is_code && r->secs[i].name && strcmp(r->secs[i].name, sec) == 0) {
                r->secs[i].ext = p;
                r->secs[i].nlines = num;
                r->secs[i].rec_size = rec;
            }
        p += (size_t)num * rec;
    }
    return 0;
}

static int read_sections(struct reader *r)
{
    size_t shstrndx;
    if (elf_getshdrnum(r->elf, &r->nsecs) || elf_getshdrstrndx(r->elf, &shstrndx))
        return fail(r, "its section headers cannot be read: %s", elf_errmsg(-1));
    if (r->nsecs > 65536)
        return fail(r, "it has %zu sections", r->nsecs);
    r->secs = xcalloc(r->nsecs ? r->nsecs : 1, sizeof(*r->secs));
    Elf_Data *btf = NULL, *ext = NULL;
    for (size_t i = 1; i < r->nsecs; i++) {
        Elf_Scn *scn = elf_getscn(r->elf, i);
        GElf_Shdr sh;
        if (!scn || !gelf_getshdr(scn, &sh))
            return fail(r, "section %zu cannot be read", i);
        struct sec *s = &r->secs[i];
        s->name = elf_strptr(r->elf, shstrndx, sh.sh_name);
        Elf_Data *d = sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
        if (sh.sh_type == SHT_SYMTAB) {
            r->symtab = d;
            r->strtab = sh.sh_link;
            r->nsyms = d && sh.sh_entsize ? d->d_size / sh.sh_entsize : 0;
        } else if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR)) {
            s->is_code = true;
            if (d && d->d_buf) {
                if (d->d_size % sizeof(struct bpf_insn) ||
                    d->d_size / sizeof(struct bpf_insn) > BPFOBJ_INSNS_MAX)
                    return fail(r, "code section %s is %zu bytes", s->name ? s->name : "?",
                                d->d_size);
                s->insns = d->d_buf;
                s->n = (int)(d->d_size / sizeof(struct bpf_insn));
            }
        } else if (s->name && strcmp(s->name, ".BTF") == 0) {
            btf = d;
        } else if (s->name && strcmp(s->name, ".BTF.ext") == 0) {
            ext = d;
        } else if (s->name && strcmp(s->name, ".maps") == 0) {
            r->maps_sec = i;
        }
    }
    if (btf && btf->d_buf && read_btf(r, btf->d_buf, btf->d_size))
        return -1;
    if (ext && ext->d_buf && r->strings && read_ext(r, ext->d_buf, ext->d_size))
        return -1;
    /* relocations, by the instruction they change */
    for (size_t i = 1; i < r->nsecs; i++) {
        Elf_Scn *scn = elf_getscn(r->elf, i);
        GElf_Shdr sh;
        if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL)
            continue;
        if (sh.sh_info >= r->nsecs || !r->secs[sh.sh_info].is_code)
            continue;
        struct sec *t = &r->secs[sh.sh_info];
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !sh.sh_entsize || !t->n)
            continue;
        if (!t->reloc)
            t->reloc = xcalloc((size_t)t->n, sizeof(*t->reloc));
        size_t nrel = d->d_size / sh.sh_entsize;
        for (size_t k = 0; k < nrel; k++) {
            GElf_Rel rel;
            if (!gelf_getrel(d, (int)k, &rel))
                return fail(r, "relocation %zu of %s cannot be read", k, t->name);
            uint64_t at = rel.r_offset / sizeof(struct bpf_insn);
            size_t symi = GELF_R_SYM(rel.r_info);
            if (rel.r_offset % sizeof(struct bpf_insn) || at >= (uint64_t)t->n ||
                symi >= r->nsyms || symi >= (size_t)INT32_MAX)
                return fail(r, "relocation %zu of %s is outside it", k, t->name);
            t->reloc[at] = (int)symi + 1;
        }
    }
    return 0;
}

static int symx_cmp(const void *a, const void *b)
{
    const struct symx *x = a, *y = b;
    if (x->shndx != y->shndx)
        return x->shndx < y->shndx ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void index_symbols(struct reader *r)
{
    r->sx = xcalloc(r->nsyms ? r->nsyms : 1, sizeof(*r->sx));
    for (size_t i = 0; i < r->nsyms; i++) {
        GElf_Sym s;
        /* functions and data only: labels (LBB0_2) would crowd them out */
        if (!sym_at(r, i, &s) ||
            (GELF_ST_TYPE(s.st_info) != STT_FUNC && GELF_ST_TYPE(s.st_info) != STT_OBJECT))
            continue;
        r->sx[r->nsx++] =
            (struct symx){s.st_shndx, s.st_value, s.st_size, GELF_ST_TYPE(s.st_info), i};
    }
    qsort(r->sx, r->nsx, sizeof(*r->sx), symx_cmp);
}

/* The symbol of type `type` in section shndx that covers byte off (one of
 * size 0 covers its own place), the one that starts there when `exact`;
 * NULL when there is none. Symbols that start below off are looked at
 * back to a few dozen: an object whose symbols overlap more is not ours. */
static const struct symx *sym_cover(const struct reader *r, size_t shndx, uint64_t off, int type,
                                    bool exact)
{
    size_t lo = 0, hi = r->nsx; /* the first past (shndx, off) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct symx *x = &r->sx[mid];
        if (x->shndx < shndx || (x->shndx == shndx && x->value <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo, seen = 0; k > 0 && seen < 64; k--, seen++) {
        const struct symx *x = &r->sx[k - 1];
        if (x->shndx != shndx)
            break;
        if (x->type != type)
            continue;
        if (exact ? x->value == off : off - x->value < x->size || off == x->value)
            return x;
    }
    return NULL;
}

static const char *symx_name(const struct reader *r, const struct symx *x)
{
    GElf_Sym s;
    return x && sym_at(r, x->index, &s) ? sym_name(r, &s) : NULL;
}

/* The object symbol of section shndx that covers offset off, for a name
 * such as "run + 8"; NULL when there is none. */
static const char *data_name(const struct reader *r, size_t shndx, uint64_t off, uint64_t *base)
{
    const struct symx *x = sym_cover(r, shndx, off, STT_OBJECT, false);
    if (x)
        *base = x->value;
    return symx_name(r, x);
}

/* The function symbol of code section shndx that starts at instruction t. */
static const char *func_name(const struct reader *r, size_t shndx, uint64_t t)
{
    return symx_name(r, sym_cover(r, shndx, t * sizeof(struct bpf_insn), STT_FUNC, true));
}

/* A program being put together: where each instruction came from, and
 * which functions of .text are already appended (at what instruction). */
struct build {
    struct bpfobj_prog *p;
    int cap, lines_cap;
    size_t *from_sec;
    int *from_insn;
    struct {
        size_t sec;
        int start, end, at;
    } funcs[256];
    int nfuncs;
};

static int append(struct reader *r, struct build *b, size_t sec, int start, int end)
{
    const struct sec *s = &r->secs[sec];
    if (start < 0 || end > s->n || start >= end)
        return fail(r, "a function in %s lies outside it", s->name);
    if ((long long)b->p->n + (end - start) > BPFOBJ_INSNS_MAX)
        return fail(r, "program %s has more than %d instructions", b->p->name, BPFOBJ_INSNS_MAX);
    /* programs may share code, but not so much that a small file makes a
     * huge listing */
    r->total += (size_t)(end - start);
    if (r->total > r->bound)
        return fail(r, "its programs have more than %zu instructions in all", r->bound);
    int need = b->p->n + (end - start);
    if (need > b->cap) {
        int cap = b->cap * 2 > need ? b->cap * 2 : need;
        b->p->insns = xrealloc(b->p->insns, (size_t)cap * sizeof(*b->p->insns));
        b->p->names = xrealloc(b->p->names, (size_t)cap * sizeof(*b->p->names));
        b->from_sec = xrealloc(b->from_sec, (size_t)cap * sizeof(*b->from_sec));
        b->from_insn = xrealloc(b->from_insn, (size_t)cap * sizeof(*b->from_insn));
        b->cap = cap;
    }
    int base = b->p->n;
    memcpy(b->p->insns + base, s->insns + start, (size_t)(end - start) * sizeof(*s->insns));
    for (int i = 0; i < end - start; i++) {
        b->p->names[base + i] = NULL;
        b->from_sec[base + i] = sec;
        b->from_insn[base + i] = start + i;
    }
    b->p->n = need;
    /* its line records, rebased: the last at or before start covers start */
    for (uint32_t k = 0; s->ext && k < s->nlines; k++) {
        struct bpf_line_info li, next;
        memcpy(&li, s->ext + (size_t)k * s->rec_size, sizeof(li));
        uint32_t at = li.insn_off / sizeof(struct bpf_insn);
        if (k + 1 < s->nlines) {
            memcpy(&next, s->ext + (size_t)(k + 1) * s->rec_size, sizeof(next));
            if (at < (uint32_t)start && next.insn_off / sizeof(struct bpf_insn) <= (uint32_t)start)
                continue;
        }
        if (at >= (uint32_t)end)
            break;
        if (b->p->nlines == b->lines_cap) {
            b->lines_cap = b->lines_cap ? 2 * b->lines_cap : 64;
            b->p->lines = xrealloc(b->p->lines, (size_t)b->lines_cap * sizeof(*b->p->lines));
        }
        int to = at < (uint32_t)start ? base : base + (int)(at - (uint32_t)start);
        b->p->lines[b->p->nlines++] = (struct bpfobj_line){
            to, (int)(li.line_col >> 10), (int)(li.line_col & 0x3ff), btf_string(r, li.line_off)};
    }
    return 0;
}

/* The function of .text (section sec) that holds instruction t, appended
 * when it is not yet; its first instruction in the program, or -1. */
static int function_at(struct reader *r, struct build *b, size_t sec, int t)
{
    for (int k = 0; k < b->nfuncs; k++)
        if (b->funcs[k].sec == sec && t >= b->funcs[k].start && t < b->funcs[k].end)
            return b->funcs[k].at + (t - b->funcs[k].start);
    /* its extent: the function symbol around t */
    const struct symx *x =
        sym_cover(r, sec, (uint64_t)t * sizeof(struct bpf_insn), STT_FUNC, false);
    if (!x || x->size == 0)
        return -1;
    uint64_t a = x->value / sizeof(struct bpf_insn), z = a + x->size / sizeof(struct bpf_insn);
    if (x->value % sizeof(struct bpf_insn) || z > (uint64_t)r->secs[sec].n || z <= a) {
        fail(r, "function %s lies outside its section", symx_name(r, x));
        return -2;
    }
    int start = (int)a, end = (int)z;
    if (b->nfuncs == (int)(sizeof(b->funcs) / sizeof(b->funcs[0]))) {
        fail(r, "program %s calls more than %zu functions", b->p->name,
             sizeof(b->funcs) / sizeof(b->funcs[0]));
        return -2;
    }
    int at = b->p->n;
    if (append(r, b, sec, start, end))
        return -2;
    b->funcs[b->nfuncs].sec = sec;
    b->funcs[b->nfuncs].start = start;
    b->funcs[b->nfuncs].end = end;
    b->funcs[b->nfuncs].at = at;
    b->nfuncs++;
    return at + (t - start);
}

/* Instruction i as libbpf makes it: a map's, data's or function's
 * relocation resolved to the kinds the kernel reads (src_reg), its name
 * kept; a call of a function appended, and its distance set. */
static int resolve(struct reader *r, struct build *b, int i)
{
    struct bpf_insn *in = &b->p->insns[i];
    const struct sec *s = &r->secs[b->from_sec[i]];
    int symi = s->reloc ? s->reloc[b->from_insn[i]] - 1 : -1;
    bool call = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
    bool wide = in->code == (BPF_LD | BPF_IMM | BPF_DW);
    if (symi < 0 && call) { /* a call inside its own section */
        int64_t to = (int64_t)b->from_insn[i] + 1 + in->imm;
        int t = to >= 0 && to < r->secs[b->from_sec[i]].n
                    ? function_at(r, b, b->from_sec[i], (int)to)
                    : -1;
        if (t < -1)
            return -1;
        in = &b->p->insns[i]; /* appending may have moved it */
        if (t >= 0)
            in->imm = t - (i + 1);
        return 0;
    }
    GElf_Sym sym;
    if (symi < 0 || !sym_at(r, (size_t)symi, &sym))
        return 0;
    const char *name = sym_name(r, &sym);
    char buf[160];
    size_t shndx = sym.st_shndx;
    if (shndx == 0 || shndx >= r->nsecs) { /* an extern: leave it */
        b->p->names[i] = xstrdup(name);
        return 0;
    }
    if (r->secs[shndx].is_code && (call || wide)) {
        int64_t t = (int64_t)(sym.st_value / sizeof(struct bpf_insn)) +
                    (call ? (int64_t)in->imm + 1 : in->imm / (int)sizeof(struct bpf_insn));
        int at = t >= 0 && t <= INT32_MAX ? function_at(r, b, shndx, (int)t) : -1;
        if (at < -1)
            return -1;
        in = &b->p->insns[i];
        if (at >= 0) {
            in->imm = at - (i + 1);
            if (wide)
                in->src_reg = BPF_PSEUDO_FUNC;
        }
        /* a section's symbol and an offset: name the function there */
        const char *fn = t >= 0 && t <= INT32_MAX ? func_name(r, shndx, (uint64_t)t) : NULL;
        b->p->names[i] = xstrdup(fn ? fn : name);
        return 0;
    }
    if (!wide) {
        b->p->names[i] = xstrdup(name);
        return 0;
    }
    if (shndx == r->maps_sec) {
        in->src_reg = BPF_PSEUDO_MAP_FD;
        b->p->names[i] = xstrdup(name);
        return 0;
    }
    /* a map's data: .rodata, .data, .bss, a section of its own */
    uint64_t off = (uint64_t)(uint32_t)in->imm;
    if (GELF_ST_TYPE(sym.st_info) != STT_SECTION)
        off += sym.st_value;
    uint64_t base = 0;
    const char *var = data_name(r, shndx, off, &base);
    if (var && off > base)
        snprintf(buf, sizeof(buf), "%s + %llu", var, (unsigned long long)(off - base));
    else if (var)
        snprintf(buf, sizeof(buf), "%s", var);
    else
        snprintf(buf, sizeof(buf), "%s + %llu", name, (unsigned long long)off);
    in->src_reg = BPF_PSEUDO_MAP_VALUE;
    b->p->names[i] = xstrdup(buf);
    return 0;
}

static int read_prog(struct reader *r, size_t sec, const GElf_Sym *sym, struct bpfobj_prog *p)
{
    const struct sec *s = &r->secs[sec];
    uint64_t start = sym->st_value / sizeof(struct bpf_insn);
    uint64_t end = sym->st_size ? start + sym->st_size / sizeof(struct bpf_insn) : (uint64_t)s->n;
    if (sym->st_value % sizeof(struct bpf_insn) || start >= (uint64_t)s->n ||
        end > (uint64_t)s->n || end <= start)
        return fail(r, "program %s lies outside its section %s", p->name, s->name);
    struct build b = {.p = p};
    int rc = append(r, &b, sec, (int)start, (int)end);
    for (int i = 0; rc == 0 && i < p->n; i++)
        rc = resolve(r, &b, i);
    free(b.from_sec);
    free(b.from_insn);
    return rc;
}

int bpfobj_read(const void *data, size_t len, struct bpfobj *o, char *why, size_t whylen)
{
    memset(o, 0, sizeof(*o));
    struct reader r = {.why = why, .whylen = whylen};
    elf_version(EV_CURRENT);
    /* libelf reads in place and writes nothing when only reading */
    r.elf = elf_memory((char *)data, len);
    int rc = -1;
    if (!r.elf || elf_kind(r.elf) != ELF_K_ELF) {
        fail(&r, "it is not an ELF file");
        goto out;
    }
    GElf_Ehdr eh;
    if (!gelf_getehdr(r.elf, &eh) || eh.e_machine != EM_BPF) {
        fail(&r, "it is not a BPF object");
        goto out;
    }
    if (read_sections(&r))
        goto out;
    index_symbols(&r);
    r.bound = 16 * (len / sizeof(struct bpf_insn)) + 4096;
    if (r.strings) {
        o->strings = xmalloc(r.strings_len ? r.strings_len : 1);
        memcpy(o->strings, r.strings, r.strings_len);
    }
    for (size_t i = 0; i < r.nsyms; i++) {
        GElf_Sym s;
        if (!sym_at(&r, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
            GELF_ST_BIND(s.st_info) != STB_GLOBAL || s.st_shndx >= r.nsecs ||
            !r.secs[s.st_shndx].is_code || !r.secs[s.st_shndx].name ||
            strcmp(r.secs[s.st_shndx].name, ".text") == 0)
            continue;
        if (o->nprogs == BPFOBJ_PROGS_MAX) {
            fail(&r, "it has more than %d programs", BPFOBJ_PROGS_MAX);
            goto out;
        }
        o->progs = xrealloc(o->progs, (o->nprogs + 1) * sizeof(*o->progs));
        struct bpfobj_prog *p = &o->progs[o->nprogs++];
        memset(p, 0, sizeof(*p));
        p->name = xstrdup(sym_name(&r, &s));
        p->section = xstrdup(r.secs[s.st_shndx].name);
        if (read_prog(&r, s.st_shndx, &s, p))
            goto out;
    }
    /* the line texts point into the object's strings: point them at the copy */
    for (int k = 0; k < o->nprogs; k++)
        for (int j = 0; j < o->progs[k].nlines; j++) {
            struct bpfobj_line *l = &o->progs[k].lines[j];
            if (r.strings && l->text >= r.strings && l->text < r.strings + r.strings_len)
                l->text = o->strings + (l->text - r.strings);
            else
                l->text = "";
        }
    rc = 0;
out:
    for (size_t i = 0; i < r.nsecs; i++)
        free(r.secs[i].reloc);
    free(r.secs);
    free(r.sx);
    if (r.elf)
        elf_end(r.elf);
    if (rc)
        bpfobj_free(o);
    return rc;
}

const struct bpfobj_prog *bpfobj_find(const struct bpfobj *o, const char *name)
{
    for (int k = 0; k < o->nprogs; k++)
        if (strcmp(o->progs[k].name, name) == 0)
            return &o->progs[k];
    return NULL;
}

const struct bpfobj_line *bpfobj_line_at(const struct bpfobj_prog *p, int i)
{
    int lo = 0, hi = p->nlines - 1, best = -1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->lines[mid].insn <= i) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best >= 0 ? &p->lines[best] : NULL;
}

void bpfobj_free(struct bpfobj *o)
{
    for (int k = 0; k < o->nprogs; k++) {
        struct bpfobj_prog *p = &o->progs[k];
        for (int i = 0; p->names && i < p->n; i++)
            free(p->names[i]);
        free(p->names);
        free(p->insns);
        free(p->lines);
        free(p->name);
        free(p->section);
    }
    free(o->progs);
    free(o->strings);
    memset(o, 0, sizeof(*o));
}
