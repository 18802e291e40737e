/* usdt:PATH:PROVIDER:NAME (or usdt:PATH:NAME), each part after PATH perhaps
 * a pattern: the static probes a program or library declares with
 * <sys/sdt.h>. libbpf attaches them and describes where each argument is
 * (a register, memory at a register, a constant) in its USDT maps; codegen
 * reads arg1..argN through them (codegen/usdt.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/kinds.h"
#include "bpf/usym.h"
#include "lang/xalloc.h"

struct usdt_data {
    char *path, *provider, *name;
};

/* A target or -l pattern, "PATH:PROVIDER:NAME" or "PATH:NAME", and the
 * probes of the file it names (found by usym_find). */
struct query {
    char *path, *provider, *name; /* provider "*" when not written */
    struct usym_usdt *v;
    int n; /* -1: none read */
};

static void query_free(struct query *q)
{
    if (q->n >= 0)
        usym_usdt_free(q->v, q->n);
    free(q->path);
    free(q->provider);
    free(q->name);
}

/* 0, or -1 with err filled (`usage` when the target has no PATH:NAME). */
static int query(const char *target, const char *usage, struct query *q, struct probe_err *err)
{
    memset(q, 0, sizeof(*q));
    q->n = -1;
    const char *last = target ? strrchr(target, ':') : NULL;
    if (!last || last == target || !last[1]) {
        probe_errf(err, "%s", usage);
        return -1;
    }
    const char *mid = last;
    while (mid > target && mid[-1] != ':')
        mid--;
    char *file;
    q->name = xstrdup(last + 1);
    if (mid > target + 1) { /* PATH:PROVIDER:NAME */
        file = xstrndup(target, mid - 1 - target);
        q->provider = xstrndup(mid, last - mid);
    } else {
        file = xstrndup(target, last - target);
        q->provider = xstrdup("*");
    }
    char why[512];
    q->path = usym_find(file, why, sizeof(why));
    free(file);
    if (q->path)
        q->n = usym_usdt(q->path, &q->v, why, sizeof(why));
    if (q->n < 0) {
        probe_errf(err, "%s", why);
        return -1;
    }
    return 0;
}

static bool query_match(const struct query *q, const struct usym_usdt *u)
{
    return probe_match(q->provider, u->provider) && probe_match(q->name, u->name);
}

static int usdt_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                       struct probe_err *err)
{
    struct query q;
    if (query(target, "a USDT probe is written usdt:PATH:PROVIDER:NAME, or usdt:PATH:NAME", &q,
              err)) {
        query_free(&q);
        return -1;
    }
    for (int i = 0; i < q.n; i++) {
        const struct usym_usdt *u = &q.v[i];
        if (!query_match(&q, u))
            continue;
        size_t len = strlen(q.path) + strlen(u->provider) + strlen(u->name) + 3;
        char *t = xmalloc(len);
        snprintf(t, len, "%s:%s:%s", q.path, u->provider, u->name);
        struct probe_point *pt = probe_point_add(out, k, t);
        free(t);
        struct usdt_data *d = xcalloc(1, sizeof(*d));
        d->path = xstrdup(q.path);
        d->provider = xstrdup(u->provider);
        d->name = xstrdup(u->name);
        pt->data = d;
        pt->nargs = u->nargs;
    }
    if (!out->n) {
        bool any = strcmp(q.provider, "*") == 0;
        probe_errf(err, "%s has no USDT probe %s%s%s", q.path, any ? "" : q.provider,
                   any ? "" : ":", q.name);
        char list[400];
        size_t len = 0;
        for (int i = 0; i < q.n && len < sizeof(list) - 80; i++)
            len += snprintf(list + len, sizeof(list) - len, "%s%s:%s", i ? ", " : "",
                            q.v[i].provider, q.v[i].name);
        if (q.n > 0)
            probe_hintf(err, "its probes are: %s%s", list, len >= sizeof(list) - 80 ? ", ..." : "");
        else
            probe_hintf(err, "it has none (no .note.stapsdt section)");
    }
    query_free(&q);
    return out->n ? 0 : -1;
}

static void usdt_section(const struct probe_point *pt, char *buf, size_t n)
{
    (void)pt;
    snprintf(buf, n, "usdt");
}

static int usdt_attach(const struct probe_point *pt, struct bpf_program *prog,
                       const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    const struct usdt_data *d = pt->data;
    struct bpf_link *l =
        bpf_program__attach_usdt(prog, o->pid ? o->pid : -1, d->path, d->provider, d->name, NULL);
    return probe_linked(links, l, err);
}

static int usdt_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                     struct probe_err *err)
{
    struct query q;
    int shown = -1;
    if (query(pattern, "-l lists the USDT probes of one file: -l 'usdt:PATH:*'", &q, err) == 0) {
        shown = 0;
        for (int i = 0; i < q.n; i++) {
            if (!query_match(&q, &q.v[i]))
                continue;
            fprintf(out, "%s:%s:%s:%s\n", k->name, q.path, q.v[i].provider, q.v[i].name);
            for (int a = 1; verbose && a <= q.v[i].nargs; a++)
                fprintf(out, "    arg%d\n", a);
            shown++;
        }
    }
    query_free(&q);
    return shown;
}

static void usdt_release(struct probe_point *pt)
{
    struct usdt_data *d = pt->data;
    if (d) {
        free(d->path);
        free(d->provider);
        free(d->name);
        free(d);
    }
}

const struct probe_kind kind_usdt = {
    .name = "usdt",
    .alias = "U",
    .usage = "usdt:PATH:PROVIDER:NAME",
    .prog_type = BPF_PROG_TYPE_KPROBE,
    .caps = PROBE_ARGS | PROBE_REGS | PROBE_STACK,
    .args_usdt = true,
    .expand = usdt_expand,
    .section = usdt_section,
    .attach = usdt_attach,
    .list = usdt_list,
    .release = usdt_release,
};
