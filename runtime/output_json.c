/* The JSON backend: one object a line, in bpftrace's -f json shapes, so
 * that what reads bpftrace's output reads tinyprobe's. Beyond bpftrace, an
 * event's record says which probe sent it, and a printf's carries its
 * arguments as typed values. Every record, the run-time ones included,
 * goes to the sink. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/output.h"

static void json_event(struct output *o, const struct ev_desc *d, const void *ev, const char *probe)
{
    struct sbuf *b = &o->rec;
    bool join = !d->fmt && d->kind == EV_JOIN && d->nargs == 1;
    if (d->kind == EV_CAT || d->kind == EV_SYSTEM) {
        /* bpftrace's cat and syscall records: what was printed, as text;
         * made apart, as the action may say a warning, a record of its own */
        struct sbuf t = {0};
        bool ok = output_action(o, d, ev, probe, &t);
        if (ok) {
            if (d->kind == EV_CAT)
                SB_LIT(b, "{\"type\": \"cat\", \"data\": ");
            else
                SB_LIT(b, "{\"type\": \"syscall\", \"data\": ");
            value_json_str(b, t.p ? t.p : "", t.len);
        }
        sb_free(&t);
        if (!ok)
            return;
    } else if (d->fmt) {
        if (d->kind == EV_TIME)
            SB_LIT(b, "{\"type\": \"time\", \"data\": ");
        else
            SB_LIT(b, "{\"type\": \"printf\", \"data\": ");
        output_printf_json(b, o, d, ev, probe);
    } else if (join) {
        /* join() as a statement: bpftrace's join record, the line as text */
        SB_LIT(b, "{\"type\": \"join\", \"data\": ");
        int64_t ival;
        struct value v;
        output_arg(&v, d, 0, ev, probe, &ival);
        value_json(b, &v, &o->env);
    } else {
        /* print's one value is the data; several are an array */
        SB_LIT(b, "{\"type\": \"value\", \"data\": ");
        if (d->nargs != 1)
            sb_putc(b, '[');
    }
    if ((!d->fmt && !join) || d->kind == EV_PRINTF) {
        if (d->fmt)
            SB_LIT(b, ", \"args\": [");
        for (int i = 0; i < d->nargs; i++) {
            if (i)
                sb_put(b, ", ", 2);
            if (d->fmt && i < 64 && (o->escaped >> i & 1)) {
                /* the string as data has it, escaped already */
                sb_putc(b, '"');
                sb_room(b, o->escaped_len[i]); /* b->p may move: copy after */
                sb_put(b, b->p + o->escaped_at[i], o->escaped_len[i]);
                sb_putc(b, '"');
                continue;
            }
            int64_t ival;
            struct value v;
            output_arg(&v, d, i, ev, probe, &ival);
            value_json(b, &v, &o->env);
        }
        if (d->fmt || d->nargs != 1)
            sb_putc(b, ']');
    }
    /* the record's end, the probe's name in it, made once a probe */
    if (probe != o->probe_of_end) {
        o->end.len = 0;
        SB_LIT(&o->end, ", \"probe\": ");
        value_json_str(&o->end, probe, strlen(probe));
        SB_LIT(&o->end, "}\n");
        o->probe_of_end = probe;
    }
    sb_put(b, o->end.p, o->end.len);
    output_commit(o);
}

/* A map's key as bpftrace writes it in JSON: its parts' text joined by
 * commas. */
static void key(struct output *o, const struct plan_map *m, const unsigned char *k)
{
    o->scratch.len = 0;
    for (int i = 0; i < m->nkeys; i++) {
        if (i)
            sb_putc(&o->scratch, ',');
        struct value v = output_key_part(m, i, k);
        value_text(&o->scratch, &v, &o->env);
    }
    value_json_str(&o->rec, o->scratch.p ? o->scratch.p : "", o->scratch.len);
    sb_put(&o->rec, ": ", 2);
}

static void bound(struct sbuf *b, const char *name, int64_t v, bool is_unsigned)
{
    sb_printf(b, "\"%s\": ", name);
    value_json_int(b, v, !is_unsigned);
    sb_put(b, ", ", 2);
}

/* One key's buckets, from the first with a count to the last, with their
 * closed bounds (an open end has none), as bpftrace lists them. */
