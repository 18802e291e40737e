#include "runtime/stacks.h"

#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/arch.h"
#include "lang/event.h"
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
    struct proctab *pt;     /* processes' mappings, where user symbols are printed */
    uint64_t deferred_lost; /* updates made in user space that the map refused (full) */
    bool lines;             /* --stack-lines: user frames say their source file and line */
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
    s->lines = rt->o->stack_lines;
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
    if (!s || rec < 0 || rec >= s->plan->nstacks || !hash)
        return 0;
    if (s->n * 2 >= s->cap)
        grow(s);
    struct kept *k = slot(s->v, s->cap, rec, hash);
    if (k->rec == -1) {
        int depth = s->plan->stacks[rec].depth;
        if (s->fds[rec] < 0) /* kept in user space (unwound there), and this one not */
            return 0;
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

/* A 64-bit hash of n frames: a stack unwound in user space is kept by it,
 * as the kernel keeps its own (codegen/stack.c); never 0. */
static uint64_t frames_hash(const uint64_t *v, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h = (h ^ v[i]) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return h ? h : 1;
}

uint64_t stacks_intern(struct stacks *s, int rec, const uint64_t *v, int n)
{
    uint64_t hash = frames_hash(v, n);
    if (s->n * 2 >= s->cap)
        grow(s);
    struct kept *k = slot(s->v, s->cap, rec, hash);
    if (k->rec == -1) {
        k->rec = rec;
        k->hash = hash;
        k->n = n;
        k->frames = xcalloc(n ? (size_t)n : 1, 8);
        memcpy(k->frames, v, (size_t)n * 8);
        s->n++;
    }
    return hash;
}

/* A copy of a user stack (lang/type.h's TY_STACK_CAPTURE), unwound and
 * kept in table rec: its hash. */
static uint64_t unwind(void *ctx, int rec, const void *capture, uint32_t *tgid)
{
    struct stacks *s = ctx;
    const unsigned char *c = capture;
    uint64_t ids, len, regs[TY_STACK_REGS], frames[TY_STACK_DEPTH_MAX];
    memcpy(&ids, c, 8);
    memcpy(regs, c + 8, sizeof(regs));
    memcpy(&len, c + 8 + sizeof(regs), 8);
    *tgid = (uint32_t)(ids >> 32);
    if (!s || rec < 0 || rec >= s->plan->nstacks)
        return 0;
    const struct arch_regs *a = arch_native();
    int sp = 0;
    while (sp < a->ndwarf && a->dwarf[sp] != a->sp)
        sp++;
    struct syms_sample sm = {
        .tgid = *tgid,
        .tid = (uint32_t)ids,
        .regs = regs,
        .nregs = a->ndwarf,
        .sp = sp,
        .stack = c + 16 + sizeof(regs),
        .len = len < TY_STACK_COPY ? len : TY_STACK_COPY, /* the kernel's word: bounded */
    };
    if (!len) /* not in user mode: no user stack */
        return stacks_intern(s, rec, frames, 0);
    int depth = s->plan->stacks[rec].depth;
    int n =
        syms_unwind(s->syms, &sm, frames, depth < TY_STACK_DEPTH_MAX ? depth : TY_STACK_DEPTH_MAX);
    return stacks_intern(s, rec, frames, n);
}

static const char *symbol(void *ctx, bool user, uint32_t tgid, uint64_t addr, unsigned how,
                          char *buf, size_t len)
{
    struct stacks *s = ctx;
    if (s->lines && (how & SYMS_OFFSET)) /* a stack's frame, not a symbol alone */
        how |= SYMS_LINE;
    return user ? syms_user(s->syms, tgid, addr, how, buf, len)
                : syms_kernel(s->syms, addr, how, buf, len);
}

void stacks_env(struct stacks *s, struct value_syms *vs)
{
    vs->frames = frames;
    vs->symbol = symbol;
    vs->unwind = unwind;
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
    if (rt->stacks && rt->stacks->deferred_lost) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "%llu update%s of maps keyed by user stacks %s refused: the map was full "
                 "(%u entries; raise --map-size)",
                 (unsigned long long)rt->stacks->deferred_lost,
                 rt->stacks->deferred_lost == 1 ? "" : "s",
                 rt->stacks->deferred_lost == 1 ? "was" : "were", rt->cg->map_size);
        rt->out->ops->runtime_error(rt->out, false, msg);
    }
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

void stacks_defer(struct rt *rt, const void *data, size_t size)
{
    const struct plan *p = rt->cg->plan;
    const unsigned char *d = data;
    uint32_t id;
    memcpy(&id, d, 4);
    int mi = (int)(id & ~EV_DEFER);
    if (mi < 0 || mi >= p->nmaps || size < 16)
        return;
    const struct plan_map *m = &p->maps[mi];
    int ncap = 0;
    for (int i = 0; i < m->nkeys; i++)
        ncap += m->keys[i].ty.kind == TY_STACK && p->stacks[m->keys[i].ty.rec].dwarf;
    if (size < 16 + m->key_size + (size_t)ncap * TY_STACK_CAPTURE)
        return; /* not what the plan lays out: nothing to trust */
    int64_t v;
    memcpy(&v, d + 8, 8);
    unsigned char *key = xmalloc(m->key_size);
    memcpy(key, d + 16, m->key_size);
    const unsigned char *caps = d + 16 + m->key_size;
    for (int i = 0, j = 0; i < m->nkeys; i++) {
        const struct plan_key *k = &m->keys[i];
        if (k->ty.kind != TY_STACK || !p->stacks[k->ty.rec].dwarf)
            continue;
        uint32_t tgid;
        uint64_t hash = unwind(rt->stacks, k->ty.rec, caps + (size_t)j++ * TY_STACK_CAPTURE, &tgid);
        uint64_t part[2] = {hash, tgid};
        memcpy(key + k->off, part, sizeof(part));
    }
    /* this CPU's value is CPU 0's: the kernel never writes these maps */
    char name[32];
    snprintf(name, sizeof(name), CG_MAP_PREFIX "%d", mi);
    struct bpf_map *bm = bpf_object__find_map_by_name(rt->obj, name);
    int ncpu = libbpf_num_possible_cpus();
    size_t stride = ((size_t)m->value_size + 7) & ~(size_t)7;
    int64_t *vals = ncpu > 0 ? xcalloc((size_t)ncpu, stride) : NULL;
    if (bm && vals) {
        int fd = bpf_map__fd(bm);
        if (bpf_map_lookup_elem(fd, key, vals))
            memset(vals, 0, (size_t)ncpu * stride);
        int64_t *x = vals;
        switch (m->agg) {
        case AGG_COUNT: x[0] += 1; break;
        case AGG_SUM:
            x[0] += v;
            x[1] = 1;
            break;
        case AGG_MIN:
        case AGG_MAX:
            if (!x[1] || (m->agg == AGG_MIN ? v < x[0] : v > x[0]))
                x[0] = v;
            x[1] = 1;
            break;
        default: /* avg, stats: count, total */
            x[0] += 1;
            x[1] += v;
            break;
        }
        if (bpf_map_update_elem(fd, key, vals, BPF_ANY))
            rt->stacks->deferred_lost++;
    }
    free(vals);
    free(key);
}
