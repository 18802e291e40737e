/* rawtracepoint:NAME, NAME perhaps a pattern: a trace event's raw arguments,
 * as the kernel passes them to the event (arg1 the first), before the event
 * makes its record: cheaper than a tracepoint, and it sees the pointers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/kbtf.h"
#include "bpf/kinds.h"
#include "bpf/tracefs.h"

/* The events' names without their categories: what raw tracepoints are
 * called. */
static char **raw_names(struct probe_err *err, int *n)
{
    char why[256];
    const char *root = tracefs_root(why, sizeof(why));
    if (!root) {
        probe_errf(err, "cannot read tracepoints: %s", why);
        return NULL;
    }
    char **names = tracefs_events(root, n);
    if (!names) {
        probe_errf(err, "cannot read %s/available_events: %s", root, strerror(errno));
        return NULL;
    }
    for (int i = 0; i < *n; i++) {
        char *colon = strchr(names[i], ':');
        memmove(names[i], colon + 1, strlen(colon + 1) + 1);
    }
    tracefs_sort(names, *n);
    return names;
}

/* Its arguments, from the BTF of the function that the event calls: args.NAME
 * and argN, typed. */
static void add(const struct probe_kind *k, const char *name, struct probe_points *out)
{
    struct probe_point *pt = probe_point_add(out, k, name);
    char typedef_name[256], why[256];
    snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name);
    int n = kbtf_typedef_params(typedef_name, 1, pt, why, sizeof(why));
    pt->nargs = n > 0 ? n : 0;
}

static int raw_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                      struct probe_err *err)
{
    if (!target || !*target || strchr(target, ':')) {
        probe_errf(err, "a raw tracepoint is written rawtracepoint:NAME");
        probe_hintf(err, "NAME without the category: rawtracepoint:sched_switch");
        return -1;
    }
    int n;
    char **names = raw_names(err, &n);
    if (!names)
        return -1;
    for (int i = 0; i < n; i++)
        if (probe_match(target, names[i]) && (!i || strcmp(names[i], names[i - 1]) != 0))
            add(k, names[i], out);
    if (!out->n && probe_is_pattern(target)) {
        probe_errf(err, "no raw tracepoint matches '%s'", target);
        probe_hintf(err, "tinyprobe -l 'rawtracepoint:*' lists them");
    } else if (!out->n) {
        probe_errf(err, "unknown raw tracepoint '%s'", target);
        const char *best = probe_closest(target, (const char *const *)names, n);
        if (best)
            probe_hintf(err, "did you mean rawtracepoint:%s?", best);
        else
            probe_hintf(err, "tinyprobe -l 'rawtracepoint:*' lists them");
    }
    tracefs_names_free(names, n);
    return out->n ? 0 : -1;
}

static void raw_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "raw_tp/%s", pt->target);
}

static int raw_ctx_offset(const struct probe_point *pt, int n)
{
    (void)pt;
    return n >= 1 ? 8 * (n - 1) : -1;
}

static int raw_attach(const struct probe_point *pt, struct bpf_program *prog,
                      const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    (void)o;
    struct bpf_link *l = bpf_program__attach_raw_tracepoint(prog, pt->target);
    if (probe_linked(links, l, err) == 0)
        return 0;
    if (errno == EINVAL && !pt->nargs)
        probe_errf(err, "%s (the program may read more arguments than the event has)",
                   strerror(EINVAL));
    return -1;
}

static int raw_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                    struct probe_err *err)
{
    int n, shown = 0;
    char **names = raw_names(err, &n);
    if (!names)
        return -1;
    for (int i = 0; i < n; i++) {
        if ((pattern && !probe_match(pattern, names[i])) ||
            (i && strcmp(names[i], names[i - 1]) == 0))
            continue;
        fprintf(out, "%s:%s\n", k->name, names[i]);
        shown++;
        if (!verbose)
            continue;
        struct probe_points one = {0};
        add(k, names[i], &one);
        for (int a = 0; a < one.v[0]->nfields; a++)
            fprintf(out, "    %s\n", one.v[0]->fields[a].decl);
        probe_points_free(&one);
    }
    tracefs_names_free(names, n);
    return shown;
}

const struct probe_kind kind_rawtracepoint = {
    .name = "rawtracepoint",
    .alias = "rt",
    .usage = "rawtracepoint:NAME",
    .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
    .caps = PROBE_ARGS | PROBE_FIELDS | PROBE_STACK,
    .expand = raw_expand,
    .section = raw_section,
    .ctx_offset = raw_ctx_offset,
    .arg_btf = probe_field_btf,
    .attach = raw_attach,
    .list = raw_list,
    .listed = true,
};
