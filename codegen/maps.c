/* Maps, variables and aggregations: the BPF maps the plan asks for, keys
 * built in scratch, plain values written and read, aggregations kept per CPU,
 * and the requests (print, clear, zero) that probes make of user space. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"
#include "lang/event.h"
#include "lang/builtin.h"
#include "lang/xalloc.h"

void maps_init(struct cg *c)
{
    const struct plan *p = c->plan;
    c->map_globals = xcalloc(p->nmaps ? p->nmaps : 1, sizeof(*c->map_globals));
    c->map_used = xcalloc(p->nmaps ? p->nmaps : 1, 1);
    for (int i = 0; i < p->nmaps; i++) {
        char name[32];
        snprintf(name, sizeof(name), CG_MAP_PREFIX "%d", i);
        if (!p->maps[i].in_slots)
            c->map_globals[i] = ir_map_global(c, name, 4);
    }
    c->map_full = ir_map_global(c, CG_MAP_FULL, 4);
    stack_maps_init(c);
    if (p->nreqs)
        c->map_reqs = ir_map_global(c, CG_MAP_REQUESTS, 4);
    /* always there: its head is the exit gate (plan.h) */
    uint64_t words = (PLAN_SLOTS_HEAD + (uint64_t)c->out->ncpus * p->slots_block) / 8;
    LLVMTypeRef t = LLVMArrayType2(c->i64, words);
    c->slots = LLVMAddGlobal(c->m, t, CG_SLOTS);
    LLVMSetInitializer(c->slots, LLVMConstNull(t));
    LLVMSetSection(c->slots, PLAN_SLOTS_SECTION);
    LLVMSetAlignment(c->slots, 64);
    di_global(&c->di, c->slots, CG_SLOTS, (unsigned)words);
}

/* Map `id`'s global, noted as used by the program being made: the kernel
 * lets one program use at most 64 maps. */
LLVMValueRef maps_ref(struct cg *c, int id)
{
    if (!c->map_used[id]) {
        c->map_used[id] = 1;
        c->maps_in_prog++;
    }
    return c->map_globals[id];
}

void maps_finish(struct cg *c)
{
    const struct plan *p = c->plan;
    for (int i = 0; i < p->nmaps; i++) {
        const struct plan_map *m = &p->maps[i];
        if (m->in_slots)
            continue;
        char name[32];
        snprintf(name, sizeof(name), CG_MAP_PREFIX "%d", i);
        if (m->array)
            di_map(&c->di, c->map_globals[i], name, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4,
                   m->array_size * m->value_size);
        else
            di_map(&c->di, c->map_globals[i], name,
                   m->agg ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH, c->o->map_size,
                   m->key_size, m->value_size);
    }
    di_map(&c->di, c->map_full, CG_MAP_FULL, BPF_MAP_TYPE_ARRAY, p->nmaps ? p->nmaps : 1, 4, 8);
    stack_maps_finish(c);
    if (p->nreqs)
        di_map(&c->di, c->map_reqs, CG_MAP_REQUESTS, BPF_MAP_TYPE_ARRAY, p->nreqs, 4, 8);
    free(c->map_globals);
    c->map_globals = NULL;
    free(c->map_used);
    c->map_used = NULL;
}

/* Zeroes `size` bytes (a multiple of 8) at p: keys are compared byte for
 * byte, and scratch keeps what the last run left there. */
static void zero(struct cg *c, LLVMValueRef p, unsigned size)
{
    for (unsigned off = 0; off < size; off += 8)
        LLVMBuildStore(c->b, ir_i64(c, 0), ir_at(c, p, off));
}

/* The key of map node n, in scratch. */
static LLVMValueRef key_of(struct cg *c, const struct ast_node *n)
{
    const struct plan_map *m = &c->plan->maps[n->id];
    LLVMValueRef key = ir_room(c, m->key_size);
    zero(c, key, m->key_size);
    const struct ast_node *k = n->args;
    for (int i = 0; i < m->nkeys; i++, k = k->next) {
        LLVMValueRef at = ir_at(c, key, m->keys[i].off);
        if (m->keys[i].ty.kind == TY_STR)
            str_into(c, k, at, m->keys[i].ty.size);
        else if (!ty_is_word(m->keys[i].ty))
            bytes_into(c, k, at);
        else
            LLVMBuildStore(c->b, expr_int(c, k), at);
    }
    return key;
}

