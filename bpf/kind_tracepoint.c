/* tracepoint:CATEGORY:NAME, either part a pattern: the kernel's static
 * trace events, read through tracefs. A program reads its event's record,
 * whose fields the format file describes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/kinds.h"
#include "bpf/tracefs.h"
#include "lang/xalloc.h"

struct tp_data {
    char *category, *name;
};

static void suggest(const char *root, const char *cat, const char *name, struct probe_err *err)
{
    int n;
    char **names = tracefs_names(root, cat, &n);
    const char *best = probe_closest(name, (const char *const *)names, n);
    if (best && cat)
        probe_hintf(err, "did you mean tracepoint:%s:%s?", cat, best);
    else if (best)
        probe_hintf(err, "did you mean category '%s'?", best);
    else
        probe_hintf(err, "tinyprobe -l 'tracepoint:*' lists the tracepoints");
    tracefs_names_free(names, n);
}

/* One point: CAT:NAME with its record's fields. */
static int add(const struct probe_kind *k, const char *root, const char *catname,
               struct probe_points *out, struct probe_err *err)
{
    const char *colon = strchr(catname, ':');
    struct probe_point *pt = probe_point_add(out, k, catname);
    struct tp_data *d = xcalloc(1, sizeof(*d));
    pt->data = d;
    d->category = xstrndup(catname, colon - catname);
    d->name = xstrdup(colon + 1);
    int e = tracefs_format(root, d->category, d->name, pt);
    if (e == -ENOENT) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/events/%s", root, d->category);
        FILE *probe = fopen(dir, "re");
        if (probe) {
            fclose(probe);
            probe_errf(err, "unknown tracepoint '%s:%s'", d->category, d->name);
            suggest(root, d->category, d->name, err);
        } else {
            probe_errf(err, "unknown tracepoint category '%s'", d->category);
            suggest(root, NULL, d->category, err);
        }
        return -1;
    }
    if (e) {
        probe_errf(err, "cannot read the format of tracepoint '%s': %s", catname, strerror(-e));
        return -1;
    }
    return 0;
}

static int tp_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                     struct probe_err *err)
{
    const char *colon = target ? strchr(target, ':') : NULL;
    if (!colon || colon == target || !colon[1] || strchr(colon + 1, ':')) {
        probe_errf(err, "a tracepoint is written tracepoint:CATEGORY:NAME");
        return -1;
    }
    char why[256];
    const char *root = tracefs_root(why, sizeof(why));
    if (!root) {
        probe_errf(err, "cannot read tracepoints: %s", why);
        return -1;
    }
    if (!probe_is_pattern(target))
        return add(k, root, target, out, err);
    int n;
    char **events = tracefs_events(root, &n);
    if (!events) {
        probe_errf(err, "cannot read %s/available_events: %s", root, strerror(errno));
        return -1;
    }
    int found = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (probe_match(target, events[i])) {
            rc = add(k, root, events[i], out, err);
            found++;
        }
    tracefs_names_free(events, n);
    if (rc == 0 && !found) {
        probe_errf(err, "no tracepoint matches '%s'", target);
        probe_hintf(err, "tinyprobe -l 'tracepoint:%.*s:*' lists the tracepoints of the category",
                    (int)(colon - target), target);
        return -1;
    }
    return rc;
}

static void tp_section(const struct probe_point *pt, char *buf, size_t n)
{
    const struct tp_data *d = pt->data;
    snprintf(buf, n, "tracepoint/%s/%s", d->category, d->name);
}

static int tp_attach(const struct probe_point *pt, struct bpf_program *prog,
                     const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    const struct tp_data *d = pt->data;
    LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = o->cookie);
    struct bpf_link *l = bpf_program__attach_tracepoint_opts(prog, d->category, d->name, &opts);
    return probe_linked(links, l, err);
}

static int tp_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                   struct probe_err *err)
{
    char why[256];
    const char *root = tracefs_root(why, sizeof(why));
    if (!root) {
        probe_errf(err, "cannot read tracepoints: %s", why);
        return -1;
    }
    int n, shown = 0;
    char **events = tracefs_events(root, &n);
    if (!events) {
        probe_errf(err, "cannot read %s/available_events: %s", root, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (pattern && !probe_match(pattern, events[i]))
            continue;
        fprintf(out, "%s:%s\n", k->name, events[i]);
        shown++;
        if (!verbose)
            continue;
        struct probe_point pt = {0};
        char *colon = strchr(events[i], ':');
        *colon = 0;
        if (tracefs_format(root, events[i], colon + 1, &pt) == 0)
            for (int f = 0; f < pt.nfields; f++)
                if (strncmp(pt.fields[f].name, "common_", 7) != 0)
                    fprintf(out, "    %s\n", pt.fields[f].decl);
        *colon = ':';
        for (int f = 0; f < pt.nfields; f++) {
            free(pt.fields[f].name);
            free(pt.fields[f].decl);
        }
        free(pt.fields);
    }
    tracefs_names_free(events, n);
    return shown;
}

static void tp_release(struct probe_point *pt)
{
    struct tp_data *d = pt->data;
    if (d) {
        free(d->category);
        free(d->name);
        free(d);
    }
}

const struct probe_kind kind_tracepoint = {
    .name = "tracepoint",
    .alias = "t",
    .usage = "tracepoint:CATEGORY:NAME",
    .prog_type = BPF_PROG_TYPE_TRACEPOINT,
    .caps = PROBE_FIELDS | PROBE_STACK,
    .cookie_shares = true,
    .expand = tp_expand,
    .section = tp_section,
    .attach = tp_attach,
    .list = tp_list,
    .release = tp_release,
    .listed = true,
};
