/* The folded backend (-f folded): each map keyed by a stack as the lines
 * that Brendan Gregg's flamegraph.pl, inferno and speedscope read: the
 * key's other parts (comm, pid ...), then its user stacks' frames and its
 * kernel stacks', root first, joined by ';', then a space and the count.
 * What the script prints, "Attached", lost events and errors go to standard
 * error, as text, so that standard output is the folded lines alone. A
 * map without a stack in its key, or without a count, would be no folded
 * line: it is left out, and a warning says so. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"
#include "runtime/output.h"

/* Where a key part goes: its other parts first, then user stacks, then the
 * kernel's, which the user's called into. */
static int part_rank(const struct plan_key *k)
{
    if (k->ty.kind != TY_STACK)
        return 0;
    return k->ty.user ? 1 : 2;
}

bool output_folded_line(struct output *o, const struct plan_map *m, const struct out_entry *e,
                        struct sbuf *b, int64_t *count)
{
    bool stack = false;
    for (int i = 0; i < m->nkeys; i++)
        stack |= m->keys[i].ty.kind == TY_STACK;
    bool counted =
        m->agg == AGG_COUNT || m->agg == AGG_SUM || (m->agg == AGG_NONE && m->value.kind == TY_INT);
    if (!stack || !counted)
        return false;
    size_t start = b->len;
    for (int rank = 0; rank < 3; rank++)
        for (int i = 0; i < m->nkeys; i++) {
            if (part_rank(&m->keys[i]) != rank)
                continue;
            size_t before = b->len;
            if (b->len > start)
                sb_putc(b, ';');
            size_t at = b->len;
            struct value v = output_key_part(m, i, e->key);
            value_folded(b, &v, &o->env);
            if (b->len == at) /* an empty stack: no frame */
                b->len = before;
        }
    if (b->len == start)
        sb_puts(b, "[empty]");
    *count = m->agg ? output_merged(m, e) : *(const int64_t *)e->value;
    return true;
}

struct line {
    char *text;
    int64_t count;
};

static int by_text(const void *a, const void *b)
{
    return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

/* The map's lines, sorted, those alike made one: keys that differ in what
 * a folded line leaves out (a user stack's process) add up. */
static void folded_map(struct output *o, const struct out_map *om)
{
    const struct plan_map *m = om->m;
    struct line *lines = xcalloc(om->n ? om->n : 1, sizeof(*lines));
    size_t n = 0;
    struct sbuf b = {0};
    for (size_t i = 0; i < om->n; i++) {
        int64_t count;
        b.len = 0;
        if (!output_folded_line(o, m, &om->es[i], &b, &count)) {
            char msg[256];
            snprintf(msg, sizeof(msg),
                     "map %s is not printed: -f folded prints maps keyed by a stack that count "
                     "(count(), sum(), an integer)",
                     m->name);
            output_text.runtime_error(o, false, msg);
            break;
        }
        if (count > 0) /* no samples: no frame */
            lines[n++] = (struct line){xstrndup(b.p, b.len), count};
    }
    sb_free(&b);
    qsort(lines, n, sizeof(*lines), by_text);
    for (size_t i = 0; i < n; i++) {
        int64_t count = lines[i].count;
        while (i + 1 < n && strcmp(lines[i].text, lines[i + 1].text) == 0) {
            free(lines[i].text);
            count += lines[++i].count;
        }
        sb_printf(&o->rec, "%s %" PRId64 "\n", lines[i].text, count);
        free(lines[i].text);
        output_commit(o);
    }
    free(lines);
}

/* What the script prints goes to standard error, as text: standard output
 * is the folded lines alone, for flamegraph.pl to read whole. */
static void folded_event(struct output *o, const struct ev_desc *d, const void *ev,
                         const char *probe)
{
    struct sbuf t = {0};
    if (d->kind == EV_CAT || d->kind == EV_SYSTEM)
        output_action(o, d, ev, probe, &t);
    else
        output_event_text(&t, o, d, ev, probe);
    if (t.len && fwrite(t.p, 1, t.len, stderr) != t.len)
        clearerr(stderr); /* a closed standard error loses what it loses */
    sb_free(&t);
}

static void folded_attached(struct output *o, int nprobes)
{
    output_text.attached(o, nprobes);
}

static void folded_lost(struct output *o, const struct out_lost *l)
{
    output_text.lost(o, l);
}

static void folded_error(struct output *o, bool is_error, const char *msg)
{
    output_text.runtime_error(o, is_error, msg);
}

const struct output_ops output_folded = {
    .name = "folded",
    .event = folded_event,
    .map = folded_map,
    .attached = folded_attached,
    .lost = folded_lost,
    .runtime_error = folded_error,
};
