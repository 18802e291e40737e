/* uprobe:PATH:FUNCTION[+OFFSET] and uretprobe:PATH:FUNCTION, FUNCTION
 * perhaps a pattern: a function of a program or a shared library, at its
 * entry (arguments in registers) or its return. PATH may name a library
 * ("libc") or a program in $PATH ("bash"). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/arch.h"
#include "bpf/insn.h"
#include "bpf/kinds.h"
#include "bpf/usym.h"
#include "lang/xalloc.h"

struct up_data {
    char *path;
    uint64_t offset; /* in the file */
};

/* "PATH:FUNC": the path and the function, split at the last ':' (a path may
 * hold one; a symbol does not). */
static bool split(const char *target, char **path, const char **func)
{
    const char *colon = target ? strrchr(target, ':') : NULL;
    if (!colon || colon == target || !colon[1])
        return false;
    *path = xstrndup(target, colon - target);
    *func = colon + 1;
    return true;
}

/* The names closest to `name` in the file, for "did you mean". */
static void suggest(const struct usym_file *f, const char *name, struct probe_err *err)
{
    const char **names = xcalloc(f->nfuncs ? f->nfuncs : 1, sizeof(*names));
    for (int i = 0; i < f->nfuncs; i++)
        names[i] = f->funcs[i].name;
    const char *best = probe_closest(name, names, f->nfuncs);
    if (best)
        probe_hintf(err, "did you mean %s?", best);
    else if (!f->nfuncs)
        probe_hintf(err, "%s has no function symbols: it may be stripped", f->path);
    else
        probe_hintf(err, "tinyprobe -l 'uprobe:%s:*' lists its functions", f->path);
    free(names);
}

/* The most bytes of a function read to check an offset in it: what a
 * hostile file's symbol sizes can make tinyprobe read and decode. */
#define UP_CODE_MAX (1u << 20)

/* Whether an instruction of u starts at off (not 0): the kernel puts its
 * breakpoint wherever it is told, and one inside an instruction changes
 * what the traced program runs. What cannot be checked is refused. */
static bool on_boundary(const struct usym_file *f, const struct usym_func *u, uint64_t off,
                        struct probe_err *err)
{
    if (u->size && off >= u->size) {
        probe_errf(err, "offset %" PRIu64 " is past the end of %s", off, u->name);
        probe_hintf(err, "%s is %" PRIu64 " bytes long", u->name, u->size);
        return false;
    }
    if (off > UP_CODE_MAX - INSN_MAX_LEN) {
        probe_errf(err, "offset %" PRIu64 " is too far into %s to check for an instruction there",
                   off, u->name);
        probe_hintf(err, "tinyprobe decodes at most the first %u KiB of a function",
                    UP_CODE_MAX >> 10);
        return false;
    }
    size_t want = off + INSN_MAX_LEN, len;
    if (u->size && u->size < want)
        want = u->size;
    uint8_t *code;
    char why[512];
    if (usym_func_bytes(f, u, want, &code, &len, why, sizeof(why))) {
        probe_errf(err, "cannot check that an instruction of %s starts at offset %" PRIu64, u->name,
                   off);
        probe_hintf(err, "%s", why);
        return false;
    }
    struct insn_at at = insn_find(f->machine, code, len, off);
    free(code);
    if (at.where == INSN_BOUNDARY)
        return true;
    if (at.where == INSN_INSIDE) {
        probe_errf(err, "offset %" PRIu64 " is inside an instruction of %s", off, u->name);
        probe_hintf(err, "the instructions nearest it start at +%" PRIu64 " and +%" PRIu64,
                    at.before, at.after);
        return false;
    }
    probe_errf(err, "cannot check that an instruction of %s starts at offset %" PRIu64, u->name,
               off);
    if (at.where == INSN_INVALID)
        probe_hintf(err, "its bytes at +%" PRIu64 " are not an %s instruction", at.before,
                    insn_machine(f->machine));
    else if (at.where == INSN_DECODER)
        probe_hintf(err, "x86-64 code is decoded with capstone, which cannot be loaded: %s",
                    insn_decoder_error());
    else if (at.where == INSN_SHORT)
        probe_hintf(err, "its bytes in %s end at +%zu, inside an instruction or before it", f->path,
                    len);
    else
        probe_hintf(err, "%s is not x86-64 or arm64 code", f->path);
    return false;
}

static void add(const struct probe_kind *k, const char *path, const char *func, uint64_t off,
                uint64_t at, uint64_t addr, struct probe_points *out)
{
    char target[4096];
    if (off)
        snprintf(target, sizeof(target), "%s:%s+0x%" PRIx64, path, func, off);
    else
        snprintf(target, sizeof(target), "%s:%s", path, func);
    struct probe_point *pt = probe_point_add(out, k, target);
    struct up_data *d = xcalloc(1, sizeof(*d));
    d->path = xstrdup(path);
    d->offset = at + off;
    pt->data = d;
    pt->addr = addr + off;
    pt->nargs = ARCH_MAX_ARGS;
}

