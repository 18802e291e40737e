#include "runtime/printmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lang/plan.h"
#include "lang/xalloc.h"
#include "runtime/flamegraph.h"
#include "runtime/runtime.h"

static int map_fd_of(struct rt *rt, int id)
{
    char name[32];
    snprintf(name, sizeof(name), CG_MAP_PREFIX "%d", id);
    struct bpf_map *m = rt->obj ? bpf_object__find_map_by_name(rt->obj, name) : NULL;
    return m ? bpf_map__fd(m) : -1;
}

static const struct plan_map *sort_map;

static int cmp_entries(const void *pa, const void *pb)
{
    const struct out_entry *a = pa, *b = pb;
    const struct plan_map *m = sort_map;
    int c = 0;
    if (m->agg == AGG_NONE && m->value.kind == TY_JOIN) {
        c = 0; /* by key */
    } else if (m->agg == AGG_NONE && m->value.kind == TY_STR) {
        c = strncmp((const char *)a->value, (const char *)b->value, m->value_size);
    } else if (m->agg == AGG_NONE && (m->value.kind == TY_BUF || m->value.kind == TY_INET)) {
        c = memcmp(a->value, b->value, m->value_size); /* by length or family, then bytes */
    } else {
        int64_t x = m->agg ? output_merged(m, a) : *(const int64_t *)a->value;
        int64_t y = m->agg ? output_merged(m, b) : *(const int64_t *)b->value;
        bool sgn = m->agg || m->value.is_signed;
        c = sgn ? (x > y) - (x < y) : ((uint64_t)x > (uint64_t)y) - ((uint64_t)x < (uint64_t)y);
    }
    return c ? c : memcmp(a->key, b->key, m->key_size);
}

/* Merges one key's per-CPU values into e. */
static void merge(const struct plan_map *m, struct out_entry *e, const unsigned char *v, int ncpu,
                  size_t stride)
{
    bool any = false;
    for (int cpu = 0; cpu < ncpu; cpu++) {
        const int64_t *x = (const int64_t *)(v + cpu * stride);
        switch (m->agg) {
        case AGG_COUNT:
        case AGG_HIST:
        case AGG_LHIST:
            e->n += x[0];
            any |= x[0] != 0;
            break;
        case AGG_SUM:
            e->n += x[0];
            any |= x[1] != 0;
            break;
        case AGG_MIN:
        case AGG_MAX:
            if (!x[1])
                break;
            if (!any || (m->agg == AGG_MIN ? x[0] < e->n : x[0] > e->n))
                e->n = x[0];
            any = true;
            break;
        default:
            e->n += x[0];
            e->total += x[1];
            any |= x[0] != 0;
            break;
        }
    }
    e->any = any;
}

static uint64_t bucket_of(const struct plan_map *m, const struct out_entry *e)
{
    if (m->array)
        return *(const uint32_t *)e->key;
    return *(const uint64_t *)(e->key + m->user_key_size);
}

static int cmp_buckets(const void *pa, const void *pb)
{
    const struct out_entry *a = pa, *b = pb;
    const struct plan_map *m = sort_map;
    int c = memcmp(a->key, b->key, m->user_key_size);
    if (c)
        return c;
    return (a->bucket > b->bucket) - (a->bucket < b->bucket);
}

static int cmp_groups(const void *pa, const void *pb)
{
    const struct out_group *a = pa, *b = pb;
    if (a->total != b->total)
        return (a->total > b->total) - (a->total < b->total);
    return memcmp(a->key, b->key, sort_map->user_key_size);
}

