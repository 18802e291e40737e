/* fentry:FUNCTION and fexit:FUNCTION, FUNCTION perhaps a pattern: a kernel
 * function through a BPF trampoline, its parameters typed and named by the
 * kernel's BTF (args.filename), and at fexit its return value too. Cheaper
 * than a kprobe, but it needs BTF and a kernel that builds trampolines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/kbtf.h"
#include "bpf/kinds.h"
#include "bpf/tracefs.h"
#include "lang/xalloc.h"

struct fe_data {
    char ret[256]; /* the return's declaration, "" for void: for -lv */
};

/* One point, its parameters from BTF; -1 with err filled. */
static int add(const struct probe_kind *k, const char *func, struct probe_points *out,
               struct probe_err *err)
{
    struct probe_point *pt = probe_point_add(out, k, func);
    struct fe_data *d = xcalloc(1, sizeof(*d));
    pt->data = d;
    char why[256];
    int n = kbtf_func_params(func, pt, d->ret, sizeof(d->ret), why, sizeof(why));
    if (n < 0) {
        probe_errf(err, "%s", why);
        return -1;
    }
    pt->nargs = n;
    pt->void_return = !d->ret[0];
    return 0;
}

static char **names(struct probe_err *err, int *n)
{
    char why[256];
    char **v = kbtf_func_names(n, why, sizeof(why));
    if (!v) {
        probe_errf(err, "%s", why);
        return NULL;
    }
    tracefs_sort(v, *n);
    return v;
}

static int fe_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                     struct probe_err *err)
{
    if (!target || !*target || strchr(target, ':')) {
        probe_errf(err, "an %s probe is written %s:FUNCTION", k->name, k->name);
        return -1;
    }
    int n;
    char **v = names(err, &n);
    if (!v) {
        probe_hintf(err, "%s reads the kernel's BTF; kprobe:%s needs none", k->name, target);
        return -1;
    }
    int rc = 0, matches = 0;
    for (int i = 0; i < n; i++)
        matches += probe_match(target, v[i]) && (!i || strcmp(v[i], v[i - 1]) != 0);
    if (matches > PROBE_PROGRAMS_MAX) { /* said before BTF is read for each */
        probe_errf(err, "%s:%s matches %d functions, and each needs a program of its own", k->name,
                   target, matches);
        probe_hintf(err, "a %s pattern may match at most %d: narrow it", k->name,
                    PROBE_PROGRAMS_MAX);
        rc = -1;
    }
    for (int i = 0; i < n && rc == 0; i++)
        if (probe_match(target, v[i]) && (!i || strcmp(v[i], v[i - 1]) != 0))
            rc = add(k, v[i], out, err);
    if (rc == 0 && !out->n && probe_is_pattern(target)) {
        probe_errf(err, "no kernel function matches '%s'", target);
        probe_hintf(err, "tinyprobe -l '%s:*' lists the functions", k->name);
        rc = -1;
    } else if (rc == 0 && !out->n) {
        probe_errf(err, "this kernel has no function '%s' in its BTF", target);
        const char *best = probe_closest(target, (const char *const *)v, n);
        if (best)
            probe_hintf(err, "did you mean %s:%s?", k->name, best);
        else
            probe_hintf(err, "tinyprobe -l '%s:*' lists the functions", k->name);
        rc = -1;
    }
    tracefs_names_free(v, n);
    return rc;
}

static void fe_section(const struct probe_point *pt, char *buf, size_t n)
{
    /* libbpf finds the function's BTF id by the name after the '/' */
    snprintf(buf, n, "%s/%s", pt->kind->name, pt->target);
}

/* The context is the arguments, 8 bytes each, then (fexit) the return value. */
static int fe_ctx_offset(const struct probe_point *pt, int n)
{
    return n == 0 ? 8 * pt->nargs : 8 * (n - 1);
}

static int fe_attach(const struct probe_point *pt, struct bpf_program *prog,
                     const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    (void)o;
    struct bpf_link *l = bpf_program__attach_trace(prog);
    return probe_linked(links, l, err);
}

static int fe_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                   struct probe_err *err)
{
    int n, shown = 0;
    char **v = names(err, &n);
    if (!v)
        return -1;
    for (int i = 0; i < n; i++) {
        if ((pattern && !probe_match(pattern, v[i])) || (i && strcmp(v[i], v[i - 1]) == 0))
            continue;
        fprintf(out, "%s:%s\n", k->name, v[i]);
        shown++;
        if (!verbose)
            continue;
        struct probe_points one = {0};
        struct probe_err ignored;
        if (add(k, v[i], &one, &ignored) == 0) {
            const struct probe_point *pt = one.v[0];
            for (int a = 0; a < pt->nfields; a++)
                fprintf(out, "    %s\n", pt->fields[a].decl);
            const struct fe_data *d = pt->data;
            if (k->caps & PROBE_RETVAL && d->ret[0])
                fprintf(out, "    %s\n", d->ret);
        }
        probe_points_free(&one);
    }
    tracefs_names_free(v, n);
    return shown;
}

static void fe_refused(const struct probe_point *pt, int err, struct probe_err *e)
{
    probe_errf(e,
               "this kernel does not run %s programs (%s): it lacks BPF trampolines, or "
               "lockdown forbids them",
               pt->kind->name, err == EPERM ? "EPERM" : strerror(err));
    kind_instead(pt->target, pt->kind == &kind_fexit, e);
}

const struct probe_kind kind_fentry = {
    .name = "fentry",
    .alias = "f",
    .usage = "fentry:FUNCTION",
    .prog_type = BPF_PROG_TYPE_TRACING,
    .caps = PROBE_ARGS | PROBE_FIELDS | PROBE_FUNC | PROBE_STACK,
    .expand = fe_expand,
    .section = fe_section,
    .ctx_offset = fe_ctx_offset,
    .arg_btf = probe_field_btf,
    .attach = fe_attach,
    .list = fe_list,
    .refused = fe_refused,
    .listed = true,
};

const struct probe_kind kind_fexit = {
    .name = "fexit",
    .alias = "fr",
    .usage = "fexit:FUNCTION",
    .prog_type = BPF_PROG_TYPE_TRACING,
    .caps = PROBE_ARGS | PROBE_FIELDS | PROBE_RETVAL | PROBE_FUNC | PROBE_STACK,
    .expand = fe_expand,
    .section = fe_section,
    .ctx_offset = fe_ctx_offset,
    .arg_btf = probe_field_btf,
    .attach = fe_attach,
    .list = fe_list,
    .refused = fe_refused,
};