static int up_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                     struct probe_err *err)
{
    char *name = NULL;
    const char *func;
    if (!split(target, &name, &func)) {
        probe_errf(err, "a %s is written %s:PATH:FUNCTION", k->name, k->name);
        probe_hintf(err, "as in %s:/bin/bash:readline, or %s:libc:malloc", k->name, k->name);
        return -1;
    }
    char why[512];
    char *path = usym_find(name, why, sizeof(why));
    free(name);
    if (!path) {
        probe_errf(err, "%s", why);
        return -1;
    }
    struct usym_file f;
    if (usym_open(&f, path, why, sizeof(why))) {
        probe_errf(err, "%s", why);
        free(path);
        return -1;
    }
    int rc = 0;
    if (probe_is_pattern(func)) {
        for (int i = 0; i < f.nfuncs; i++)
            if (probe_match(func, f.funcs[i].name))
                add(k, path, f.funcs[i].name, 0, f.funcs[i].offset, f.funcs[i].addr, out);
        if (!out->n) {
            probe_errf(err, "no function of %s matches '%s'", path, func);
            probe_hintf(err, "tinyprobe -l '%s:%s:*' lists its functions", k->name, path);
            rc = -1;
        }
    } else {
        /* FUNCTION+OFFSET: an instruction inside the function */
        char fname[1024];
        size_t flen = strcspn(func, "+");
        snprintf(fname, sizeof(fname), "%.*s", (int)(flen < 1023 ? flen : 1023), func);
        uint64_t off = 0;
        char *end = NULL;
        if (func[flen]) {
            errno = 0;
            off = strtoull(func + flen + 1, &end, 0);
        }
        const struct usym_func *u = usym_lookup(&f, fname);
        if (func[flen] && (errno || !end || *end || end == func + flen + 1)) {
            probe_errf(err, "'%s' is not an offset: write %s+0x10", func + flen + 1, fname);
            rc = -1;
        } else if (!u) {
            probe_errf(err, "%s has no function '%s'", path, fname);
            suggest(&f, fname, err);
            rc = -1;
        } else if (off && k->caps & PROBE_RETVAL) {
            probe_errf(err, "a %s takes no offset: it fires when the function returns", k->name);
            rc = -1;
        } else if (off && !on_boundary(&f, u, off, err)) {
            rc = -1;
        } else {
            add(k, path, fname, off, u->offset, u->addr, out);
        }
    }
    usym_close(&f);
    free(path);
    return rc;
}

static void up_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "%s", pt->kind->name);
}

static int up_attach(const struct probe_point *pt, struct bpf_program *prog,
                     const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    const struct up_data *d = pt->data;
    bool ret = pt->kind->caps & PROBE_RETVAL;
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .bpf_cookie = o->cookie);
    struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, o->pid ? o->pid : -1, d->path,
                                                         (size_t)d->offset, &opts);
    if (probe_linked(links, l, err) == 0)
        return 0;
    if (errno == EINVAL || errno == EPERM)
        probe_hintf(err, "the kernel may not allow probes at this address of %s", d->path);
    return -1;
}

static int up_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                   struct probe_err *err)
{
    (void)verbose; /* ELF symbols do not say their parameters */
    char *name = NULL;
    const char *func;
    if (!split(pattern, &name, &func)) {
        probe_errf(err, "-l lists the functions of one file: -l '%s:PATH:*'", k->name);
        return -1;
    }
    char why[512];
    char *path = usym_find(name, why, sizeof(why));
    free(name);
    struct usym_file f;
    if (!path || usym_open(&f, path, why, sizeof(why))) {
        probe_errf(err, "%s", why);
        free(path);
        return -1;
    }
    int shown = 0;
    for (int i = 0; i < f.nfuncs; i++)
        if (probe_match(func, f.funcs[i].name)) {
            fprintf(out, "%s:%s:%s\n", k->name, path, f.funcs[i].name);
            shown++;
        }
    usym_close(&f);
    free(path);
    return shown;
}

static void up_release(struct probe_point *pt)
{
    struct up_data *d = pt->data;
    if (d) {
        free(d->path);
        free(d);
    }
}

const struct probe_kind kind_uprobe = {
    .name = "uprobe",
    .alias = "u",
    .usage = "uprobe:PATH:FUNCTION",
    .prog_type = BPF_PROG_TYPE_KPROBE,
    .caps = PROBE_ARGS | PROBE_REGS | PROBE_FUNC | PROBE_STACK | PROBE_UBIN,
    .args_in_regs = true,
    .cookie_shares = true,
    .expand = up_expand,
    .section = up_section,
    .ctx_offset = kind_regs_offset,
    .attach = up_attach,
    .list = up_list,
    .release = up_release,
};

const struct probe_kind kind_uretprobe = {
    .name = "uretprobe",
    .alias = "ur",
    .usage = "uretprobe:PATH:FUNCTION",
    .prog_type = BPF_PROG_TYPE_KPROBE,
    .caps = PROBE_RETVAL | PROBE_REGS | PROBE_FUNC | PROBE_STACK | PROBE_UBIN,
    .args_in_regs = true,
    .cookie_shares = true,
    .expand = up_expand,
    .section = up_section,
    .ctx_offset = kind_regs_offset,
    .attach = up_attach,
    .list = up_list,
    .release = up_release,
};