/* One more update that the kernel refused (the map is full): counted, for
 * the report at exit. */
static void count_full(struct cg *c, LLVMValueRef rc, int map)
{
    struct ir_if f;
    ir_if_begin(c, LLVMBuildICmp(c->b, LLVMIntSLT, rc, ir_i64(c, 0), ""), &f);
    ir_map_bump(c, c->map_full, LLVMConstInt(c->i32, (unsigned)map, 0));
    ir_if_else(c, &f);
    ir_if_end(c, &f, NULL, NULL);
}

static LLVMValueRef update(struct cg *c, int map, LLVMValueRef key, LLVMValueRef val,
                           uint64_t flags)
{
    LLVMValueRef args[4] = {maps_ref(c, map), key, val, ir_i64(c, flags)};
    LLVMValueRef rc = ir_helper(c, BPF_FUNC_map_update_elem, c->i64, args, 4);
    count_full(c, rc, map);
    return rc;
}

static LLVMValueRef lookup_raw(struct cg *c, int map, LLVMValueRef key)
{
    LLVMValueRef args[2] = {maps_ref(c, map), key};
    return ir_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, args, 2);
}

static LLVMValueRef is_null(struct cg *c, LLVMValueRef p)
{
    return LLVMBuildICmp(c->b, LLVMIntEQ, p, LLVMConstNull(c->ptr), "");
}

LLVMValueRef maps_read_int(struct cg *c, const struct ast_node *n)
{
    LLVMValueRef p = lookup_raw(c, n->id, key_of(c, n));
    struct ir_if f;
    ir_if_begin(c, is_null(c, p), &f);
    LLVMValueRef none = ir_i64(c, 0);
    ir_if_else(c, &f);
    LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, p, "");
    return ir_if_end(c, &f, none, v);
}

void maps_read_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    const struct plan_map *m = &c->plan->maps[n->id];
    LLVMValueRef p = lookup_raw(c, n->id, key_of(c, n));
    struct ir_if f;
    ir_if_begin(c, is_null(c, p), &f);
    LLVMBuildStore(c->b, ir_i64(c, 0), dst); /* a join() of nothing */
    ir_if_else(c, &f);
    LLVMValueRef args[3] = {dst, ir_i64(c, m->value_size), p};
    ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, args, 3);
    ir_if_end(c, &f, NULL, NULL);
}

void maps_read_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    const struct plan_map *m = &c->plan->maps[n->id];
    LLVMValueRef p = lookup_raw(c, n->id, key_of(c, n));
    struct ir_if f;
    ir_if_begin(c, is_null(c, p), &f);
    LLVMBuildStore(c->b, LLVMConstInt(c->i8, 0, 0), dst);
    ir_if_else(c, &f);
    unsigned len = size < m->value_size ? size : m->value_size;
    LLVMValueRef args[3] = {dst, ir_i64(c, len), p};
    ir_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, args, 3);
    ir_if_end(c, &f, NULL, NULL);
}

/* hist(): 0 for v < 0, 1 for 0, then 2 + floor(log2(v)), found in six
 * branch-free halvings. */
static LLVMValueRef hist_bucket(struct cg *c, LLVMValueRef v)
{
    LLVMValueRef n = v, r = ir_i64(c, 0);
    for (unsigned s = 32; s; s /= 2) {
        LLVMValueRef hi = LLVMBuildLShr(c->b, n, ir_i64(c, s), "");
        LLVMValueRef has = LLVMBuildICmp(c->b, LLVMIntNE, hi, ir_i64(c, 0), "");
        n = LLVMBuildSelect(c->b, has, hi, n, "");
        r = LLVMBuildSelect(c->b, has, LLVMBuildAdd(c->b, r, ir_i64(c, s), ""), r, "");
    }
    LLVMValueRef b = LLVMBuildAdd(c->b, r, ir_i64(c, 2), "");
    b = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, v, ir_i64(c, 0), ""), ir_i64(c, 1), b,
                        "");
    return LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, v, ir_i64(c, 0), ""), ir_i64(c, 0),
                           b, "");
}

