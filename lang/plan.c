#include "lang/plan.h"

#include <stdlib.h>

#include "lang/arena.h"
#include "lang/xalloc.h"

struct plan *plan_new(void)
{
    struct plan *p = xcalloc(1, sizeof(*p));
    p->arena = arena_new();
    return p;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    probe_points_free(&p->points);
    arena_free(p->arena);
    free(p);
}

void plan_take_point(struct plan *p, struct probe_point *pt)
{
    struct probe_points *ps = &p->points;
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 8;
        ps->v = xrealloc(ps->v, (size_t)ps->cap * sizeof(*ps->v));
    }
    ps->v[ps->n++] = pt;
}

/* What each aggregation keeps per CPU: the runtime merges the CPUs. */
unsigned plan_agg_size(enum plan_agg agg)
{
    switch (agg) {
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX: return 16; /* the value, and whether this CPU has one */
    case AGG_AVG:
    case AGG_STATS: return 16; /* the count and the total */
    default: return 8;         /* count: the total; hist, lhist: the bucket's count */
    }
}

const char *plan_agg_name(enum plan_agg agg)
{
    static const char *const names[] = {
        [AGG_NONE] = "",       [AGG_COUNT] = "count", [AGG_SUM] = "sum",
        [AGG_MIN] = "min",     [AGG_MAX] = "max",     [AGG_AVG] = "avg",
        [AGG_STATS] = "stats", [AGG_HIST] = "hist",   [AGG_LHIST] = "lhist",
    };
    return names[agg];
}

/* Bytes of slots a CPU that map m's values take, on their own cache lines:
 * no two maps, and no two CPUs, write one line. */
static unsigned array_bytes(const struct plan_map *m)
{
    return (m->array_size * m->value_size + 63) & ~63u;
}

/* Whether `more` bytes a CPU still fit the kernel's cap on one map value. */
static bool slots_fit(const struct plan *p, int ncpus, unsigned more)
{
    return PLAN_SLOTS_HEAD + (uint64_t)ncpus * (p->slots_block + more) <= PLAN_SLOTS_MAX;
}

/* Map m's slots: the next `bytes` of each CPU's block. */
static void take_slots(struct plan *p, struct plan_map *m, unsigned bytes)
{
    m->slot_off = p->slots_block;
    p->slots_block += bytes;
}

void plan_layout(struct plan *p, int ncpus)
{
    if (ncpus < 1)
        ncpus = 1;
    p->slots_block = 0;
    unsigned cache_bytes = 0;
    for (int i = 0; i < p->nmaps; i++) {
        struct plan_map *m = &p->maps[i];
        if (m->nkeys < 0)
            m->nkeys = 0;
        unsigned off = 0;
        for (int k = 0; k < m->nkeys; k++) {
            m->keys[k].off = off;
            off += ((unsigned)ty_store_size(m->keys[k].ty) + 7) & ~7u;
        }
        m->user_key_size = off;
        bool hist = m->agg == AGG_HIST || m->agg == AGG_LHIST;
        if (m->agg && !m->nkeys) {
            m->array = true;
            m->array_size = m->agg == AGG_HIST ? PLAN_HIST_BUCKETS
                            : m->agg == AGG_LHIST
                                ? (unsigned)((m->lhist_max - m->lhist_min) / m->lhist_step + 2)
                                : 1;
            m->key_size = 4;
            /* Past the cap (many lhists, or many CPUs), a per-CPU array
             * map: a lookup more an event, but the script runs. */
            m->in_slots = slots_fit(p, ncpus, array_bytes(m));
            if (m->in_slots)
                take_slots(p, m, array_bytes(m));
            continue;
        }
        if (hist)
            off += 8; /* the bucket */
        m->key_size = off ? off : 8;
        unsigned slot_size = 8 + m->key_size + m->value_size;
        unsigned bytes = (PLAN_CACHE_SLOTS * slot_size + 63) & ~63u;
        if ((m->agg == AGG_COUNT || m->agg == AGG_SUM) && !m->deleted && !m->deferred &&
            m->key_size <= PLAN_CACHE_KEY_MAX && cache_bytes + bytes <= PLAN_CACHE_BYTES &&
            slots_fit(p, ncpus, bytes)) {
            m->cache_n = PLAN_CACHE_SLOTS;
            m->cache_slot_size = slot_size;
            take_slots(p, m, bytes);
            cache_bytes += bytes;
        }
    }
}

struct plan_bucket plan_bucket(const struct plan_map *m, uint64_t i)
{
    struct plan_bucket r = {.has_min = i > 0, .has_max = true};
    if (m->agg == AGG_HIST) {
        r.is_unsigned = i > 0;
        if (i == 0)
            r.max = -1;
        else if (i <= 2)
            r.min = r.max = (int64_t)i - 1;
        else if (i < PLAN_HIST_BUCKETS) {
            r.min = (int64_t)(1ull << (i - 2));
            r.max = (int64_t)((1ull << (i - 2) << 1) - 1);
        } else
            r.has_min = r.has_max = false;
        return r;
    }
    uint64_t last =
        m->lhist_step > 0 ? (uint64_t)((m->lhist_max - m->lhist_min) / m->lhist_step + 1) : 1;
    if (i == 0) {
        r.max = m->lhist_min - 1;
    } else if (i >= last) {
        r.min = m->lhist_max;
        r.has_max = false;
    } else { /* the checks bound min, max and step, so these do not overflow */
        r.min = m->lhist_min + (int64_t)(i - 1) * m->lhist_step;
        r.max = r.min + m->lhist_step - 1;
    }
    return r;
}