/* A hist or lhist map: a histogram a key, the smallest total first. */
static void hists(struct rt *rt, const struct plan_map *m, struct out_entry *es, size_t n)
{
    sort_map = m;
    for (size_t i = 0; i < n; i++)
        es[i].bucket = bucket_of(m, &es[i]);
    qsort(es, n, sizeof(*es), cmp_buckets);
    struct out_group *gs = xcalloc(n ? n : 1, sizeof(*gs));
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ng || memcmp(es[i].key, gs[ng - 1].key, m->user_key_size) != 0)
            gs[ng++] = (struct out_group){.es = &es[i], .key = es[i].key};
        if (es[i].n) /* zero() leaves buckets at 0: they are not drawn */
            gs[ng - 1].total += es[i].n;
        gs[ng - 1].n++;
    }
    qsort(gs, ng, sizeof(*gs), cmp_groups);
    struct out_map om = {.m = m, .gs = gs, .ng = ng};
    rt->out->ops->map(rt->out, &om);
    free(gs);
}

/* Takes one entry read from the map: merged over the CPUs, key and value
 * copied (the buffers they come from are reused). */
static void take(const struct plan_map *m, struct out_entry **es, size_t *n, size_t *cap,
                 const unsigned char *key, const unsigned char *val, int ncpu, size_t stride)
{
    if (*n == *cap)
        *es = xrealloc(*es, (*cap *= 2) * sizeof(**es));
    struct out_entry *e = &(*es)[*n];
    memset(e, 0, sizeof(*e));
    if (m->agg)
        merge(m, e, val, ncpu, stride);
    if (m->array && !e->any)
        return; /* an array entry no CPU has touched */
    e->key = memcpy(xmalloc(m->key_size), key, m->key_size);
    if (!m->agg)
        e->value = memcpy(xmalloc(m->value_size), val, m->value_size);
    (*n)++;
}

/* Reads every entry, a batch of up to BATCH per system call where the kernel
 * can (5.6), else one key at a time. Bounded by the map's size, so a map
 * that changes while it is read cannot make this loop forever. */
#define BATCH 4096
/* The most bytes of keys and values one batch takes: keys and values of
 * kilobytes (strings, records, join()s) come in fewer at a time. */
#define BATCH_BYTES (16u << 20)
static void read_entries(struct rt *rt, const struct plan_map *m, int fd, struct out_entry **es,
                         size_t *n, size_t *cap, int ncpu, size_t stride)
{
    size_t vsize = stride * ncpu;
    size_t batch = BATCH_BYTES / (m->key_size + vsize);
    batch = batch < 1 ? 1 : batch > BATCH ? BATCH : batch;
    /* two keys at least: the one at a time reading below takes two */
    unsigned char *keys = xmalloc((batch < 2 ? 2 : batch) * m->key_size);
    unsigned char *vals = xmalloc(batch * vsize);
    unsigned char tok_in[8], tok_out[8]; /* a hash map's batch token is a u32 */
    size_t limit = m->array ? m->array_size : rt->cg->map_size;
    bool first = true, batched = false;
    while (*n <= limit) {
        __u32 count = (__u32)batch;
        int err =
            bpf_map_lookup_batch(fd, first ? NULL : tok_in, tok_out, keys, vals, &count, NULL);
        if (err && errno == ENOSPC && batch < BATCH) {
            /* a hash bucket holds more than a batch: the same again, with
             * room for more */
            batch *= 2;
            keys = xrealloc(keys, batch * m->key_size);
            vals = xrealloc(vals, batch * vsize);
            continue;
        }
        if (err && errno != ENOENT) {
            if (!batched)
                break; /* not on this kernel, or not for this map: one at a time */
            goto out;
        }
        batched = true;
        for (__u32 i = 0; i < count; i++)
            take(m, es, n, cap, keys + i * m->key_size, vals + i * vsize, ncpu, stride);
        if (err) /* ENOENT: that was the last batch */
            goto out;
        memcpy(tok_in, tok_out, sizeof(tok_in));
        first = false;
    }
    if (!batched) {
        unsigned char *cur = keys, *next = keys + m->key_size;
        for (size_t guard = 0; guard <= limit; guard++) {
            if (bpf_map_get_next_key(fd, guard ? cur : NULL, next))
                break;
            if (bpf_map_lookup_elem(fd, next, vals) == 0)
                take(m, es, n, cap, next, vals, ncpu, stride);
            unsigned char *t = cur;
            cur = next;
            next = t;
        }
    }
out:
    free(keys);
    free(vals);
}

