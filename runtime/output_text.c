/* The text backend: what a person reads, as bpftrace prints it. Events and
 * maps go to the sink; "Attached", lost events and run-time errors to
 * standard error. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/output.h"

static void text_event(struct output *o, const struct ev_desc *d, const void *ev, const char *probe)
{
    struct sbuf *b = &o->rec;
    if (d->kind == EV_CAT || d->kind == EV_SYSTEM) {
        /* made apart: the action may say a warning, a record of its own */
        struct sbuf t = {0};
        if (output_action(o, d, ev, probe, &t) && t.len) {
            sb_put(b, t.p, t.len);
            if (t.p[t.len - 1] != '\n') /* a line is never left open for the next record */
                sb_putc(b, '\n');
            output_commit(o);
        }
        sb_free(&t);
        return;
    }
    output_event_text(b, o, d, ev, probe);
    output_commit(o);
}

void output_event_text(struct sbuf *b, struct output *o, const struct ev_desc *d, const void *ev,
                       const char *probe)
{
    if (d->fmt) {
        output_printf_text(b, o, d, ev, probe);
        return;
    }
    for (int i = 0; i < d->nargs; i++) {
        if (i)
            sb_putc(b, ' ');
        int64_t ival;
        struct value v;
        output_arg(&v, d, i, ev, probe, &ival);
        value_text(b, &v, &o->env);
    }
    sb_putc(b, '\n');
}

/* NAME or NAME[k1, k2] */
static void name_key(struct output *o, const struct plan_map *m, const unsigned char *key)
{
    sb_puts(&o->rec, m->name);
    if (!m->nkeys)
        return;
    sb_putc(&o->rec, '[');
    for (int i = 0; i < m->nkeys; i++) {
        if (i)
            sb_put(&o->rec, ", ", 2);
        struct value v = output_key_part(m, i, key);
        value_text(&o->rec, &v, &o->env);
    }
    sb_putc(&o->rec, ']');
}

/* 2^k as a histogram's label says it: 512, 1K, 2M, 16E */
static void pow2_label(struct sbuf *b, unsigned k)
{
    static const char units[] = " KMGTPE";
    unsigned u = k / 10 > 6 ? 6 : k / 10;
    unsigned long long v = 1ull << (k - 10 * u);
    if (u)
        sb_printf(b, "%llu%c", v, units[u]);
    else
        sb_printf(b, "%llu", v);
}

/* A bucket as bpftrace labels it: [lo, hi) with hist's powers of 2 in
 * short form, (..., lo) and [hi, ...) for the open ends. */
static void bucket_label(struct sbuf *b, const struct plan_map *m, uint64_t i)
{
    struct plan_bucket r = plan_bucket(m, i);
    if (!r.has_min) {
        sb_printf(b, "(..., %" PRId64 ")", r.max + 1);
    } else if (!r.has_max) {
        sb_printf(b, "[%" PRId64 ", ...)", r.min);
    } else if (m->agg == AGG_HIST && i <= 2) {
        sb_printf(b, "[%" PRId64 "]", r.min);
    } else if (m->agg == AGG_HIST) {
        sb_putc(b, '[');
        pow2_label(b, (unsigned)(i - 2));
        sb_put(b, ", ", 2);
        pow2_label(b, (unsigned)(i - 1));
        sb_putc(b, ')');
    } else {
        sb_printf(b, "[%" PRId64 ", %" PRId64 ")", r.min, r.max + 1);
    }
}

#define BAR_WIDTH 52

/* A histogram, as bpftrace draws it: from the first bucket with a count to
 * the last, each with its count and a bar scaled to the largest. */
static void hist(struct output *o, const struct plan_map *m, const struct out_group *g)
{
    name_key(o, m, g->key);
    sb_put(&o->rec, ":\n", 2);
    int64_t max = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->es[i].n > max)
            max = g->es[i].n;
    size_t i = 0;
    struct sbuf label = {0};
    for (uint64_t b = g->n ? g->es[0].bucket : 0; i < g->n; b++) {
        int64_t n = 0;
        if (g->es[i].bucket == b)
            n = g->es[i++].n;
        label.len = 0;
        bucket_label(&label, m, b);
        int bar = max > 0 && n > 0 ? (int)((double)n * BAR_WIDTH / (double)max) : 0;
        sb_printf(&o->rec, "%-16s %7lld |%.*s%*s|\n", label.p, (long long)n, bar,
                  "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", BAR_WIDTH - bar, "");
    }
    sb_free(&label);
    sb_putc(&o->rec, '\n');
    output_commit(o);
}

static void text_map(struct output *o, const struct out_map *om)
{
    const struct plan_map *m = om->m;
    if (o->blank_owed) { /* at exit, a blank line before the first map */
        sb_putc(&o->rec, '\n');
        o->blank_owed = false;
    }
    if (om->gs) {
        for (size_t g = 0; g < om->ng; g++)
            hist(o, m, &om->gs[g]);
        return;
    }
    for (size_t i = 0; i < om->n; i++) {
        const struct out_entry *e = &om->es[i];
        name_key(o, m, e->key);
        sb_put(&o->rec, ": ", 2);
        if (m->agg == AGG_STATS) {
            sb_printf(&o->rec, "count %" PRId64 ", average %" PRId64 ", total %" PRId64, e->n,
                      output_merged(m, e), e->total);
        } else if (m->agg) {
            sb_printf(&o->rec, "%" PRId64, output_merged(m, e));
        } else {
            struct value v = output_map_value(m, e);
            value_text(&o->rec, &v, &o->env);
        }
        sb_putc(&o->rec, '\n');
        output_commit(o);
    }
    if (m->nkeys) {
        sb_putc(&o->rec, '\n');
        output_commit(o);
    }
}

static void text_maps_begin(struct output *o)
{
    o->blank_owed = true;
}

static void text_attached(struct output *o, int n)
{
    (void)o;
    fprintf(stderr, "Attached %d probe%s\n", n, n == 1 ? "" : "s");
}

/* "Lost 12 events: tracepoint:syscalls:sys_enter_openat 9, interval:s:1 3" */
static void text_lost(struct output *o, const struct out_lost *l)
{
    fprintf(stderr, "Lost %" PRIu64 " event%s:", l->total, l->total == 1 ? "" : "s");
    const char *sep = " ";
    for (int p = 0; p < l->nprogs; p++) {
        if (!l->by[p])
            continue;
        fprintf(stderr, "%s%s %" PRIu64, sep, l->probes[p], l->by[p]);
        sep = ", ";
    }
    fputc('\n', stderr);
    if (l->total > l->unprinted)
        diag_note(o->src, "the event buffer was full; raise it with --buffer-size");
    if (l->unprinted)
        diag_note(o->src,
                  "%" PRIu64 " of them were still in the buffer when tinyprobe stopped, and could "
                  "not be printed within %d ms",
                  l->unprinted, l->stop_drain_ms);
}

static void text_runtime_error(struct output *o, bool is_error, const char *msg)
{
    if (is_error)
        diag_sys_error(o->src, "%s", msg);
    else
        diag_sys_warning(o->src, "%s", msg);
}

const struct output_ops output_text = {
    .name = "text",
    .event = text_event,
    .map = text_map,
    .maps_begin = text_maps_begin,
    .attached = text_attached,
    .lost = text_lost,
    .runtime_error = text_runtime_error,
};
