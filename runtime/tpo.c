#include "runtime/tpo.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/disasm.h"
#include "bpf/kbtf.h"
#include "lang/wire.h"
#include "lang/xalloc.h"

static const char magic[4] = {'T', 'P', 'O', 0};

/* Bounds on what a section may claim, beyond what any compile makes. */
#define TPO_PROGS_MAX (1u << 20)
#define TPO_SPANS_MAX (1u << 24)
#define TPO_TEXT_MAX  (16u << 20) /* main.c's SCRIPT_MAX */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

bool tpo_is_elf(const void *data, size_t len)
{
    return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

/* ---- writing ---- */

void tpo_put_kernel(struct wire_out *key)
{
    char version[512] = "";
    FILE *f = fopen("/proc/version", "re");
    if (f) {
        if (!fgets(version, sizeof(version), f))
            version[0] = 0;
        fclose(f);
    }
    wire_put_str(key, version);
    const char *btf = getenv("TINYPROBE_BTF"); /* the tests' other kernel */
    struct stat st;
    if (stat(btf ? btf : "/sys/kernel/btf/vmlinux", &st))
        memset(&st, 0, sizeof(st));
    wire_put_str(key, btf);
    wire_put_str(key, getenv("TINYPROBE_TRACEFS"));
    wire_put_u64(key, (uint64_t)st.st_size);
}

static void put_section(struct wire_out *o, const struct cg_output *cg, const struct diag_src *src,
                        const struct tpo_opts *opts)
{
    for (size_t i = 0; i < sizeof(magic); i++)
        wire_put_u8(o, (uint8_t)magic[i]);
    wire_put_u32(o, TPO_FORMAT);
    wire_put_str(o, TP_VERSION);
    wire_put_str(o, src->name);
    wire_put_str(o, src->text);
    wire_put_u32(o, (uint32_t)opts->str_size);
    wire_put_u32(o, opts->ringbuf_size);
    wire_put_u32(o, opts->map_size);
    wire_put_u32(o, opts->stack_max);
    wire_put_u32(o, (uint32_t)opts->nparams);
    for (int i = 0; i < opts->nparams; i++)
        wire_put_str(o, opts->params[i]);
    struct wire_out kernel = {0};
    tpo_put_kernel(&kernel);
    wire_put_strn(o, (const char *)kernel.buf, kernel.len); /* may hold NULs: read as a blob */
    wire_out_free(&kernel);
    wire_put_u32(o, cg->names_size);
    wire_put_u32(o, (uint32_t)cg->nspans);
    for (int i = 0; i < cg->nspans; i++)
        plan_put_loc(o, cg->spans[i]);
    wire_put_u32(o, (uint32_t)cg->nprogs);
    for (int i = 0; i < cg->nprogs; i++) {
        const struct cg_prog *p = &cg->progs[i];
        int point = 0;
        while (point < cg->plan->points.n && cg->plan->points.v[point] != p->point)
            point++;
        wire_put_str(o, p->name);
        wire_put_str(o, p->section);
        wire_put_str(o, p->text);
        plan_put_loc(o, p->loc);
        wire_put_u32(o, (uint32_t)point);
        wire_put_u8(o, p->shared);
        wire_put_u8(o, p->has_loop);
        plan_put_loc(o, p->loop_at);
    }
    plan_write(o, cg->plan, cg->ncpus);
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* LLVM's object with the section added: its bytes, then the section's, a
 * new string table of section names (the old one and the new name), and a
 * new table of section headers (the old ones and the new one). The old
 * tables stay, unreferenced, which ELF allows. */
int tpo_make(const struct cg_output *cg, const struct diag_src *src, const struct tpo_opts *opts,
             void **buf, size_t *len, char *err, size_t errlen)
{
    const unsigned char *obj = cg->obj;
    Elf64_Ehdr eh;
    if (cg->objlen < sizeof(eh) || !tpo_is_elf(obj, cg->objlen))
        return fail(err, errlen, "internal error: the object is not an ELF file");
    memcpy(&eh, obj, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
        eh.e_shnum == 0 || eh.e_shnum >= SHN_LORESERVE - 1 || eh.e_shstrndx >= eh.e_shnum ||
        eh.e_shoff > cg->objlen || (cg->objlen - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum)
        return fail(err, errlen, "the object has %u sections, more than a compiled script holds",
                    eh.e_shnum);
    Elf64_Shdr *sh = xcalloc((size_t)eh.e_shnum + 1, sizeof(*sh));
    memcpy(sh, obj + eh.e_shoff, eh.e_shnum * sizeof(*sh));
    Elf64_Shdr *names = &sh[eh.e_shstrndx];
    if (names->sh_offset > cg->objlen || cg->objlen - names->sh_offset < names->sh_size) {
        free(sh);
        return fail(err, errlen, "internal error: the object's section names lie past it");
    }

    struct wire_out sec = {0};
    put_section(&sec, cg, src, opts);
    size_t sec_at = align8(cg->objlen);
    size_t names_at = align8(sec_at + sec.len);
    size_t names_len = names->sh_size + sizeof(TPO_SECTION);
    size_t sh_at = align8(names_at + names_len);
    size_t total = sh_at + ((size_t)eh.e_shnum + 1) * sizeof(*sh);
    unsigned char *out = xcalloc(1, total);
    memcpy(out, obj, cg->objlen);
    memcpy(out + sec_at, sec.buf, sec.len);
    memcpy(out + names_at, obj + names->sh_offset, names->sh_size);
    memcpy(out + names_at + names->sh_size, TPO_SECTION, sizeof(TPO_SECTION));
    sh[eh.e_shnum] = (Elf64_Shdr){
        .sh_name = (Elf64_Word)names->sh_size,
        .sh_type = SHT_PROGBITS,
        .sh_offset = sec_at,
        .sh_size = sec.len,
        .sh_addralign = 1,
    };
    names->sh_offset = names_at;
    names->sh_size = names_len;
    memcpy(out + sh_at, sh, ((size_t)eh.e_shnum + 1) * sizeof(*sh));
    eh.e_shoff = sh_at;
    eh.e_shnum++;
    memcpy(out, &eh, sizeof(eh));
    free(sh);
    wire_out_free(&sec);
    *buf = out;
    *len = total;
    return 0;
}

/* ---- reading ---- */

static char *dup_str(struct wire_in *in, size_t max)
{
    size_t n;
    const char *s = wire_strn(in, max, &n);
    return xstrndup(s, n);
}

/* What a compiled script's ELF file holds for its reader, in one pass: the
 * bytes of its TPO_SECTION, and the first helper of each concern its code
 * calls. A compiled script is anyone's object: every instruction of every
 * section that holds code is looked at, reachable or not, before anything
 * is loaded. tinyprobe's code calls the signal helpers for signal(), which
 * --unsafe allows and the plan then says; the helpers that write to tasks
 * or change what functions return, never. */
struct elf_seen {
    const void *section;
    size_t seclen;
    int signal, never; /* a helper's number, or -1 */
};

static void seen_calls(const unsigned char *code, size_t size, struct elf_seen *s)
{
    for (size_t off = 0; off + sizeof(struct bpf_insn) <= size; off += 8) {
        struct bpf_insn in;
        memcpy(&in, code + off, sizeof(in));
        if (in.code != (BPF_JMP | BPF_CALL) || in.src_reg != 0)
            continue;
        if (s->signal < 0 &&
            (in.imm == BPF_FUNC_send_signal || in.imm == BPF_FUNC_send_signal_thread))
            s->signal = in.imm;
        if (s->never < 0 &&
            (in.imm == BPF_FUNC_probe_write_user || in.imm == BPF_FUNC_override_return ||
             in.imm == BPF_FUNC_sys_bpf || in.imm == BPF_FUNC_sys_close))
            s->never = in.imm;
    }
}

static int read_elf(const void *data, size_t len, struct elf_seen *s, char *err, size_t errlen)
{
    *s = (struct elf_seen){.signal = -1, .never = -1};
    elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *)data, len);
    size_t shstrndx;
    int rc = -1;
    GElf_Ehdr eh;
    if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx)) {
        fail(err, errlen, "it is not an ELF file that can be read: %s", elf_errmsg(-1));
        goto out;
    }
    if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_BPF) {
        fail(err, errlen, "it is an ELF file, but not a BPF object");
        goto out;
    }
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
            continue;
        if (sh.sh_offset > len || len - sh.sh_offset < sh.sh_size) {
            fail(err, errlen, "a section lies past its end");
            goto out;
        }
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (sh.sh_flags & SHF_EXECINSTR)
            seen_calls((const unsigned char *)data + sh.sh_offset, sh.sh_size, s);
        else if (name && !s->section && strcmp(name, TPO_SECTION) == 0) {
            s->section = (const char *)data + sh.sh_offset;
            s->seclen = sh.sh_size;
        }
    }
    if (s->section)
        rc = 0;
    else
        fail(err, errlen, "it is a BPF object without a %s section: not one tinyprobe --emit made",
             TPO_SECTION);
