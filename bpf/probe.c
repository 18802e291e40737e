#include "bpf/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>

#include <bpf/libbpf.h>

#include "bpf/arch.h"
#include "bpf/kinds.h"
#include "lang/xalloc.h"

/* The registry: every kind, in the order -l lists them. */
static const struct probe_kind *const kinds[] = {
    &kind_tracepoint, &kind_rawtracepoint, &kind_kprobe,    &kind_kretprobe, &kind_fentry,
    &kind_fexit,      &kind_uprobe,        &kind_uretprobe, &kind_usdt,      &kind_interval,
    &kind_profile,    &kind_software,      &kind_hardware,  &kind_begin,     &kind_end,
};
#define NKINDS (int)(sizeof(kinds) / sizeof(kinds[0]))

const struct probe_kind *const *probe_kinds(int *n)
{
    *n = NKINDS;
    return kinds;
}

const struct probe_kind *probe_kind_find(const char *name, size_t len)
{
    for (int i = 0; i < NKINDS; i++) {
        const struct probe_kind *k = kinds[i];
        if ((strlen(k->name) == len && strncmp(k->name, name, len) == 0) ||
            (k->alias && strlen(k->alias) == len && strncmp(k->alias, name, len) == 0))
            return k;
    }
    return NULL;
}

int probe_list(const char *pattern, bool verbose, FILE *out, struct probe_err *err)
{
    const char *colon = pattern ? strchr(pattern, ':') : NULL;
    const struct probe_kind *k = colon ? probe_kind_find(pattern, colon - pattern) : NULL;
    if (k && !k->list) {
        probe_errf(err, "%s probes cannot be listed", k->name);
        return -1;
    }
    if (k) {
        int n = k->list(k, colon[1] ? colon + 1 : "*", verbose, out, err);
        if (n == 0) {
            probe_errf(err, "no probe matches '%s'", pattern);
            return -1;
        }
        return n;
    }
    int total = 0;
    for (int i = 0; i < NKINDS; i++) {
        if (!kinds[i]->listed)
            continue;
        int n = kinds[i]->list(kinds[i], pattern, verbose, out, err);
        if (n < 0)
            return -1;
        total += n;
    }
    if (pattern && !total) {
        probe_errf(err, "no probe matches '%s'", pattern);
        probe_hintf(err, "a pattern matches a whole name: '*%s*' matches it anywhere", pattern);
        return -1;
    }
    return total;
}

void probe_kinds_with(unsigned cap, char *buf, size_t n)
{
    const struct probe_kind *with[NKINDS];
    int k = 0;
    for (int i = 0; i < NKINDS; i++)
        if ((kinds[i]->caps & cap) == cap)
            with[k++] = kinds[i];
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < k && len < n; i++)
        len += snprintf(buf + len, n - len, "%s%s",
                        i == 0       ? ""
                        : i == k - 1 ? " or "
                                     : ", ",
                        with[i]->name);
}

void probe_errf(struct probe_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

void probe_hintf(struct probe_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
    va_end(ap);
}

struct probe_point *probe_point_add(struct probe_points *ps, const struct probe_kind *k,
                                    const char *target)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 4;
        ps->v = xrealloc(ps->v, ps->cap * sizeof(*ps->v));
    }
    struct probe_point *pt = xcalloc(1, sizeof(*pt));
    pt->kind = k;
    pt->target = xstrdup(target ? target : "");
    ps->v[ps->n++] = pt;
    return pt;
}

void probe_points_free(struct probe_points *ps)
{
    for (int i = 0; i < ps->n; i++)
        probe_point_free(ps->v[i]);
    free(ps->v);
    memset(ps, 0, sizeof(*ps));
}

bool probe_is_pattern(const char *s)
{
    return strchr(s, '*') != NULL;
}

/* '*' only: a greedy match with one point to go back to, linear enough for
 * symbol tables of a few hundred thousand names. */
