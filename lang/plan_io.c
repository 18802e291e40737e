/* The plan as bytes, for a compiled script (runtime/tpo.c): written after
 * the checks, read back by a run that has no tree and no compiler. What the
 * layout derives (keys' offsets, slots, caches) is not written: the reader
 * lays the maps out again with plan_layout, for the CPUs the object was made
 * for, so a file cannot claim a layout its maps do not have. Everything read
 * is checked as the runtime relies on it: each type's size and table index,
 * each event argument inside its event, each record field inside its record,
 * each printf spec one that fmt_parse would have kept. */
#include <stdlib.h>
#include <string.h>

#include "lang/arena.h"
#include "lang/event.h"
#include "lang/plan.h"
#include "lang/printf.h"
#include "lang/wire.h"
#include "lang/xalloc.h"

/* Bounds on what a file may hold: far beyond any script the checks pass. */
#define IO_NAME_MAX   4096
#define IO_TEXT_MAX   (1u << 20)
#define IO_TABLE_MAX  (1u << 20)
#define IO_SIZE_MAX   (1 << 24)
#define IO_ARGS_MAX   4096
#define IO_FIELDS_MAX 4096

void plan_put_loc(struct wire_out *o, struct tp_loc l)
{
    wire_put_u32(o, (uint32_t)l.first_line);
    wire_put_u32(o, (uint32_t)l.first_column);
    wire_put_u32(o, (uint32_t)l.last_line);
    wire_put_u32(o, (uint32_t)l.last_column);
}

/* A place in the script: messages quote its line, which diag finds or not,
 * so any non-negative numbers will do. */
struct tp_loc plan_get_loc(struct wire_in *in)
{
    struct tp_loc l;
    l.first_line = (int)wire_upto(in, INT32_MAX, "a line");
    l.first_column = (int)wire_upto(in, INT32_MAX, "a column");
    l.last_line = (int)wire_upto(in, INT32_MAX, "a line");
    l.last_column = (int)wire_upto(in, INT32_MAX, "a column");
    return l;
}

static void put_ty(struct wire_out *o, struct ty t)
{
    wire_put_u8(o, (uint8_t)t.kind);
    wire_put_u8(o, t.is_signed);
    wire_put_u32(o, (uint32_t)t.size);
    wire_put_u8(o, t.user);
    wire_put_u32(o, t.btf);
    wire_put_u32(o, (uint32_t)t.rec);
    wire_put_u8(o, t.mode);
}

/* A type whose tables (records, enums, stacks) are known: sizes the kind
 * allows and an index into its table. */
static bool ty_ok(struct wire_in *in, const struct plan *p, struct ty t)
{
    if (wire_bad(in))
        return false;
    if (t.size < 0 || t.size > IO_SIZE_MAX)
        return wire_fail(in, "a value of %d bytes", t.size);
    switch (t.kind) {
    case TY_INT:
        if (t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8)
            return wire_fail(in, "an integer of %d bytes", t.size);
        if (t.rec < 0 || t.rec > p->nenums)
            return wire_fail(in, "an integer names enum %d of %d", t.rec, p->nenums);
        return true;
    case TY_RECORD:
    case TY_TUPLE:
        if (t.rec < 0 || t.rec >= p->nrecords)
            return wire_fail(in, "a value names record %d of %d", t.rec, p->nrecords);
        if ((unsigned)t.size < p->records[t.rec].size)
            return wire_fail(in, "a value of %d bytes holds a record of %u", t.size,
                             p->records[t.rec].size);
        return true;
    case TY_STACK:
        if (t.rec < 0 || t.rec >= p->nstacks)
            return wire_fail(in, "a stack names table %d of %d", t.rec, p->nstacks);
        if (t.size != TY_STACK_SIZE && t.size != TY_STACK_CAPTURE)
            return wire_fail(in, "a stack of %d bytes", t.size);
        if (t.mode > STACK_RAW)
            return wire_fail(in, "a stack printed in mode %d", t.mode);
        return true;
    case TY_STR: return t.size >= 1 || wire_fail(in, "a string of no bytes");
    case TY_BUF: return t.size <= TY_BUF_MAX || wire_fail(in, "a buffer of %d bytes", t.size);
    case TY_JOIN: return t.size <= 4096 || wire_fail(in, "a join() of %d-byte strings", t.size);
    case TY_TIME:
    case TY_PTR:
    case TY_ARRAY:
    case TY_INET:
    case TY_CGPATH:
    case TY_SYM: return true;
    default: return wire_fail(in, "a value of kind %d", (int)t.kind);
    }
}