out:
    elf_end(elf);
    return rc;
}

static void get_progs(struct wire_in *in, struct tpo *t)
{
    struct cg_output *cg = &t->cg;
    in->what = "the programs";
    cg->names_size = wire_upto(in, 1u << 16, "the probe names' size");
    if (cg->names_size % 8)
        wire_fail(in, "probe names of %u bytes", cg->names_size);
    cg->nspans = (int)wire_count(in, TPO_SPANS_MAX, 16, "the places");
    cg->spans = xcalloc((size_t)cg->nspans + 1, sizeof(*cg->spans));
    for (int i = 0; i < cg->nspans; i++)
        cg->spans[i] = plan_get_loc(in);
    cg->nprogs = (int)wire_count(in, TPO_PROGS_MAX, 50, "the programs");
    cg->progs = xcalloc((size_t)cg->nprogs + 1, sizeof(*cg->progs));
    for (int i = 0; i < cg->nprogs && !wire_bad(in); i++) {
        struct cg_prog *p = &cg->progs[i];
        size_t n;
        const char *s = wire_strn(in, sizeof(p->name) - 1, &n);
        memcpy(p->name, s, n);
        s = wire_strn(in, sizeof(p->section) - 1, &n);
        memcpy(p->section, s, n);
        p->text = dup_str(in, 1u << 16);
        p->loc = plan_get_loc(in);
        p->point = (const void *)(uintptr_t)wire_u32(in); /* an index until the plan is read */
        p->shared = wire_bool(in);
        p->has_loop = wire_bool(in);
        p->loop_at = plan_get_loc(in);
        if (!p->name[0])
            wire_fail(in, "a program without a name");
    }
}