bool probe_match(const char *p, const char *s)
{
    const char *star = NULL, *from = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            from = s;
        } else if (*p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++from;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}

void probe_links_add(struct probe_links *l, struct bpf_link *link)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = link;
}

int probe_linked(struct probe_links *l, struct bpf_link *link, struct probe_err *err)
{
    if (link) {
        probe_links_add(l, link);
        return 0;
    }
    int e = errno;
    probe_errf(err, "%s", strerror(e));
    errno = e;
    return -1;
}

void probe_links_free(struct probe_links *l)
{
    for (int i = 0; i < l->n; i++)
        bpf_link__destroy(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void probe_point_free(struct probe_point *pt)
{
    if (!pt)
        return;
    for (int i = 0; i < pt->nfields; i++) {
        free(pt->fields[i].name);
        free(pt->fields[i].decl);
    }
    free(pt->fields);
    free(pt->target);
    if (pt->kind && pt->kind->release)
        pt->kind->release(pt);
    else
        free(pt->data);
    free(pt);
}

const struct probe_field *probe_field(const struct probe_point *pt, const char *name)
{
    for (int i = 0; i < pt->nfields; i++)
        if (strcmp(pt->fields[i].name, name) == 0)
            return &pt->fields[i];
    return NULL;
}

unsigned probe_field_btf(const struct probe_point *pt, int n)
{
    return n >= 1 && n <= pt->nfields ? pt->fields[n - 1].btf : 0;
}

/* Levenshtein distance, or `limit` as soon as it must be at least that: a
 * kernel has 100,000 names to compare, and most differ in length alone. */
static int edit_distance(const char *a, size_t la, const char *b, int limit)
{
    size_t lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    if ((int)(la > lb ? la - lb : lb - la) >= limit)
        return limit;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0], low = i;
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
            if (best < low)
                low = best;
        }
        if (low >= limit) /* every later row is at least as far */
            return limit;
    }
    return row[lb];
}

const char *probe_closest(const char *s, const char *const *names, int n)
{
    const char *best = NULL;
    size_t len = strlen(s);
    int bestd = (int)len / 3 + 1; /* at most a third of the word wrong */
    for (int i = 0; i < n; i++) {
        int d = edit_distance(s, len, names[i], bestd);
        if (d < bestd) {
            best = names[i];
            bestd = d;
        }
    }
    return best;
}

const char *probe_target_func(const char *target, size_t *len)
{
    const char *f = strrchr(target, ':');
    f = f ? f + 1 : target;
    *len = strcspn(f, "+");
    return f;
}

const char *probe_ctx_name(const struct probe_point *pt, int off, int size, char *buf, size_t n)
{
    if (!pt)
        return NULL;
    const struct probe_kind *k = pt->kind;
    for (int i = 0; i < pt->nfields; i++)
        if (pt->fields[i].offset == off && (k->caps & PROBE_FIELDS)) {
            /* the part of a larger field a narrower read takes is not the field */
            if (size > pt->fields[i].size)
                continue;
            snprintf(buf, n, "args.%s", pt->fields[i].name);
            return buf;
        }
    if (k->ctx_offset && !k->args_usdt && size == 8) {
        for (int a = 1; a <= (pt->nargs ? pt->nargs : ARCH_MAX_ARGS); a++)
            if ((k->caps & PROBE_ARGS) && k->ctx_offset(pt, a) == off) {
                snprintf(buf, n, "arg%d", a);
                return buf;
            }
        if ((k->caps & PROBE_RETVAL) && k->ctx_offset(pt, 0) == off) {
            snprintf(buf, n, "retval");
            return buf;
        }
    }
    if (k->caps & PROBE_REGS) {
        const struct arch_regs *a = arch_native();
        for (const struct arch_reg *r = a->regs; r && r->name; r++)
            if (r->off == off) {
                snprintf(buf, n, "regs.%s", r->name);
                return buf;
            }
    }
    return NULL;
}