/* The bytes one CPU's value of map m takes in what the kernel returns for
 * a lookup: per-CPU values come 8-byte aligned, one a CPU (a per-CPU array
 * map's one value holds all its buckets); others as they are. */
static size_t value_stride(const struct plan_map *m)
{
    size_t bytes = m->array ? (size_t)m->array_size * m->value_size : m->value_size;
    return m->agg ? (bytes + 7) & ~(size_t)7 : bytes;
}

/* `off` bytes into map m's slots on CPU `cpu`. */
static unsigned char *slot_at(const struct rt *rt, const struct plan_map *m, int cpu, size_t off)
{
    return rt->slots + PLAN_SLOTS_HEAD + (size_t)cpu * rt->cg->plan->slots_block + m->slot_off +
           off;
}

/* A map without a key: each of its values (a bucket's, for hist and lhist)
 * merged over the CPUs, from the slots, or from the one value of its per-CPU
 * array map, laid out as the slots. */
static void read_array(struct rt *rt, const struct plan_map *m, int fd, struct out_entry **es,
                       size_t *n, size_t *cap)
{
    const unsigned char *base;
    size_t stride;
    unsigned char *vals = NULL;
    int ncpus = rt->cg->ncpus;
    if (m->in_slots) {
        base = slot_at(rt, m, 0, 0);
        stride = rt->cg->plan->slots_block;
    } else {
        stride = value_stride(m);
        vals = xcalloc(ncpus, stride);
        __u32 key = 0;
        if (bpf_map_lookup_elem(fd, &key, vals)) {
            free(vals);
            return;
        }
        base = vals;
    }
    for (unsigned i = 0; i < m->array_size; i++) {
        __u32 key = i;
        take(m, es, n, cap, (const unsigned char *)&key, base + (size_t)i * m->value_size, ncpus,
             stride);
    }
    free(vals);
}

/* A map's cache (plan.h): every ready slot of every CPU, as one entry more
 * each; the same key may then be in several entries. */
static void read_cache(struct rt *rt, const struct plan_map *m, struct out_entry **es, size_t *n,
                       size_t *cap)
{
    for (int cpu = 0; cpu < rt->cg->ncpus; cpu++)
        for (unsigned i = 0; i < m->cache_n; i++) {
            unsigned char *s = slot_at(rt, m, cpu, (size_t)i * m->cache_slot_size);
            if (__atomic_load_n((uint64_t *)s, __ATOMIC_ACQUIRE) == PLAN_CACHE_READY)
                take(m, es, n, cap, s + 8, s + 8 + m->key_size, 1, 0);
        }
}

static size_t cmp_key_size;
static int cmp_keys(const void *a, const void *b)
{
    return memcmp(((const struct out_entry *)a)->key, ((const struct out_entry *)b)->key,
                  cmp_key_size);
}

/* Entries of one key made one: counts and sums add. */
static void coalesce(const struct plan_map *m, struct out_entry *es, size_t *n)
{
    cmp_key_size = m->key_size;
    qsort(es, *n, sizeof(*es), cmp_keys);
    size_t out = 0;
    for (size_t i = 0; i < *n; i++) {
        if (out && memcmp(es[out - 1].key, es[i].key, m->key_size) == 0) {
            es[out - 1].n += es[i].n;
            es[out - 1].total += es[i].total;
            es[out - 1].any |= es[i].any;
            free((void *)es[i].key);
            continue;
        }
        es[out++] = es[i];
    }
    *n = out;
}

/* The entries of a map keyed by stacks, into the flame graph: at exit
 * (rt->flame is set only then), each as its folded line. */