int tpo_read(const void *data, size_t len, struct tpo *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (len > TPO_SIZE_MAX)
        return fail(err, errlen, "it is larger than %u bytes", TPO_SIZE_MAX);
    struct elf_seen seen;
    if (read_elf(data, len, &seen, err, errlen))
        return -1;
    const void *sec = seen.section;
    size_t seclen = seen.seclen;
    struct wire_in in;
    wire_in_init(&in, sec, seclen);
    char m[4];
    for (size_t i = 0; i < sizeof(m); i++)
        m[i] = (char)wire_u8(&in);
    uint32_t format = wire_u32(&in);
    if (memcmp(m, magic, sizeof(m)))
        return fail(err, errlen, "its %s section is not a compiled script's", TPO_SECTION);
    t->version = dup_str(&in, 64);
    if (format != TPO_FORMAT)
        return fail(err, errlen, "it was made by tinyprobe %s, in format %u; this one reads %u",
                    t->version, format, TPO_FORMAT);
    in.what = "the script";
    t->name = dup_str(&in, 4096);
    t->text = dup_str(&in, TPO_TEXT_MAX);
    in.what = "the options";
    t->opts.str_size = (int)wire_upto(&in, 1u << 16, "--str-size");
    t->opts.ringbuf_size = wire_upto(&in, 1u << 30, "--buffer-size");
    t->opts.map_size = wire_upto(&in, 1u << 24, "--map-size");
    t->opts.stack_max = wire_upto(&in, 1u << 24, "--stack-max");
    t->opts.nparams = (int)wire_count(&in, 4096, 4, "the parameters");
    t->params = xcalloc((size_t)t->opts.nparams + 1, sizeof(*t->params));
    for (int i = 0; i < t->opts.nparams; i++)
        t->params[i] = dup_str(&in, 1u << 16);
    t->opts.params = t->params;
    size_t klen;
    const char *kernel = wire_blob(&in, 4096, &klen);
    struct wire_out now = {0};
    tpo_put_kernel(&now);
    t->same_kernel = klen == now.len && memcmp(kernel, now.buf, klen) == 0;
    wire_out_free(&now);
    get_progs(&in, t);
    t->plan = plan_new();
    int ncpus = 0;
    if (!wire_bad(&in))
        plan_read(&in, t->plan, t->opts.ringbuf_size, &ncpus);
    if (!wire_bad(&in) && in.p != in.end)
        wire_fail(&in, "%zu bytes follow the plan", (size_t)(in.end - in.p));
    struct cg_output *cg = &t->cg;
    for (int i = 0; i < cg->nprogs && !wire_bad(&in); i++) {
        uintptr_t point = (uintptr_t)cg->progs[i].point;
        cg->progs[i].point = NULL;
        if (point >= (uintptr_t)t->plan->points.n) {
            wire_fail(&in, "program %s names probe %u of %d", cg->progs[i].name, (unsigned)point,
                      t->plan->points.n);
            break;
        }
        cg->progs[i].point = t->plan->points.v[point];
        cg->progs[i].kind = cg->progs[i].point->kind;
    }
    if (wire_bad(&in)) {
        for (int i = 0; i < cg->nprogs; i++)
            cg->progs[i].point = NULL;
        return fail(err, errlen, "it is damaged: %s", in.err);
    }
    if (t->opts.ringbuf_size < 4096 || t->opts.str_size < 1 || !t->opts.map_size ||
        !t->opts.stack_max)
        return fail(err, errlen, "it is damaged: the options it was made with are out of range");
    const char *helper = disasm_helper(seen.never >= 0 ? seen.never : seen.signal);
    if (seen.never >= 0)
        return fail(err, errlen, "its code calls %s, which tinyprobe's programs never call",
                    helper ? helper : "a helper");
    if (seen.signal >= 0 && !t->plan->unsafe)
        return fail(err, errlen,
                    "its code calls %s, and its plan does not say it uses signal(): it is not "
                    "what tinyprobe --emit made",
                    helper ? helper : "a helper");
    cg->plan = t->plan;
    cg->ncpus = ncpus;
    cg->map_size = t->opts.map_size;
    cg->stack_max = t->opts.stack_max;
    cg->obj = xmalloc(len);
    memcpy(cg->obj, data, len);
    cg->objlen = len;
    return 0;
}