static struct ty read_ty(struct wire_in *in)
{
    struct ty t = {0};
    t.kind = (enum ty_kind)wire_enum(in, TY_KINDS - 1, "a value's kind");
    t.is_signed = wire_bool(in);
    t.size = (int)wire_upto(in, IO_SIZE_MAX, "a value's size");
    t.user = wire_bool(in);
    t.btf = wire_u32(in);
    t.rec = (int)wire_u32(in);
    t.mode = wire_u8(in);
    return t;
}

static const char *get_str(struct wire_in *in, struct arena *a, size_t max)
{
    size_t n;
    const char *s = wire_strn(in, max, &n);
    return arena_strndup(a, s, n);
}

/* ---- writing ---- */

static void put_records(struct wire_out *o, const struct plan *p)
{
    wire_put_u32(o, (uint32_t)p->nrecords);
    for (int i = 0; i < p->nrecords; i++) {
        const struct plan_record *r = &p->records[i];
        wire_put_str(o, r->name);
        wire_put_u8(o, r->tuple);
        wire_put_u32(o, r->btf);
        wire_put_u32(o, r->size);
        wire_put_u32(o, (uint32_t)r->nfields);
        for (int k = 0; k < r->nfields; k++) {
            const struct plan_field *f = &r->fields[k];
            wire_put_str(o, f->name);
            wire_put_u32(o, f->off);
            put_ty(o, f->ty);
            wire_put_u32(o, f->count);
            wire_put_u8(o, f->bit_off);
            wire_put_u8(o, f->bit_size);
        }
    }
}

static void put_maps(struct wire_out *o, const struct plan *p)
{
    wire_put_u32(o, (uint32_t)p->nmaps);
    for (int i = 0; i < p->nmaps; i++) {
        const struct plan_map *m = &p->maps[i];
        wire_put_str(o, m->name);
        wire_put_u32(o, (uint32_t)m->nkeys);
        for (int k = 0; k < m->nkeys; k++)
            put_ty(o, m->keys[k].ty);
        wire_put_u8(o, (uint8_t)m->agg);
        put_ty(o, m->value);
        plan_put_loc(o, m->key_at);
        plan_put_loc(o, m->value_at);
        wire_put_u64(o, (uint64_t)m->lhist_min);
        wire_put_u64(o, (uint64_t)m->lhist_max);
        wire_put_u64(o, (uint64_t)m->lhist_step);
        wire_put_u8(o, m->deleted);
        wire_put_u8(o, m->deferred);
    }
}

static void put_events(struct wire_out *o, const struct plan *p)
{
    wire_put_u32(o, (uint32_t)p->nevents);
    for (int i = 0; i < p->nevents; i++) {
        const struct ev_desc *d = &p->events[i];
        wire_put_u8(o, d->laid_out);
        if (!d->laid_out)
            continue;
        wire_put_u8(o, (uint8_t)d->kind);
        wire_put_u32(o, d->size);
        wire_put_u8(o, d->fmt != NULL);
        if (d->fmt) {
            wire_put_u32(o, (uint32_t)d->fmt->nconvs);
            for (int k = 0; k <= d->fmt->nconvs; k++) {
                const struct fmt_conv *c = &d->fmt->convs[k];
                wire_put_strn(o, c->lit, c->litlen);
                wire_put_str(o, c->spec);
                wire_put_u8(o, (uint8_t)c->conv);
                wire_put_u8(o, (uint8_t)c->len);
                plan_put_loc(o, c->at);
            }
        }
        wire_put_u32(o, (uint32_t)d->nargs);
        for (int k = 0; k < d->nargs; k++) {
            const struct ev_arg *a = &d->args[k];
            put_ty(o, a->ty);
            wire_put_u8(o, (uint8_t)a->src);
            wire_put_u32(o, a->off);
            wire_put_u8(o, a->text != NULL);
            if (a->text)
                wire_put_strn(o, a->text, a->textlen);
            wire_put_u64(o, (uint64_t)a->ival);
        }
    }
}

