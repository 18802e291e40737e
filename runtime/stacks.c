#include "runtime/stacks.h"

#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lang/xalloc.h"
#include "runtime/runtime.h"
#include "runtime/proctab.h"
#include "runtime/syms.h"

struct kept {
    uint64_t hash;
    int rec; /* -1: a free slot */
    int n;   /* frames */
    uint64_t *frames;
};

struct stacks {
    const struct plan *plan;
    int fds[PLAN_STACKS_MAX];
    uint64_t *buf;  /* one table's value, the deepest */
    struct kept *v; /* open addressing, by hash: a power of 2 */
    size_t cap, n;
    struct syms *syms;
    struct proctab *pt; /* processes' mappings, where user symbols are printed */
};

struct stacks *stacks_new(struct rt *rt)
{
    const struct plan *p = rt->cg->plan;
    struct stacks *s = xcalloc(1, sizeof(*s));
    s->plan = p;
    if (p->user_symbols) {
        char why[256];
        s->pt = proctab_open(why, sizeof(why));
        if (!s->pt)
            fprintf(stderr,
                    "tinyprobe: warning: user stacks of processes that exit before they are "
                    "printed will be in hex: %s\n",
                    why);
    }
    s->syms = syms_new(s->pt);
    int deepest = 1;
    for (int i = 0; i < p->nstacks; i++) {
        char name[32];
        snprintf(name, sizeof(name), CG_STACK_PREFIX "%d", i);
        struct bpf_map *m = rt->obj ? bpf_object__find_map_by_name(rt->obj, name) : NULL;
        s->fds[i] = m ? bpf_map__fd(m) : -1;
        if (p->stacks[i].depth > deepest)
            deepest = p->stacks[i].depth;
    }
    s->buf = xcalloc((size_t)deepest, 8);
    return s;
}

void stacks_free(struct stacks *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i].frames);
    free(s->v);
    free(s->buf);
    syms_free(s->syms);
    proctab_free(s->pt);
    free(s);
}

static struct kept *slot(struct kept *v, size_t cap, int rec, uint64_t hash)
{
    size_t i = (size_t)(hash ^ (uint64_t)rec) & (cap - 1);
    while (v[i].rec != -1 && (v[i].hash != hash || v[i].rec != rec))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

static void grow(struct stacks *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    struct kept *v = xcalloc(cap, sizeof(*v));
    for (size_t i = 0; i < cap; i++)
        v[i].rec = -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->v[i].rec != -1)
            *slot(v, cap, s->v[i].rec, s->v[i].hash) = s->v[i];
    free(s->v);
    s->v = v;
    s->cap = cap;
}

static int frames(void *ctx, int rec, uint64_t hash, const uint64_t **out)
{
    struct stacks *s = ctx;
    *out = NULL;
    if (!s || rec < 0 || rec >= s->plan->nstacks || !hash || s->fds[rec] < 0)
        return 0;
    if (s->n * 2 >= s->cap)
        grow(s);
    struct kept *k = slot(s->v, s->cap, rec, hash);
    if (k->rec == -1) {
        int depth = s->plan->stacks[rec].depth;
        if (bpf_map_lookup_elem(s->fds[rec], &hash, s->buf))
            return 0; /* not known (yet): asked again next time */
        int n = depth;
        while (n > 0 && !s->buf[n - 1]) /* the helper zeroes what it does not fill */
            n--;
        k->rec = rec;
        k->hash = hash;
        k->n = n;
        k->frames = xcalloc(n ? (size_t)n : 1, 8);
        memcpy(k->frames, s->buf, (size_t)n * 8);
        s->n++;
    }
    *out = k->frames;
    return k->n;
}

static const char *symbol(void *ctx, bool user, uint32_t tgid, uint64_t addr, unsigned how,
                          char *buf, size_t len)
{
    struct stacks *s = ctx;
    return user ? syms_user(s->syms, tgid, addr, how, buf, len)
                : syms_kernel(s->syms, addr, how, buf, len);
}

void stacks_env(struct stacks *s, struct value_syms *vs)
{
    vs->frames = frames;
    vs->symbol = symbol;
    vs->ctx = s;
}

void stacks_poll(struct stacks *s)
{
    if (s)
        proctab_poll(s->pt);
}

void stacks_report_lost(struct rt *rt)
{
    const struct plan *p = rt->cg->plan;
    struct bpf_map *m =
        p->nstacks ? bpf_object__find_map_by_name(rt->obj, CG_MAP_STACK_LOST) : NULL;
    for (int i = 0; m && i < p->nstacks; i++) {
        __u32 k = (__u32)i;
        __u64 v = 0;
        if (bpf_map_lookup_elem(bpf_map__fd(m), &k, &v) || !v)
            continue;
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "%llu %s stack%s of %d frames %s not kept: the table of stacks was full (%u "
                 "stacks; raise --stack-max)",
                 (unsigned long long)v, p->stacks[i].user ? "user" : "kernel", v == 1 ? "" : "s",
                 p->stacks[i].depth, v == 1 ? "was" : "were", rt->cg->stack_max);
        rt->out->ops->runtime_error(rt->out, false, msg);
    }
}