static void hist(struct output *o, const struct plan_map *m, const struct out_group *g)
{
    struct sbuf *b = &o->rec;
    sb_putc(b, '[');
    size_t i = 0;
    for (uint64_t k = g->n ? g->es[0].bucket : 0; i < g->n; k++) {
        int64_t n = 0;
        if (g->es[i].bucket == k)
            n = g->es[i++].n;
        struct plan_bucket r = plan_bucket(m, k);
        sb_puts(b, k == g->es[0].bucket ? "{" : ", {");
        if (r.has_min)
            bound(b, "min", r.min, r.is_unsigned);
        if (r.has_max)
            bound(b, "max", r.max, r.is_unsigned);
        sb_printf(b, "\"count\": %" PRId64 "}", n);
    }
    sb_putc(b, ']');
}

static void entry_value(struct output *o, const struct plan_map *m, const struct out_entry *e)
{
    struct sbuf *b = &o->rec;
    if (m->agg == AGG_STATS) {
        sb_printf(b, "{\"count\": %" PRId64 ", \"average\": ", e->n);
        value_json_int(b, output_merged(m, e), true);
        sb_puts(b, ", \"total\": ");
        value_json_int(b, e->total, true);
        sb_putc(b, '}');
    } else if (m->agg) {
        value_json_int(b, output_merged(m, e), true);
    } else {
        struct value v = output_map_value(m, e);
        value_json(b, &v, &o->env);
    }
}

static void json_map(struct output *o, const struct out_map *om)
{
    const struct plan_map *m = om->m;
    struct sbuf *b = &o->rec;
    const char *type = om->gs ? "hist" : m->agg == AGG_STATS || m->agg == AGG_AVG ? "stats" : "map";
    sb_printf(b, "{\"type\": \"%s\", \"data\": {", type);
    value_json_str(b, m->name, strlen(m->name));
    sb_put(b, ": ", 2);
    if (m->nkeys)
        sb_putc(b, '{');
    if (om->gs) {
        for (size_t g = 0; g < om->ng; g++) {
            if (g)
                sb_put(b, ", ", 2);
            if (m->nkeys)
                key(o, m, om->gs[g].key);
            hist(o, m, &om->gs[g]);
        }
    } else {
        for (size_t i = 0; i < om->n; i++) {
            if (i)
                sb_put(b, ", ", 2);
            if (m->nkeys)
                key(o, m, om->es[i].key);
            entry_value(o, m, &om->es[i]);
            if (!m->nkeys)
                break; /* a map without a key has one value */
        }
    }
    if (m->nkeys)
        sb_putc(b, '}');
    sb_put(b, "}}\n", 3);
    output_commit(o);
}

static void json_attached(struct output *o, int n)
{
    sb_printf(&o->rec,
              "{\"type\": \"attached_probes\", \"count\": %d, \"data\": {\"probes\": %d}}\n", n, n);
    output_commit(o);
}

static void json_lost(struct output *o, const struct out_lost *l)
{
    struct sbuf *b = &o->rec;
    sb_printf(b,
              "{\"type\": \"lost_events\", \"count\": %" PRIu64 ", \"data\": {\"events\": %" PRIu64,
              l->total, l->total);
    sb_puts(b, ", \"probes\": {");
    const char *sep = "";
    for (int p = 0; p < l->nprogs; p++) {
        if (!l->by[p])
            continue;
        sb_puts(b, sep);
        value_json_str(b, l->probes[p], strlen(l->probes[p]));
        sb_printf(b, ": %" PRIu64, l->by[p]);
        sep = ", ";
    }
    sb_printf(b, "}, \"unprinted\": %" PRIu64 "}}\n", l->unprinted);
    output_commit(o);
}

static void json_runtime_error(struct output *o, bool is_error, const char *msg)
{
    (void)is_error; /* bpftrace's record has no such field */
    sb_puts(&o->rec, "{\"type\": \"runtime_error\", \"msg\": ");
    value_json_str(&o->rec, msg, strlen(msg));
    sb_put(&o->rec, "}\n", 2);
    output_commit(o);
}

const struct output_ops output_json = {
    .name = "json",
    .event = json_event,
    .map = json_map,
    .attached = json_attached,
    .lost = json_lost,
    .runtime_error = json_runtime_error,
};