/* The first difference between a field as the programs read it and as
 * this kernel has it, said at the probe's place. */
static bool fields_match(const struct probe_point *was, const struct probe_point *now,
                         struct diag_src *src, struct tp_loc at)
{
    for (int i = 0; i < was->nfields; i++) {
        const struct probe_field *f = &was->fields[i], *g = probe_field(now, f->name);
        if (!g) {
            diag_error(src, at,
                       "%s:%s has no field %s on this kernel, and the compiled script "
                       "reads it",
                       was->kind->name, was->target, f->name);
        } else if (g->offset != f->offset || g->size != f->size || g->kind != f->kind ||
                   g->is_signed != f->is_signed) {
            diag_error(src, at,
                       "%s:%s's field %s is at offset %d (%d bytes) on this kernel, and the "
                       "compiled script reads it at offset %d (%d bytes)",
                       was->kind->name, was->target, f->name, g->offset, g->size, f->offset,
                       f->size);
        } else {
            continue;
        }
        diag_note(src, "compile the script for this kernel: tinyprobe --emit FILE SCRIPT");
        return false;
    }
    return true;
}

/* The kernel structs a compiled script keeps whole (plan records), made on
 * another kernel: copied and printed by that kernel's layout, which must
 * be this one's. Read from this kernel's BTF only then: on the kernel it
 * was made on (the cache's case) nothing is read. */
static bool records_match(const struct tpo *t, struct diag_src *src)
{
    char why[256] = "";
    bool ready = false;
    for (int i = 0; !t->same_kernel && i < t->plan->nrecords; i++) {
        const struct plan_record *r = &t->plan->records[i];
        bool is_union = strncmp(r->name, "union ", 6) == 0;
        if (r->tuple || !r->btf || (!is_union && strncmp(r->name, "struct ", 7)))
            continue;
        const char *name = r->name + (is_union ? 6 : 7);
        if (!ready && !(ready = kbtf_ready(why, sizeof(why)))) {
            diag_file_error(src,
                            "the compiled script keeps %s whole, and this kernel's BTF "
                            "cannot be read: %s",
                            r->name, why);
            return false;
        }
        unsigned id = kbtf_find_record(name, is_union);
        struct kbtf_type kt;
        if (!id || !kbtf_resolve(id, &kt)) {
            diag_file_error(src, "the compiled script keeps %s whole, and this kernel has none",
                            r->name);
        } else if (kt.size != r->size) {
            diag_file_error(src,
                            "%s is %u bytes on this kernel, and the compiled script keeps it "
                            "in %u",
                            r->name, kt.size, r->size);
        } else {
            int k = 0;
            struct kbtf_member m = {0};
            for (; k < r->nfields; k++) {
                const struct plan_field *f = &r->fields[k];
                if (!*f->name)
                    continue;
                if (!kbtf_member_find(id, f->name, &m) || m.bit_off != f->off * 8 + f->bit_off)
                    break;
            }
            if (k == r->nfields)
                continue;
            const struct plan_field *f = &r->fields[k];
            if (!kbtf_member_find(id, f->name, &m))
                diag_file_error(src,
                                "%s has no member %s on this kernel, and the compiled "
                                "script prints it",
                                r->name, f->name);
            else
                diag_file_error(src,
                                "%s's member %s is at offset %u on this kernel, and the "
                                "compiled script prints it from offset %u",
                                r->name, f->name, m.bit_off / 8, f->off);
        }
        diag_note(src, "compile the script for this kernel: tinyprobe --emit FILE SCRIPT");
        return false;
    }
    return true;
}