static void put_points(struct wire_out *o, const struct plan *p)
{
    wire_put_u32(o, (uint32_t)p->points.n);
    for (int i = 0; i < p->points.n; i++) {
        const struct probe_point *pt = p->points.v[i];
        wire_put_str(o, pt->kind->name);
        wire_put_str(o, pt->target);
        wire_put_u32(o, (uint32_t)pt->nargs);
        wire_put_u8(o, pt->void_return);
        wire_put_u32(o, (uint32_t)pt->nfields);
        for (int k = 0; k < pt->nfields; k++) {
            const struct probe_field *f = &pt->fields[k];
            wire_put_str(o, f->name);
            wire_put_str(o, f->decl);
            wire_put_u8(o, (uint8_t)f->kind);
            wire_put_u32(o, (uint32_t)f->offset);
            wire_put_u32(o, (uint32_t)f->size);
            wire_put_u8(o, f->is_signed);
        }
    }
}

void plan_write(struct wire_out *o, const struct plan *p, int ncpus)
{
    wire_put_u32(o, (uint32_t)ncpus);
    put_records(o, p);
    wire_put_u32(o, (uint32_t)p->nenums);
    for (int i = 0; i < p->nenums; i++) {
        const struct plan_enum *e = &p->enums[i];
        wire_put_u32(o, (uint32_t)e->n);
        for (int k = 0; k < e->n; k++) {
            wire_put_str(o, e->names[k]);
            wire_put_u64(o, (uint64_t)e->values[k]);
        }
    }
    wire_put_u32(o, (uint32_t)p->nstacks);
    for (int i = 0; i < p->nstacks; i++) {
        wire_put_u8(o, p->stacks[i].user);
        wire_put_u32(o, (uint32_t)p->stacks[i].depth);
        wire_put_u8(o, p->stacks[i].dwarf);
    }
    put_maps(o, p);
    wire_put_u32(o, (uint32_t)p->nreqs);
    for (int i = 0; i < p->nreqs; i++) {
        wire_put_u8(o, (uint8_t)p->reqs[i].kind);
        wire_put_u32(o, (uint32_t)p->reqs[i].map);
        wire_put_u64(o, (uint64_t)p->reqs[i].top);
    }
    put_events(o, p);
    wire_put_u8(o, p->user_symbols);
    wire_put_u8(o, p->uses_cpid);
    wire_put_u8(o, p->unsafe);
    put_points(o, p);
}

/* ---- reading ---- */

/* The most values one record prints (members, array elements, nested
 * records' members): a struct the checks keep is at most PLAN_RECORD_MAX
 * bytes, so its printers show a few thousand; a file's records that nest or
 * overlap to print more would keep a run printing one value for ever. */
#define IO_RECORD_VALUES (1u << 20)

/* Record `rec`'s depth and the values it prints, each found once (a file's
 * records may each name the next many times over: walked without memory,
 * the walk is exponential); a cycle is as deep as it is refused. */
static bool record_walk(struct wire_in *in, const struct plan *p, int rec, unsigned char *depth,
                        uint64_t *values)
{
    if (depth[rec] == 0xff)
        return wire_fail(in, "records nest deeper than %d", PLAN_RECORD_DEPTH);
    if (depth[rec])
        return true;
    depth[rec] = 0xff; /* being walked: reached again, it is a cycle */
    const struct plan_record *r = &p->records[rec];
    unsigned deepest = 0;
    uint64_t n = 0;
    for (int k = 0; k < r->nfields; k++) {
        const struct plan_field *f = &r->fields[k];
        uint64_t each = 1;
        if (f->ty.kind == TY_RECORD || f->ty.kind == TY_TUPLE) {
            if (!record_walk(in, p, f->ty.rec, depth, values))
                return false;
            if (depth[f->ty.rec] > deepest)
                deepest = depth[f->ty.rec];
            each = values[f->ty.rec] ? values[f->ty.rec] : 1;
        }
        n += each * (f->count ? f->count : 1); /* each and count are bounded: no overflow */
        if (n > IO_RECORD_VALUES)
            return wire_fail(in, "%s prints more than %u values", r->name, IO_RECORD_VALUES);
    }
    /* the checks lay out records PLAN_RECORD_DEPTH below the one kept,
     * and the printers go as deep */
    if (deepest > PLAN_RECORD_DEPTH)
        return wire_fail(in, "records nest deeper than %d", PLAN_RECORD_DEPTH);
    depth[rec] = (unsigned char)(deepest + 1);
    values[rec] = n;
    return true;
}