/* lhist(): 0 below min, 1 + (v - min) / step up to max, the last bucket from max. */
static LLVMValueRef lhist_bucket(struct cg *c, const struct plan_map *m, LLVMValueRef v)
{
    int64_t last = (m->lhist_max - m->lhist_min) / m->lhist_step + 1;
    LLVMValueRef in = LLVMBuildUDiv(c->b, LLVMBuildSub(c->b, v, ir_i64(c, m->lhist_min), ""),
                                    ir_i64(c, m->lhist_step), "");
    in = LLVMBuildAdd(c->b, in, ir_i64(c, 1), "");
    LLVMValueRef b =
        LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSGE, v, ir_i64(c, m->lhist_max), ""),
                        ir_i64(c, last), in, "");
    return LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, v, ir_i64(c, m->lhist_min), ""),
                           ir_i64(c, 0), b, "");
}

/* The value at p (this CPU's) updated by v: count and sum add, min and max
 * compare, avg and stats count and add. */
static void fold(struct cg *c, const struct plan_map *m, LLVMValueRef p, LLVMValueRef v)
{
    /* per CPU: no other CPU writes this value, so no atomics */
    switch (m->agg) {
    case AGG_COUNT:
    case AGG_HIST:
    case AGG_LHIST:
        LLVMBuildStore(c->b, LLVMBuildAdd(c->b, LLVMBuildLoad2(c->b, c->i64, p, ""), v, ""), p);
        break;
    case AGG_SUM:
        LLVMBuildStore(c->b, LLVMBuildAdd(c->b, LLVMBuildLoad2(c->b, c->i64, p, ""), v, ""), p);
        LLVMBuildStore(c->b, ir_i64(c, 1), ir_at(c, p, 8));
        break;
    case AGG_MIN:
    case AGG_MAX: {
        /* the first value this CPU sees, or a better one */
        LLVMValueRef cur = LLVMBuildLoad2(c->b, c->i64, p, "");
        LLVMValueRef seen = LLVMBuildLoad2(c->b, c->i64, ir_at(c, p, 8), "");
        LLVMValueRef better =
            LLVMBuildICmp(c->b, m->agg == AGG_MIN ? LLVMIntSLT : LLVMIntSGT, v, cur, "");
        better =
            LLVMBuildOr(c->b, better, LLVMBuildICmp(c->b, LLVMIntEQ, seen, ir_i64(c, 0), ""), "");
        LLVMBuildStore(c->b, LLVMBuildSelect(c->b, better, v, cur, ""), p);
        LLVMBuildStore(c->b, ir_i64(c, 1), ir_at(c, p, 8));
        break;
    }
    default: {
        LLVMValueRef sum = ir_at(c, p, 8);
        LLVMBuildStore(
            c->b, LLVMBuildAdd(c->b, LLVMBuildLoad2(c->b, c->i64, p, ""), ir_i64(c, 1), ""), p);
        LLVMBuildStore(c->b, LLVMBuildAdd(c->b, LLVMBuildLoad2(c->b, c->i64, sum, ""), v, ""), sum);
        break;
    }
    }
}

/* This CPU's slots of map m, at `idx` (an i64 below n, or NULL for the
 * first) of `size` bytes each; a CPU past the run's count (at most those
 * laid out; none is) branches to `none`. The CPU number is inlined by the
 * verifier: no helper call and no map lookup. */
