/* What the output backends share: the records' values read out of events
 * and maps by their layouts, printf's text, and writing a record out. */
#include "runtime/output.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "lang/printf.h"

const struct output_ops *output_find(const char *name)
{
    static const struct output_ops *const all[] = {&output_text, &output_json, &output_folded};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

void output_commit(struct output *o)
{
    sink_put(o->sink, o->rec.p, o->rec.len);
    o->rec.len = 0;
    if (o->buffering != OUT_BUF_FULL)
        sink_flush(o->sink);
}

void output_free(struct output *o)
{
    sb_free(&o->rec);
    sb_free(&o->scratch);
    sb_free(&o->end);
}

void output_arg(struct value *v, const struct ev_desc *d, int i, const void *ev, const char *probe,
                int64_t *ival)
{
    /* filled in place: a value returned by copy costs a stall a value, on
     * the path of every event */
    const struct ev_arg *a = &d->args[i];
    v->ty = a->ty;
    v->text = a->text;
    v->textlen = a->textlen;
    switch (a->src) {
    case EV_SRC_EVENT: v->data = (const char *)ev + a->off; break;
    case EV_SRC_PROBE:
        v->ty = ty_str((int)strlen(probe) + 1);
        v->data = probe;
        break;
    case EV_SRC_CONST:
        if (a->ty.kind == TY_INT) {
            *ival = a->ival;
            v->data = ival;
        } else { /* a literal: its text, cut at a NUL as the checks cut it */
            v->ty = ty_str((int)a->textlen + 1);
            v->data = a->text;
        }
        break;
    }
}

struct value output_key_part(const struct plan_map *m, int k, const unsigned char *key)
{
    return (struct value){.ty = m->keys[k].ty, .data = key + m->keys[k].off};
}

struct value output_map_value(const struct plan_map *m, const struct out_entry *e)
{
    /* a join() kept in a map was made with the default separator */
    return (struct value){.ty = m->value, .data = e->value, .text = " ", .textlen = 1};
}

int64_t output_merged(const struct plan_map *m, const struct out_entry *e)
{
    switch (m->agg) {
    case AGG_AVG:
    case AGG_STATS: return e->n ? e->total / e->n : 0;
    default: return e->n;
    }
}

/* %s's flags, width and precision, applied in place to the text from `start`
 * to the end, without formatting it again. */
static void pad(struct sbuf *b, size_t start, const char *spec)
{
    if (!*spec)
        return;
    bool left = false;
    while (*spec && strchr("-+ #0", *spec))
        left |= *spec++ == '-';
    char *end;
    size_t width = strtoul(spec, &end, 10), len = b->len - start;
    if (width > FMT_WIDTH_MAX) /* the checks refuse more; this is hostile input */
        width = FMT_WIDTH_MAX;
    if (*end == '.') {
        size_t prec = strtoul(end + 1, NULL, 10);
        if (prec < len) {
            b->len = start + prec;
            b->p[b->len] = 0;
            len = prec;
        }
    }
    if (width <= len)
        return;
    size_t fill = width - len;
    char *p = sb_room(b, fill);
    if (left) {
        memset(p, ' ', fill);
    } else { /* the text moves right, the spaces go before it */
        memmove(b->p + start + fill, b->p + start, len);
        memset(b->p + start, ' ', fill);
    }
    b->len += fill;
    b->p[b->len] = 0;
}

/* An integer for conversion c: of the bits C's printf would take for the
 * argument, as its sign says. A narrow integer is promoted to an int, so
 * %d of a uint32 0xffffffff is -1, as in C; 64-bit ones stay 64 bits. */
static int64_t conv_int(const struct fmt_conv *c, const struct value *v)
{
    int64_t x = value_int(v);
    int bits = c->len == 'l'     ? 64
               : c->len == 'h'   ? 16
               : c->len == 'H'   ? 8
               : v->ty.size <= 4 ? 32
                                 : 64;
    bool sgn = c->conv == 'd' || c->conv == 'i';
    switch (bits) {
    case 8: return sgn ? (int8_t)x : (int64_t)(uint8_t)x;
    case 16: return sgn ? (int16_t)x : (int64_t)(uint16_t)x;
    case 32: return sgn ? (int32_t)x : (int64_t)(uint32_t)x;
    default: return x;
    }
}

/* One conversion's text, of value v, appended to b. */
static void conv_text(struct sbuf *b, const struct output *o, const struct fmt_conv *c,
                      const struct value *v)
{
    /* the checks bound width and precision, so this holds any conversion */
    char spec[48], out[2 * FMT_WIDTH_MAX + 64];
    if (c->conv == 's' || c->conv == 'p' || c->conv == 'r') {
        size_t start = b->len;
        const char *name = c->conv == 's' ? value_enum_name(v, &o->env) : NULL;
        if (name)
            sb_puts(b, name);
        else if (c->conv != 'p') /* %r: a buffer, whose text escapes what is not printable */
            value_text(b, v, &o->env);
        else if (v->ty.kind == TY_INT || v->ty.kind == TY_PTR) /* 8 bytes: not a string's */
            sb_printf(b, "0x%" PRIx64, (uint64_t)value_int(v));
        pad(b, start, c->spec);
        return;
    }
    if (v->ty.kind != TY_INT)
        return; /* the checks allow none: a hostile layout */
    int64_t x = conv_int(c, v);
    if (!c->spec[0] && c->conv != 'c' && strchr("diu", c->conv)) {
        /* the common %d and %u, without printf's parsing of a format */
        if (c->conv == 'u')
            sb_u64(b, (uint64_t)x);
        else
            sb_i64(b, x);
        return;
    }
    int n;
    if (c->conv == 'c') {
        snprintf(spec, sizeof(spec), "%%%sc", c->spec);
        n = snprintf(out, sizeof(out), spec, (int)x);
    } else {
        snprintf(spec, sizeof(spec), "%%%sll%c", c->spec, c->conv);
        n = snprintf(out, sizeof(out), spec, (long long)x);
    }
    if (n < 0)
        return;
    if (n >= (int)sizeof(out))
        n = sizeof(out) - 1;
    sb_put(b, out, n);
}

void output_printf_text(struct sbuf *b, const struct output *o, const struct ev_desc *d,
                        const void *ev, const char *probe)
{
    const struct fmt_spec *f = d->fmt;
    for (int i = 0;; i++) {
        const struct fmt_conv *c = &f->convs[i];
        sb_put(b, c->lit, c->litlen);
        if (!c->conv || i >= d->nargs)
            break;
        int64_t ival;
        struct value v;
        output_arg(&v, d, i, ev, probe, &ival);
        conv_text(b, o, c, &v);
    }
}

void output_printf_json(struct sbuf *b, struct output *o, const struct ev_desc *d, const void *ev,
                        const char *probe)
{
    const struct fmt_spec *f = d->fmt;
    sb_putc(b, '"');
    o->escaped = 0;
    for (int i = 0;; i++) {
        const struct fmt_conv *c = &f->convs[i];
        value_json_chars(b, c->lit, c->litlen);
        if (!c->conv || i >= d->nargs)
            break;
        int64_t ival;
        struct value v;
        output_arg(&v, d, i, ev, probe, &ival);
        if (!c->spec[0] && ((c->conv == 's' && v.ty.kind == TY_STR) ||
                            (v.ty.kind == TY_INT && strchr("diu", c->conv)))) {
            /* a string's bytes escaped as they are read, digits as they
             * are: the text is not made first and then escaped */
            if (v.ty.kind == TY_STR) {
                size_t at = b->len;
                value_json_chars(b, v.data, strnlen(v.data, (size_t)v.ty.size));
                if (i < 64 && b->len - at <= UINT32_MAX && at <= UINT32_MAX) {
                    o->escaped |= 1ull << i;
                    o->escaped_at[i] = (uint32_t)at;
                    o->escaped_len[i] = (uint32_t)(b->len - at);
                }
            } else
                conv_text(b, o, c, &v);
            continue;
        }
        o->scratch.len = 0;
        conv_text(&o->scratch, o, c, &v);
        value_json_chars(b, o->scratch.p ? o->scratch.p : "", o->scratch.len);
    }
    sb_putc(b, '"');
}

bool output_action(struct output *o, const struct ev_desc *d, const void *ev, const char *probe,
                   struct sbuf *out)
{
    if (!o->user_action)
        return false;
    struct sbuf arg = {0};
    output_printf_text(&arg, o, d, ev, probe);
    bool ok = o->user_action(o, d->kind, arg.p ? arg.p : "", out);
    sb_free(&arg);
    return ok;
}

void output_event(struct output *o, const struct cg_output *cg, const void *data, size_t size)
{
    const struct ev_header *h = data;
    /* the bytes are the kernel's: the header names a layout and a program
     * that exist, and the event is as long as its layout */
    if (size < sizeof(*h) || h->id >= (uint32_t)cg->plan->nevents ||
        h->prog >= (uint32_t)cg->nprogs)
        return;
    const struct ev_desc *d = &cg->plan->events[h->id];
    if (!d->laid_out || size < d->size)
        return;
    o->ops->event(o, d, data, cg->progs[h->prog].text);
}