static void get_records(struct wire_in *in, struct plan *p)
{
    in->what = "the records";
    p->nrecords = p->caprecords = (int)wire_count(in, IO_TABLE_MAX, 17, "the records");
    p->records = arena_alloc(p->arena, (size_t)p->nrecords * sizeof(*p->records));
    for (int i = 0; i < p->nrecords && !wire_bad(in); i++) {
        struct plan_record *r = &p->records[i];
        r->name = get_str(in, p->arena, IO_NAME_MAX);
        r->tuple = wire_bool(in);
        r->btf = wire_u32(in);
        r->size = wire_upto(in, IO_SIZE_MAX, "a record's size");
        r->nfields = (int)wire_count(in, IO_FIELDS_MAX, 26, "a record's fields");
        r->fields = arena_alloc(p->arena, (size_t)r->nfields * sizeof(*r->fields));
        for (int k = 0; k < r->nfields && !wire_bad(in); k++) {
            struct plan_field *f = &r->fields[k];
            f->name = get_str(in, p->arena, IO_NAME_MAX);
            f->off = wire_upto(in, IO_SIZE_MAX, "a field's offset");
            f->ty = read_ty(in);
            f->count = wire_upto(in, IO_SIZE_MAX, "an array's length");
            f->bit_off = wire_u8(in);
            f->bit_size = wire_u8(in);
        }
    }
}

/* The records' fields, once the tables they may name are read: a tuple
 * holds stacks, and each field lies inside its record. */
static void check_records(struct wire_in *in, struct plan *p)
{
    in->what = "the records";
    for (int i = 0; i < p->nrecords && !wire_bad(in); i++) {
        const struct plan_record *r = &p->records[i];
        for (int k = 0; k < r->nfields && !wire_bad(in); k++) {
            const struct plan_field *f = &r->fields[k];
            uint64_t each = r->tuple ? ty_store_size(f->ty) : ty_mem_size(f->ty);
            uint64_t end = f->off + each * (f->count ? f->count : 1);
            if (!ty_ok(in, p, f->ty))
                break;
            if (!each)
                wire_fail(in, "%s's field %s takes no bytes", r->name, f->name);
            else if (f->bit_size && (f->bit_size > 64 || f->bit_off + f->bit_size > 64 ||
                                     f->off + (f->bit_off + f->bit_size + 7u) / 8 > r->size))
                wire_fail(in, "%s's bitfield %s lies past it", r->name, f->name);
            else if (!f->bit_size && end > r->size)
                wire_fail(in, "%s's field %s lies past its %u bytes", r->name, f->name, r->size);
        }
    }
    if (wire_bad(in) || !p->nrecords)
        return;
    unsigned char *depth = xcalloc((size_t)p->nrecords, 1);
    uint64_t *values = xcalloc((size_t)p->nrecords, sizeof(*values));
    for (int i = 0; i < p->nrecords && !wire_bad(in); i++)
        record_walk(in, p, i, depth, values);
    free(depth);
    free(values);
}