static LLVMValueRef slot(struct cg *c, const struct plan_map *m, LLVMValueRef idx, unsigned n,
                         unsigned size, LLVMBasicBlockRef none)
{
    LLVMValueRef cpu = ir_helper(c, BPF_FUNC_get_smp_processor_id, c->i64, NULL, 0);
    /* the same all through a run (a program is not migrated): marked as
     * reading no memory, so LLVM asks once for several slots */
    unsigned kinds[3] = {LLVMGetEnumAttributeKindForName("memory", 6),
                         LLVMGetEnumAttributeKindForName("nounwind", 8),
                         LLVMGetEnumAttributeKindForName("willreturn", 10)};
    for (int i = 0; i < 3; i++)
        LLVMAddCallSiteAttribute(cpu, LLVMAttributeFunctionIndex,
                                 LLVMCreateEnumAttribute(c->ctx, kinds[i], 0));
    cpu = ir_opaque(c, cpu); /* compared as it is then used */
    /* the run's count, which the verifier knows is at most the layout's */
    LLVMValueRef ncpus = ir_run(c, offsetof(struct cg_run, ncpus));
    LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntULT, cpu, ncpus, "");
    LLVMBasicBlockRef on = ir_block(c, "slot");
    LLVMBuildCondBr(c->b, ok, on, none);
    LLVMPositionBuilderAtEnd(c->b, on);
    LLVMValueRef off = ir_opaque(c, LLVMBuildMul(c->b, cpu, ir_i64(c, c->plan->slots_block), ""));
    if (idx) {
        idx = ir_bounded(c, idx, n - 1);
        off = LLVMBuildAdd(c->b, off, LLVMBuildMul(c->b, idx, ir_i64(c, size), ""), "");
    }
    off = LLVMBuildAdd(c->b, off, ir_i64(c, PLAN_SLOTS_HEAD + m->slot_off), "");
    return LLVMBuildGEP2(c->b, c->i8, c->slots, &off, 1, "");
}

/* This CPU's value `idx` (or the first) of map `id`, an aggregation without
 * a key: in the slots, or past them in its per-CPU array map, whose one
 * value holds them all as a CPU's block of slots would. */
static LLVMValueRef array_value(struct cg *c, int id, LLVMValueRef idx, LLVMBasicBlockRef none)
{
    const struct plan_map *m = &c->plan->maps[id];
    if (m->in_slots)
        return slot(c, m, idx, m->array_size, m->value_size, none);
    LLVMValueRef p = ir_lookup(c, maps_ref(c, id), c->key0, none);
    if (!idx)
        return p;
    LLVMValueRef off =
        LLVMBuildMul(c->b, ir_bounded(c, idx, m->array_size - 1), ir_i64(c, m->value_size), "");
    return LLVMBuildGEP2(c->b, c->i8, p, &off, 1, "");
}

/* @m = count() and the like, without a key: this CPU's value, the bucket's
 * for hist and lhist. */
static void aggregate_array(struct cg *c, int id, LLVMValueRef v)
{
    const struct plan_map *m = &c->plan->maps[id];
    LLVMValueRef idx = NULL;
    if (m->agg == AGG_HIST || m->agg == AGG_LHIST) {
        idx = m->agg == AGG_HIST ? hist_bucket(c, v) : lhist_bucket(c, m, v);
        v = ir_i64(c, 1);
    }
    LLVMBasicBlockRef done = ir_block(c, "folded");
    fold(c, m, array_value(c, id, idx, done), v);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
}

/* count() or sum() of `key` into map m's cache (plan.h): where the key holds
 * its slot, counted there, then to `done`. Where the slot is free, to
 * `claimable`, with the slot returned; else to `uncached`. */
static LLVMValueRef cache_try(struct cg *c, const struct plan_map *m, LLVMValueRef key,
                              LLVMValueRef v, LLVMBasicBlockRef uncached,
                              LLVMBasicBlockRef claimable, LLVMBasicBlockRef done)
{
    unsigned words = m->key_size / 8;
    LLVMValueRef kw[PLAN_CACHE_KEY_MAX / 8];
    LLVMValueRef h = ir_i64(c, 0);
    for (unsigned i = 0; i < words; i++) {
        kw[i] = LLVMBuildLoad2(c->b, c->i64, ir_at(c, key, 8 * i), "");
        h = LLVMBuildMul(c->b, LLVMBuildXor(c->b, h, kw[i], ""), ir_i64(c, 0x9E3779B97F4A7C15ull),
                         "");
    }
    unsigned bits = 0;
    while ((1u << bits) < m->cache_n)
        bits++;
    h = LLVMBuildLShr(c->b, h, ir_i64(c, 64 - bits), ""); /* the best-mixed bits */
    LLVMValueRef s = slot(c, m, h, m->cache_n, m->cache_slot_size, uncached);
    LLVMValueRef state = LLVMBuildLoad2(c->b, c->i64, s, "");
    LLVMBasicBlockRef ready = ir_block(c, "ready"), notready = ir_block(c, "notready"),
                      hit = ir_block(c, "hit");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, state, ir_i64(c, PLAN_CACHE_READY), ""),
                    ready, notready);
    LLVMPositionBuilderAtEnd(c->b, ready); /* this key's, or another's */
    LLVMValueRef same = NULL;
    for (unsigned i = 0; i < words; i++) {
        LLVMValueRef w = LLVMBuildLoad2(c->b, c->i64, ir_at(c, s, 8 + 8 * i), "");
        LLVMValueRef eq = LLVMBuildICmp(c->b, LLVMIntEQ, w, kw[i], "");
        same = same ? LLVMBuildAnd(c->b, same, eq, "") : eq;
    }
    LLVMBuildCondBr(c->b, same, hit, uncached);
    LLVMPositionBuilderAtEnd(c->b, hit);
    fold(c, m, ir_at(c, s, 8 + m->key_size), v);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, notready);
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, state, ir_i64(c, PLAN_CACHE_FREE), ""),
                    claimable, uncached);
    return s;
}