struct point_at {
    const struct probe_point *pt;
    int i;
};

static int cmp_point_at(const void *a, const void *b)
{
    const struct point_at *x = a, *y = b;
    uintptr_t p = (uintptr_t)x->pt, q = (uintptr_t)y->pt;
    return p < q ? -1 : p > q;
}

int tpo_bind(struct tpo *t, struct diag_src *src)
{
    struct probe_points *pts = &t->plan->points;
    struct cg_output *cg = &t->cg;
    int errors = src->errors;
    /* each program's point by its index, and each point's first program
     * (its place), found by a sort: a file's points and programs may be a
     * million each, and a search of one in the other for each would not end */
    struct point_at *by = xcalloc((size_t)pts->n + 1, sizeof(*by));
    int *point_of = xcalloc((size_t)cg->nprogs + 1, sizeof(*point_of));
    int *first = xcalloc((size_t)pts->n + 1, sizeof(*first));
    for (int i = 0; i < pts->n; i++) {
        by[i] = (struct point_at){pts->v[i], i};
        first[i] = -1;
    }
    qsort(by, (size_t)pts->n, sizeof(*by), cmp_point_at);
    for (int k = 0; k < cg->nprogs; k++) {
        struct point_at key = {cg->progs[k].point, 0};
        const struct point_at *f = bsearch(&key, by, (size_t)pts->n, sizeof(*by), cmp_point_at);
        point_of[k] = f ? f->i : -1; /* tpo_read gave each a point of the plan */
        if (f && first[f->i] < 0)
            first[f->i] = k;
    }
    for (int i = 0; i < pts->n; i++) {
        struct probe_point *was = pts->v[i];
        struct tp_loc at = first[i] >= 0 ? cg->progs[first[i]].loc : (struct tp_loc){0};
        struct probe_points now = {0};
        struct probe_err e;
        memset(&e, 0, sizeof(e));
        int rc = was->kind->expand(was->kind, *was->target ? was->target : NULL, &now, &e);
        if (rc || now.n != 1 || strcmp(now.v[0]->target, was->target)) {
            diag_error(src, at, "%s%s%s: %s", was->kind->name, *was->target ? ":" : "", was->target,
                       rc && e.msg[0] ? e.msg : "it is not one probe on this machine");
            if (e.hint[0])
                diag_note(src, "%s", e.hint);
            diag_note(src, "the compiled script was made where it was");
            probe_points_free(&now);
            continue;
        }
        if (!fields_match(was, now.v[0], src, at)) {
            probe_points_free(&now);
            continue;
        }
        pts->v[i] = now.v[0];
        probe_point_free(was);
        free(now.v);
    }
    for (int k = 0; k < cg->nprogs; k++)
        if (point_of[k] >= 0)
            cg->progs[k].point = pts->v[point_of[k]];
    free(by);
    free(point_of);
    free(first);
    if (src->errors == errors)
        records_match(t, src);
    return src->errors > errors ? -1 : 0;
}

void tpo_free(struct tpo *t)
{
    free(t->name);
    free(t->text);
    free(t->version);
    for (int i = 0; t->params && i < t->opts.nparams; i++)
        free(t->params[i]);
    free(t->params);
    cg_output_free(&t->cg);
    plan_free(t->plan);
    memset(t, 0, sizeof(*t));
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int tpo_save(const char *path, const void *buf, size_t len, mode_t mode, char *err, size_t errlen)
{
    struct stat st;
    /* a device or a pipe (/dev/stdout) is written to, not replaced */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0 || write_all(fd, buf, len)) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return fail(err, errlen, "cannot write %s: %s", path, strerror(e));
        }
        return close(fd) ? fail(err, errlen, "cannot write %s: %s", path, strerror(errno)) : 0;
    }
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + 16;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%.*s.tpo.XXXXXX", (int)dirlen, path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        fail(err, errlen, "cannot write %s: cannot make a file beside it: %s", path, strerror(e));
        free(tmp);
        return -1;
    }
    int rc = 0;
    if (write_all(fd, buf, len) || fchmod(fd, mode) || close(fd)) {
        rc = fail(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
    } else if (rename(tmp, path)) {
        rc = fail(err, errlen, "cannot write %s: %s", path, strerror(errno));
    }
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}
