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

/* "PATH:PROVIDER:NAME" or "PATH:NAME": false when it is neither. */
static bool split(const char *target, char **path, char **provider, char **name)
{
    const char *last = target ? strrchr(target, ':') : NULL;
    if (!last || last == target || !last[1])
        return false;
    const char *mid = last;
    while (mid > target && mid[-1] != ':')
        mid--;
    *name = xstrdup(last + 1);
    if (mid > target + 1) { /* PATH:PROVIDER:NAME */
        *path = xstrndup(target, mid - 1 - target);
        *provider = xstrndup(mid, last - mid);
    } else {
        *path = xstrndup(target, last - target);
        *provider = xstrdup("*");
    }
    return true;
}

/* The probes of `name` (a file, library or program), by usym_find. */
static int probes(const char *name, char **path, struct usym_usdt **v, struct probe_err *err)
{
    char why[512];
    *path = usym_find(name, why, sizeof(why));
    if (!*path) {
        probe_errf(err, "%s", why);
        return -1;
    }
    int n = usym_usdt(*path, v, why, sizeof(why));
    if (n < 0) {
        probe_errf(err, "%s", why);
        free(*path);
        *path = NULL;
    }
    return n;
}

static int usdt_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                       struct probe_err *err)
{
    char *file, *provider, *name, *path = NULL;
    if (!split(target, &file, &provider, &name)) {
        probe_errf(err, "a USDT probe is written usdt:PATH:PROVIDER:NAME, or usdt:PATH:NAME");
        return -1;
    }
    struct usym_usdt *v;
    int n = probes(file, &path, &v, err), found = 0;
    for (int i = 0; i < n; i++) {
        if (!probe_match(provider, v[i].provider) || !probe_match(name, v[i].name))
            continue;
        size_t len = strlen(path) + strlen(v[i].provider) + strlen(v[i].name) + 3;
        char *t = xmalloc(len);
        snprintf(t, len, "%s:%s:%s", path, v[i].provider, v[i].name);
        struct probe_point *pt = probe_point_add(out, k, t);
        free(t);
        struct usdt_data *d = xcalloc(1, sizeof(*d));
        d->path = xstrdup(path);
        d->provider = xstrdup(v[i].provider);
        d->name = xstrdup(v[i].name);
        pt->data = d;
        pt->nargs = v[i].nargs;
        found++;
    }
    if (n >= 0 && !found) {
        bool any = strcmp(provider, "*") == 0;
        probe_errf(err, "%s has no USDT probe %s%s%s", path, any ? "" : provider, any ? "" : ":",
                   name);
        char list[400];
        size_t len = 0;
        for (int i = 0; i < n && len < sizeof(list) - 80; i++)
            len += snprintf(list + len, sizeof(list) - len, "%s%s:%s", i ? ", " : "", v[i].provider,
                            v[i].name);
        if (n > 0)
            probe_hintf(err, "its probes are: %s%s", list, len >= sizeof(list) - 80 ? ", ..." : "");
        else
            probe_hintf(err, "it has none (no .note.stapsdt section)");
    }
    if (n >= 0)
        usym_usdt_free(v, n);
    free(file);
    free(provider);
    free(name);
    free(path);
    return found ? 0 : -1;
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
    if (!l) {
        int e = errno;
        probe_errf(err, "%s", strerror(e));
        errno = e;
        return -1;
    }
    probe_links_add(links, l);
    return 0;
}

static int usdt_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                     struct probe_err *err)
{
    char *file, *provider, *name, *path = NULL;
    if (!split(pattern, &file, &provider, &name)) {
        probe_errf(err, "-l lists the USDT probes of one file: -l 'usdt:PATH:*'");
        return -1;
    }
    struct usym_usdt *v;
    int n = probes(file, &path, &v, err), shown = 0;
    for (int i = 0; i < n; i++) {
        if (!probe_match(provider, v[i].provider) || !probe_match(name, v[i].name))
            continue;
        fprintf(out, "%s:%s:%s:%s\n", k->name, path, v[i].provider, v[i].name);
        for (int a = 1; verbose && a <= v[i].nargs; a++)
            fprintf(out, "    arg%d\n", a);
        shown++;
    }
    if (n >= 0)
        usym_usdt_free(v, n);
    free(file);
    free(provider);
    free(name);
    free(path);
    return n < 0 ? -1 : shown;
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
    .caps = PROBE_ARGS,
    .args_usdt = true,
    .expand = usdt_expand,
    .section = usdt_section,
    .attach = usdt_attach,
    .list = usdt_list,
    .release = usdt_release,
};