/* Slot s taken for `key`, which the hash map now holds (so the cache never
 * holds more keys than the map may), its value 0: the event is counted in
 * the map. Claimed with a compare-and-swap, as a program that interrupted
 * this one on its CPU may have taken it, and made ready with an exchange, a
 * barrier: user space reads a slot's key and value once it is ready. A
 * clear deletes the map's keys, then frees the slots: a key deleted between
 * this program's update and its claim is not in the map when looked up
 * again, and the slot is given back; one deleted after it, the clear's
 * freeing of the slots frees. So no slot holds a key the map lacks. */
static void cache_claim(struct cg *c, const struct plan_map *m, int map, LLVMValueRef s,
                        LLVMValueRef key)
{
    LLVMBasicBlockRef fill = ir_block(c, "fill"), after = ir_block(c, "claimed");
    LLVMValueRef x = LLVMBuildAtomicCmpXchg(
        c->b, s, ir_i64(c, PLAN_CACHE_FREE), ir_i64(c, PLAN_CACHE_CLAIMED),
        LLVMAtomicOrderingSequentiallyConsistent, LLVMAtomicOrderingSequentiallyConsistent, 0);
    LLVMBuildCondBr(c->b, LLVMBuildExtractValue(c->b, x, 1, ""), fill, after);
    LLVMPositionBuilderAtEnd(c->b, fill);
    for (unsigned i = 0; i < m->key_size / 8; i++)
        LLVMBuildStore(c->b, LLVMBuildLoad2(c->b, c->i64, ir_at(c, key, 8 * i), ""),
                       ir_at(c, s, 8 + 8 * i));
    zero(c, ir_at(c, s, 8 + m->key_size), m->value_size);
    LLVMBuildAtomicRMW(c->b, LLVMAtomicRMWBinOpXchg, s, ir_i64(c, PLAN_CACHE_READY),
                       LLVMAtomicOrderingSequentiallyConsistent, 0);
    struct ir_if f;
    ir_if_begin(c, is_null(c, lookup_raw(c, map, key)), &f);
    LLVMBuildAtomicCmpXchg(c->b, s, ir_i64(c, PLAN_CACHE_READY), ir_i64(c, PLAN_CACHE_FREE),
                           LLVMAtomicOrderingSequentiallyConsistent,
                           LLVMAtomicOrderingSequentiallyConsistent, 0);
    ir_if_else(c, &f);
    ir_if_end(c, &f, NULL, NULL);
    LLVMBuildBr(c->b, after);
    LLVMPositionBuilderAtEnd(c->b, after);
}

/* An aggregation's value for `key` in its hash map, this CPU's, updated in
 * place, or made; i1: whether the key is in the map now. */
static LLVMValueRef hashed(struct cg *c, const struct plan_map *m, int map, LLVMValueRef key,
                           LLVMValueRef v)
{
    LLVMValueRef p = lookup_raw(c, map, key);
    struct ir_if f;
    ir_if_begin(c, is_null(c, p), &f);
    /* the first time on this CPU: the value as one update makes it */
    LLVMValueRef init = ir_room(c, m->value_size);
    switch (m->agg) {
    case AGG_COUNT:
    case AGG_HIST:
    case AGG_LHIST: LLVMBuildStore(c->b, v, init); break;
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX:
        LLVMBuildStore(c->b, v, init);
        LLVMBuildStore(c->b, ir_i64(c, 1), ir_at(c, init, 8));
        break;
    default: /* avg, stats: count, total */
        LLVMBuildStore(c->b, ir_i64(c, 1), init);
        LLVMBuildStore(c->b, v, ir_at(c, init, 8));
        break;
    }
    LLVMValueRef rc = update(c, map, key, init, BPF_ANY);
    LLVMValueRef made = LLVMBuildICmp(c->b, LLVMIntSGE, rc, ir_i64(c, 0), "");
    ir_if_else(c, &f);
    fold(c, m, p, v);
    return ir_if_end(c, &f, made, LLVMConstInt(c->i1, 1, 0));
}