static void flame_map(struct rt *rt, const struct out_map *om)
{
    struct sbuf line = {0};
    for (size_t i = 0; i < om->n; i++) {
        int64_t count;
        line.len = 0;
        if (!output_folded_line(rt->out, om->m, &om->es[i], &line, &count))
            break;
        flame_add(rt->flame, line.p, line.len, count);
    }
    sb_free(&line);
}

/* Prints map `id`: every entry, or the top `top`, sorted by value. */
static int print_map(struct rt *rt, int id, int64_t top)
{
    const struct plan_map *m = &rt->cg->plan->maps[id];
    int fd = m->in_slots ? -1 : map_fd_of(rt, id);
    if (m->in_slots ? !rt->slots : fd < 0)
        return -1;
    size_t cap = 64, n = 0;
    struct out_entry *es = xcalloc(cap, sizeof(*es));
    if (m->array) {
        read_array(rt, m, fd, &es, &n, &cap);
    } else {
        int ncpu = m->agg ? libbpf_num_possible_cpus() : 1;
        if (ncpu < 1)
            ncpu = 1;
        read_entries(rt, m, fd, &es, &n, &cap, ncpu, value_stride(m));
        if (m->cache_n && rt->slots) {
            read_cache(rt, m, &es, &n, &cap);
            coalesce(m, es, &n);
        }
    }
    if (!n) {
        /* nothing to print */
    } else if (m->agg == AGG_HIST || m->agg == AGG_LHIST) {
        hists(rt, m, es, n);
    } else {
        sort_map = m;
        qsort(es, n, sizeof(*es), cmp_entries);
        size_t from = top > 0 && (uint64_t)top < n ? n - (size_t)top : 0;
        struct out_map om = {.m = m, .es = es + from, .n = n - from};
        rt->out->ops->map(rt->out, &om);
        if (rt->flame)
            flame_map(rt, &om);
    }
    for (size_t i = 0; i < n; i++) {
        free((void *)es[i].key);
        free((void *)es[i].value);
    }
    free(es);
    return (int)n;
}

/* Empties map `id` (clear), or sets every value to 0 (zero). */
static void empty_map(struct rt *rt, int id, bool zero)
{
    const struct plan_map *m = &rt->cg->plan->maps[id];
    if (m->in_slots) { /* slots stay: zeroed, they are not printed */
        for (int cpu = 0; rt->slots && cpu < rt->cg->ncpus; cpu++)
            memset(slot_at(rt, m, cpu, 0), 0, (size_t)m->array_size * m->value_size);
        return;
    }
    int fd = map_fd_of(rt, id);
    if (fd < 0)
        return;
    int ncpu = m->agg ? libbpf_num_possible_cpus() : 1;
    size_t vsize = value_stride(m) * (ncpu < 1 ? 1 : ncpu);
    unsigned char *key = xmalloc(m->key_size), *next = xmalloc(m->key_size);
    unsigned char *zeros = xcalloc(1, vsize);
    bool first = true;
    for (unsigned guard = 0; guard <= rt->cg->map_size; guard++) {
        if (bpf_map_get_next_key(fd, first ? NULL : key, next))
            break;
        if (zero) {
            bpf_map_update_elem(fd, next, zeros, BPF_EXIST);
            memcpy(key, next, m->key_size);
            first = false;
        } else {
            bpf_map_delete_elem(fd, next); /* the first key again, till none */
        }
    }
    free(key);
    free(next);
    free(zeros);
    /* after the map's keys: a program that takes a slot for a key looks
     * the key up once more, and gives the slot back if a clear deleted it
     * meanwhile (codegen/maps.c, cache_claim) */
    for (int cpu = 0; rt->slots && m->cache_n && cpu < rt->cg->ncpus; cpu++)
        for (unsigned i = 0; i < m->cache_n; i++) {
            unsigned char *s = slot_at(rt, m, cpu, (size_t)i * m->cache_slot_size);
            if (__atomic_load_n((uint64_t *)s, __ATOMIC_ACQUIRE) != PLAN_CACHE_READY)
                continue;
            if (zero) /* the key stays, as zero() keeps keys */
                memset(s + 8 + m->key_size, 0, m->value_size);
            else /* free: the next key to come takes it */
                __atomic_store_n((uint64_t *)s, PLAN_CACHE_FREE, __ATOMIC_RELEASE);
        }
}