static void get_tables(struct wire_in *in, struct plan *p)
{
    in->what = "the enums";
    p->nenums = p->capenums = (int)wire_count(in, IO_TABLE_MAX, 4, "the enums");
    p->enums = arena_alloc(p->arena, (size_t)p->nenums * sizeof(*p->enums));
    for (int i = 0; i < p->nenums && !wire_bad(in); i++) {
        struct plan_enum *e = &p->enums[i];
        e->n = (int)wire_count(in, PLAN_ENUM_MAX, 12, "an enum's values");
        e->names = arena_alloc(p->arena, (size_t)e->n * sizeof(*e->names));
        e->values = arena_alloc(p->arena, (size_t)e->n * sizeof(*e->values));
        for (int k = 0; k < e->n && !wire_bad(in); k++) {
            e->names[k] = get_str(in, p->arena, IO_NAME_MAX);
            e->values[k] = (int64_t)wire_u64(in);
        }
    }
    in->what = "the stack tables";
    p->nstacks = p->capstacks = (int)wire_count(in, PLAN_STACKS_MAX, 6, "the stack tables");
    p->stacks = arena_alloc(p->arena, (size_t)p->nstacks * sizeof(*p->stacks));
    for (int i = 0; i < p->nstacks && !wire_bad(in); i++) {
        p->stacks[i].user = wire_bool(in);
        p->stacks[i].depth = (int)wire_upto(in, TY_STACK_DEPTH_MAX, "a stack's depth");
        p->stacks[i].dwarf = wire_bool(in);
    }
}

static void get_maps(struct wire_in *in, struct plan *p)
{
    in->what = "the maps";
    p->nmaps = p->capmaps = (int)wire_count(in, IO_TABLE_MAX, 90, "the maps");
    p->maps = arena_alloc(p->arena, (size_t)p->nmaps * sizeof(*p->maps));
    for (int i = 0; i < p->nmaps && !wire_bad(in); i++) {
        struct plan_map *m = &p->maps[i];
        m->name = get_str(in, p->arena, IO_NAME_MAX);
        m->nkeys = (int)wire_upto(in, PLAN_KEYS_MAX, "a map's keys");
        for (int k = 0; k < m->nkeys; k++)
            m->keys[k].ty = read_ty(in);
        m->agg = (enum plan_agg)wire_enum(in, AGG_LHIST, "an aggregation");
        m->value = read_ty(in);
        m->key_at = plan_get_loc(in);
        m->value_at = plan_get_loc(in);
        m->lhist_min = (int64_t)wire_u64(in);
        m->lhist_max = (int64_t)wire_u64(in);
        m->lhist_step = (int64_t)wire_u64(in);
        m->deleted = wire_bool(in);
        m->deferred = wire_bool(in);
        for (int k = 0; k < m->nkeys && !wire_bad(in); k++)
            if (ty_ok(in, p, m->keys[k].ty) && ty_store_size(m->keys[k].ty) == 0)
                wire_fail(in, "map %s has a key of no bytes", m->name);
        if (wire_bad(in) || !ty_ok(in, p, m->value))
            break;
        m->value_size = m->agg ? plan_agg_size(m->agg) : (unsigned)ty_store_size(m->value);
        if (!m->value_size)
            wire_fail(in, "map %s has a value of no bytes", m->name);
        /* the bounds the checks put on lhist(), so the layout's arithmetic
         * cannot overflow */
        /* user space makes these updates (runtime/stacks.c): the checks
         * allow them for the aggregations it knows how to make */
        if (m->deferred && (m->agg == AGG_NONE || m->agg == AGG_HIST || m->agg == AGG_LHIST))
            wire_fail(in, "map %s's updates are made in user space, and it is a %s", m->name,
                      m->agg ? plan_agg_name(m->agg) : "plain map");
        int64_t range;
        if (m->agg == AGG_LHIST &&
            (m->lhist_step <= 0 || m->lhist_max <= m->lhist_min ||
             __builtin_sub_overflow(m->lhist_max, m->lhist_min, &range) || range % m->lhist_step ||
             range / m->lhist_step > PLAN_LHIST_MAX - 2))
            wire_fail(in, "map %s's lhist() bounds are not ones the checks allow", m->name);
    }
}