/* @m[..., ustack, ...] = count() with --unwind dwarf: the key cannot be
 * made here, so the update is an event (lang/event.h's EV_DEFER) that user
 * space makes once it has unwound the stacks: the operand, the key with
 * each such stack's place left, then each stack's copy. */
static void deferred(struct cg *c, const struct ast_node *lv, LLVMValueRef v)
{
    const struct plan_map *m = &c->plan->maps[lv->id];
    int ncap = 0;
    for (int i = 0; i < m->nkeys; i++)
        ncap += m->keys[i].ty.kind == TY_STACK && c->plan->stacks[m->keys[i].ty.rec].dwarf;
    LLVMBasicBlockRef next;
    uint64_t size = 16 + m->key_size + (uint64_t)ncap * TY_STACK_CAPTURE;
    LLVMValueRef ev = stmt_event_reserve(c, size, EV_DEFER | (uint32_t)lv->id, &next);
    LLVMBuildStore(c->b, v, ir_at(c, ev, 8));
    LLVMValueRef key = ir_at(c, ev, 16), caps = ir_at(c, key, m->key_size);
    zero(c, key, m->key_size);
    const struct ast_node *k = lv->args;
    for (int i = 0, j = 0; i < m->nkeys; i++, k = k->next) {
        const struct plan_key *pk = &m->keys[i];
        LLVMValueRef at = ir_at(c, key, pk->off);
        if (pk->ty.kind == TY_STACK && c->plan->stacks[pk->ty.rec].dwarf)
            stack_capture(c, ir_at(c, caps, (unsigned)(j++ * TY_STACK_CAPTURE)));
        else if (pk->ty.kind == TY_STR)
            str_into(c, k, at, pk->ty.size);
        else if (!ty_is_word(pk->ty))
            bytes_into(c, k, at);
        else
            LLVMBuildStore(c->b, expr_int(c, k), at);
    }
    ir_loc(c, lv->loc);
    stmt_event_submit(c, ev, next);
}

/* @m[k] = count(), sum(v), ...: the per-CPU value updated in place, or made. */
static void aggregate(struct cg *c, const struct ast_node *lv, const struct ast_node *call)
{
    const struct plan_map *m = &c->plan->maps[lv->id];
    LLVMValueRef v = call->args ? expr_int(c, call->args) : ir_i64(c, 1);
    if (m->array) {
        aggregate_array(c, lv->id, v);
        return;
    }
    if (m->deferred) {
        deferred(c, lv, v);
        return;
    }
    LLVMValueRef key = key_of(c, lv);
    if (m->agg == AGG_HIST || m->agg == AGG_LHIST) {
        LLVMValueRef b = m->agg == AGG_HIST ? hist_bucket(c, v) : lhist_bucket(c, m, v);
        LLVMBuildStore(c->b, b, ir_at(c, key, m->user_key_size));
        v = ir_i64(c, 1); /* one more in the bucket */
    }
    if (!m->cache_n) {
        hashed(c, m, lv->id, key, v);
        return;
    }
    /* one way into the hash map, from a free slot or not: which, and the
     * slot, in stack variables that LLVM makes phis of */
    LLVMValueRef freed = ir_alloca(c, c->i1), slot_at = ir_alloca(c, c->ptr);
    LLVMBuildStore(c->b, LLVMConstInt(c->i1, 0, 0), freed);
    /* set on every path, or LLVM may read its register where the slot was
     * never taken, which a verifier that cannot tell that path is dead
     * (6.1's) refuses: "R4 !read_ok" */
    LLVMBuildStore(c->b, LLVMConstNull(c->ptr), slot_at);
    LLVMBasicBlockRef uncached = ir_block(c, "uncached"), claimable = ir_block(c, "claimable"),
                      done = ir_block(c, "counted");
    LLVMValueRef s = cache_try(c, m, key, v, uncached, claimable, done);
    LLVMPositionBuilderAtEnd(c->b, claimable);
    LLVMBuildStore(c->b, LLVMConstInt(c->i1, 1, 0), freed);
    LLVMBuildStore(c->b, s, slot_at);
    LLVMBuildBr(c->b, uncached);
    LLVMPositionBuilderAtEnd(c->b, uncached);
    LLVMValueRef in = hashed(c, m, lv->id, key, v);
    struct ir_if f;
    ir_if_begin(c, LLVMBuildAnd(c->b, in, LLVMBuildLoad2(c->b, c->i1, freed, ""), ""), &f);
    cache_claim(c, m, lv->id, LLVMBuildLoad2(c->b, c->ptr, slot_at, ""), key);
    ir_if_else(c, &f);
    ir_if_end(c, &f, NULL, NULL);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
}