/* Request i asked for until its count was `count`: what of it is not yet
 * carried out, now. */
static void carry_out(struct rt *rt, int i, uint64_t count)
{
    const struct plan *p = rt->cg->plan;
    if (!rt->reqs_seen)
        rt->reqs_seen = xcalloc(p->nreqs, sizeof(*rt->reqs_seen));
    if (count <= rt->reqs_seen[i])
        return;
    /* asked n times since the last look: print n times, as asked; clear
     * and zero once do what n times would */
    uint64_t times = count - rt->reqs_seen[i];
    rt->reqs_seen[i] = count;
    const struct plan_req *r = &p->reqs[i];
    if (r->kind == REQ_PRINT)
        for (uint64_t t = 0; t < times && t < 1000; t++)
            print_map(rt, r->map, r->top);
    else /* a map without a key is zeroed either way: its slots stay */
        empty_map(rt, r->map, r->kind == REQ_ZERO || p->maps[r->map].array);
}

void printmap_request_event(struct rt *rt, const void *data, size_t size)
{
    const struct ev_request *e = data;
    uint32_t i = e->h.id & ~EV_REQUEST;
    if (size >= sizeof(*e) && i < (uint32_t)rt->cg->plan->nreqs)
        carry_out(rt, (int)i, e->seq);
}

int printmap_requests(struct rt *rt)
{
    const struct plan *p = rt->cg->plan;
    if (!p || !p->nreqs)
        return 0;
    struct bpf_map *rm = bpf_object__find_map_by_name(rt->obj, CG_MAP_REQUESTS);
    if (!rm)
        return -1;
    int fd = bpf_map__fd(rm);
    for (int i = 0; i < p->nreqs; i++) {
        __u32 k = i;
        __u64 v = 0;
        if (bpf_map_lookup_elem(fd, &k, &v) == 0)
            carry_out(rt, i, v);
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    const struct plan_map *x = *(const struct plan_map *const *)a,
                          *y = *(const struct plan_map *const *)b;
    return strcmp(x->name, y->name);
}

void printmap_all(struct rt *rt)
{
    const struct plan *p = rt->cg->plan;
    if (!p || !p->nmaps)
        return;
    const struct plan_map **byname = xcalloc(p->nmaps, sizeof(*byname));
    for (int i = 0; i < p->nmaps; i++)
        byname[i] = &p->maps[i];
    qsort(byname, p->nmaps, sizeof(*byname), cmp_names);
    if (rt->out->ops->maps_begin)
        rt->out->ops->maps_begin(rt->out);
    for (int i = 0; i < p->nmaps; i++)
        print_map(rt, (int)(byname[i] - p->maps), 0);
    free(byname);
    struct bpf_map *fm = bpf_object__find_map_by_name(rt->obj, CG_MAP_FULL);
    for (int i = 0; fm && i < p->nmaps; i++) {
        __u32 k = i;
        __u64 v = 0;
        if (bpf_map_lookup_elem(bpf_map__fd(fm), &k, &v) || !v)
            continue;
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "%llu update%s of map %s %s refused: it was full (%u entries; raise --map-size)",
                 (unsigned long long)v, v == 1 ? "" : "s", p->maps[i].name, v == 1 ? "was" : "were",
                 rt->cg->map_size);
        rt->out->ops->runtime_error(rt->out, false, msg);
    }
}