static void get_fmt(struct wire_in *in, struct plan *p, struct ev_desc *d)
{
    struct fmt_spec *f = arena_alloc(p->arena, sizeof(*f));
    f->nconvs = (int)wire_count(in, IO_ARGS_MAX, 26, "a format's conversions");
    f->convs = arena_alloc(p->arena, (size_t)(f->nconvs + 1) * sizeof(*f->convs));
    for (int k = 0; k <= f->nconvs && !wire_bad(in); k++) {
        struct fmt_conv *c = &f->convs[k];
        size_t n;
        const char *lit = wire_blob(in, IO_TEXT_MAX, &n);
        c->lit = arena_strndup(p->arena, lit, n);
        c->litlen = n;
        const char *spec = wire_strn(in, sizeof(c->spec) - 1, &n);
        memcpy(c->spec, spec, n);
        c->conv = (char)wire_u8(in);
        c->len = (char)wire_u8(in);
        c->at = plan_get_loc(in);
        bool tail = k == f->nconvs;
        if (tail ? c->conv != 0 : !c->conv || !strchr("diuxXocspr", c->conv))
            wire_fail(in, "a conversion '%c' is not one printf takes", c->conv ? c->conv : '0');
        else if (!fmt_spec_ok(c->spec) || (c->len && !strchr("lhH", c->len)))
            wire_fail(in, "a conversion's flags \"%s\" are not ones printf takes", c->spec);
    }
    d->fmt = f;
}

/* An event as the printers take it: cat() and system() print their text
 * with their format, and printf's integer conversions read 8 bytes of an
 * integer or an address (the checks allow no other), where %s and %r
 * print any value. */
static void event_ok(struct wire_in *in, const struct ev_desc *d)
{
    if ((d->kind == EV_CAT || d->kind == EV_SYSTEM) && !d->fmt) {
        wire_fail(in, "a cat() or system() without its format");
        return;
    }
    for (int k = 0; d->fmt && k < d->fmt->nconvs && k < d->nargs; k++) {
        const struct ev_arg *a = &d->args[k];
        char conv = d->fmt->convs[k].conv;
        bool word = (a->src == EV_SRC_EVENT && (a->ty.kind == TY_INT || a->ty.kind == TY_PTR)) ||
                    (a->src == EV_SRC_CONST && a->ty.kind == TY_INT);
        if (conv != 's' && conv != 'r' && !word) {
            wire_fail(in, "'%%%c' takes an integer, and its argument is not one", conv);
            return;
        }
    }
}

static void get_events(struct wire_in *in, struct plan *p, unsigned event_max)
{
    in->what = "the events";
    p->nevents = p->capevents = (int)wire_count(in, IO_TABLE_MAX, 1, "the events");
    p->events = arena_alloc(p->arena, (size_t)p->nevents * sizeof(*p->events));
    for (int i = 0; i < p->nevents && !wire_bad(in); i++) {
        struct ev_desc *d = &p->events[i];
        d->laid_out = wire_bool(in);
        if (!d->laid_out)
            continue;
        d->kind = (enum ev_kind)wire_enum(in, EV_SYSTEM, "an event's kind");
        d->size = wire_upto(in, event_max, "an event's size");
        if (d->size < sizeof(struct ev_header))
            wire_fail(in, "an event of %u bytes is shorter than its header", d->size);
        if (wire_bool(in))
            get_fmt(in, p, d);
        d->nargs = (int)wire_count(in, IO_ARGS_MAX, 23, "an event's arguments");
        d->args = arena_alloc(p->arena, (size_t)d->nargs * sizeof(*d->args));
        for (int k = 0; k < d->nargs && !wire_bad(in); k++) {
            struct ev_arg *a = &d->args[k];
            a->ty = read_ty(in);
            a->src = (enum ev_src)wire_enum(in, EV_SRC_PROBE, "an argument's source");
            a->off = wire_u32(in);
            if (wire_bool(in)) {
                size_t n;
                const char *t = wire_blob(in, IO_TEXT_MAX, &n);
                a->text = arena_strndup(p->arena, t, n);
                a->textlen = n;
            }
            a->ival = (int64_t)wire_u64(in);
            if (!ty_ok(in, p, a->ty))
                break;
            /* a constant that is not an integer is printed as its text */
            if (a->src == EV_SRC_CONST && a->ty.kind != TY_INT && !a->text)
                wire_fail(in, "a constant argument without its text");
            if (a->src == EV_SRC_EVENT && (a->off < sizeof(struct ev_header) || a->off > d->size ||
                                           ty_store_size(a->ty) > d->size - a->off))
                wire_fail(in, "an argument at %u lies past its event of %u bytes", a->off, d->size);
            if (a->ty.kind == TY_TIME && a->textlen > TY_TIME_FMT_MAX)
                wire_fail(in, "a strftime() format longer than %d bytes", TY_TIME_FMT_MAX);
        }
        if (!wire_bad(in))
            event_ok(in, d);
    }
}