/* A $variable's storage in this program: an i64 on the stack, or a string
 * in scratch. */
LLVMValueRef maps_var_slot(struct cg *c, const struct ast_node *n)
{
    if (!c->var_slots[n->id]) {
        const struct ast_var *v = &c->probe->vars[n->id];
        if (v->ty.kind == TY_STR || v->ty.kind == TY_TUPLE) {
            c->var_slots[n->id] = ir_scratch(c, v->ty.size);
        } else {
            c->var_slots[n->id] = ir_alloca(c, c->i64);
        }
    }
    return c->var_slots[n->id];
}

LLVMValueRef maps_var_int(struct cg *c, const struct ast_node *n)
{
    return LLVMBuildLoad2(c->b, c->i64, maps_var_slot(c, n), "");
}

void maps_var_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    const struct ast_var *v = &c->probe->vars[n->id];
    unsigned len = size < (unsigned)v->ty.size ? size : (unsigned)v->ty.size;
    LLVMValueRef args[3] = {dst, ir_i64(c, len), maps_var_slot(c, n)};
    ir_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, args, 3);
}

static LLVMValueRef apply(struct cg *c, enum ast_op op, bool sgn, LLVMValueRef l, LLVMValueRef r)
{
    switch (op) {
    case OP_ADD: return LLVMBuildAdd(c->b, l, r, "");
    case OP_SUB: return LLVMBuildSub(c->b, l, r, "");
    case OP_MUL: return LLVMBuildMul(c->b, l, r, "");
    case OP_AND: return LLVMBuildAnd(c->b, l, r, "");
    case OP_OR: return LLVMBuildOr(c->b, l, r, "");
    case OP_XOR: return LLVMBuildXor(c->b, l, r, "");
    case OP_SHL: return LLVMBuildShl(c->b, l, LLVMBuildAnd(c->b, r, ir_i64(c, 63), ""), "");
    case OP_SHR: {
        LLVMValueRef n = LLVMBuildAnd(c->b, r, ir_i64(c, 63), "");
        return sgn ? LLVMBuildAShr(c->b, l, n, "") : LLVMBuildLShr(c->b, l, n, "");
    }
    default: return expr_divmod(c, op == OP_MOD, sgn, l, r);
    }
}