static void get_points(struct wire_in *in, struct plan *p)
{
    in->what = "the probes";
    int n = (int)wire_count(in, IO_TABLE_MAX, 17, "the probes");
    for (int i = 0; i < n && !wire_bad(in); i++) {
        size_t len;
        const char *kind = wire_strn(in, 64, &len);
        const struct probe_kind *k = probe_kind_find(kind, len);
        if (!k || strlen(k->name) != len || strncmp(k->name, kind, len)) {
            wire_fail(in, "no probe kind is called '%.*s'", (int)len, kind);
            break;
        }
        const char *target = wire_strn(in, IO_NAME_MAX, &len);
        char *t = xstrndup(target, len);
        struct probe_point *pt = probe_point_add(&p->points, k, t);
        free(t);
        pt->nargs = (int)wire_upto(in, PROBE_ARGS_MAX, "a probe's arguments");
        pt->void_return = wire_bool(in);
        pt->nfields = (int)wire_count(in, IO_FIELDS_MAX, 19, "a probe's fields");
        pt->fields = xcalloc((size_t)pt->nfields + 1, sizeof(*pt->fields));
        for (int f = 0; f < pt->nfields; f++) {
            struct probe_field *fd = &pt->fields[f];
            const char *s = wire_strn(in, IO_NAME_MAX, &len);
            fd->name = xstrndup(s, len);
            s = wire_strn(in, IO_NAME_MAX, &len);
            fd->decl = xstrndup(s, len);
            fd->kind = (enum field_kind)wire_enum(in, FIELD_BYTES, "a field's kind");
            fd->offset = (int)wire_upto(in, IO_SIZE_MAX, "a field's offset");
            fd->size = (int)wire_upto(in, IO_SIZE_MAX, "a field's size");
            fd->is_signed = wire_bool(in);
        }
    }
}

int plan_read(struct wire_in *in, struct plan *p, unsigned event_max, int *ncpus)
{
    in->what = "the plan";
    *ncpus = (int)wire_upto(in, PLAN_CPUS_MAX, "the CPUs");
    if (*ncpus < 1)
        wire_fail(in, "made for no CPU");
    get_records(in, p);
    get_tables(in, p);
    check_records(in, p);
    get_maps(in, p);
    in->what = "the requests";
    p->nreqs = p->capreqs = (int)wire_count(in, IO_TABLE_MAX, 13, "the requests");
    p->reqs = arena_alloc(p->arena, (size_t)p->nreqs * sizeof(*p->reqs));
    for (int i = 0; i < p->nreqs && !wire_bad(in); i++) {
        struct plan_req *r = &p->reqs[i];
        r->kind = (enum plan_req_kind)wire_enum(in, REQ_ZERO, "a request's kind");
        r->map = (int)wire_u32(in);
        r->top = (int64_t)wire_u64(in);
        if (r->map < 0 || r->map >= p->nmaps || r->top < 0)
            wire_fail(in, "a request names map %d of %d", r->map, p->nmaps);
    }
    get_events(in, p, event_max);
    in->what = "the plan";
    p->user_symbols = wire_bool(in);
    p->uses_cpid = wire_bool(in);
    p->unsafe = wire_bool(in);
    /* system() runs a command: the run holds plan.unsafe against --unsafe,
     * so no event may run one behind it */
    for (int i = 0; i < p->nevents && !wire_bad(in); i++)
        if (p->events[i].laid_out && p->events[i].kind == EV_SYSTEM && !p->unsafe)
            wire_fail(in, "a system() in a plan that says it calls none");
    get_points(in, p);
    if (wire_bad(in))
        return -1;
    plan_layout(p, *ncpus);
    return 0;
}