void maps_assign(struct cg *c, const struct ast_node *s)
{
    const struct ast_node *lv = s->a, *rhs = s->b;
    if (lv->kind == N_VAR) {
        LLVMValueRef slot = maps_var_slot(c, lv);
        if (lv->ty.kind == TY_TUPLE) {
            tuple_into(c, rhs, slot);
            return;
        }
        if (lv->ty.kind == TY_STR) {
            str_into(c, rhs, slot, lv->ty.size);
            return;
        }
        LLVMValueRef v = expr_int(c, rhs);
        if (s->compound)
            v = apply(c, s->op, lv->ty.is_signed, LLVMBuildLoad2(c->b, c->i64, slot, ""), v);
        LLVMBuildStore(c->b, v, slot);
        return;
    }
    const struct plan_map *m = &c->plan->maps[lv->id];
    if (m->agg) {
        aggregate(c, lv, rhs);
        return;
    }
    if (!ty_is_word(m->value)) {
        LLVMValueRef val = ir_scratch(c, m->value_size);
        if (m->value.kind == TY_RECORD)
            mem_bytes(c, rhs, val);
        else if (m->value.kind == TY_TUPLE)
            tuple_into(c, rhs, val);
        else if (m->value.kind == TY_JOIN)
            str_join(c, rhs, val, m->value.size);
        else if (m->value.kind != TY_STR)
            bytes_into(c, rhs, val);
        else
            str_into(c, rhs, val, m->value_size);
        update(c, lv->id, key_of(c, lv), val, BPF_ANY);
        return;
    }
    LLVMValueRef v = expr_int(c, rhs);
    LLVMValueRef key = key_of(c, lv);
    if (!s->compound) {
        LLVMValueRef val = ir_room(c, 8);
        LLVMBuildStore(c->b, v, val);
        update(c, lv->id, key, val, BPF_ANY);
        return;
    }
    LLVMValueRef p = lookup_raw(c, lv->id, key);
    struct ir_if f;
    ir_if_begin(c, is_null(c, p), &f);
    LLVMValueRef val = ir_room(c, 8);
    LLVMBuildStore(c->b, apply(c, s->op, m->value.is_signed, ir_i64(c, 0), v), val);
    update(c, lv->id, key, val, BPF_ANY);
    ir_if_else(c, &f);
    if (s->op == OP_ADD || s->op == OP_SUB) /* the common case, atomic: @n++ from every CPU */
        LLVMBuildAtomicRMW(c->b, s->op == OP_ADD ? LLVMAtomicRMWBinOpAdd : LLVMAtomicRMWBinOpSub, p,
                           v, LLVMAtomicOrderingMonotonic, 0);
    else
        LLVMBuildStore(
            c->b, apply(c, s->op, m->value.is_signed, LLVMBuildLoad2(c->b, c->i64, p, ""), v), p);
    ir_if_end(c, &f, NULL, NULL);
}

void maps_delete(struct cg *c, const struct ast_node *m)
{
    const struct plan_map *pm = &c->plan->maps[m->id];
    if (pm->array) { /* values stay: this CPU's are zeroed, as a delete would empty them */
        LLVMBasicBlockRef done = ir_block(c, "deleted");
        zero(c, array_value(c, m->id, NULL, done), pm->array_size * pm->value_size);
        LLVMBuildBr(c->b, done);
        LLVMPositionBuilderAtEnd(c->b, done);
        return;
    }
    LLVMValueRef args[2] = {maps_ref(c, m->id), key_of(c, m)};
    ir_helper(c, BPF_FUNC_map_delete_elem, c->i64, args, 2);
}

/* A request is counted, never lost (user space compares the count with
 * what it has carried out), and its place among the events is sent too, so
 * that it is carried out in order with them; a place lost because the
 * buffer is full only delays it to the end of the drain. */
void maps_request(struct cg *c, int req)
{
    LLVMBasicBlockRef done = ir_block(c, "asked");
    LLVMValueRef p =
        ir_lookup(c, c->map_reqs, ir_index(c, LLVMConstInt(c->i32, (unsigned)req, 0)), done);
    LLVMValueRef old = LLVMBuildAtomicRMW(c->b, LLVMAtomicRMWBinOpAdd, p, ir_i64(c, 1),
                                          LLVMAtomicOrderingMonotonic, 0);
    LLVMValueRef args[3] = {c->map_events, ir_i64(c, sizeof(struct ev_request)), ir_i64(c, 0)};
    LLVMValueRef ev = ir_helper(c, BPF_FUNC_ringbuf_reserve, c->ptr, args, 3);
    LLVMBasicBlockRef fill = ir_block(c, "place");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, ev, LLVMConstNull(c->ptr), ""), done,
                    fill);
    LLVMPositionBuilderAtEnd(c->b, fill);
    LLVMBuildStore(c->b, ir_event_header(c, EV_REQUEST | (uint32_t)req), ev);
    LLVMBuildStore(c->b, LLVMBuildAdd(c->b, old, ir_i64(c, 1), ""), ir_at(c, ev, 8));
    LLVMValueRef sub[2] = {ev, ir_i64(c, BPF_RB_NO_WAKEUP)};
    ir_helper(c, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(c->ctx), sub, 2);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
}
