#include <inttypes.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lang/check.h"
#include "lang/xalloc.h"
#include "runtime/runtime.h"

/* A string that grows: events are formatted into it, then written at once. */
struct sbuf {
    struct rt *rt;
    size_t len;
};

static void put(struct sbuf *b, const char *s, size_t n)
{
    struct rt *rt = b->rt;
    if (b->len + n + 1 > rt->fmtcap) {
        size_t cap = rt->fmtcap ? rt->fmtcap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        rt->fmtbuf = xrealloc(rt->fmtbuf, cap);
        rt->fmtcap = cap;
    }
    memcpy(rt->fmtbuf + b->len, s, n);
    b->len += n;
    rt->fmtbuf[b->len] = 0;
}

static void puts_(struct sbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* strftime() with two additions for sub-second times: %L milliseconds and
 * %f microseconds. */
static void put_time(struct sbuf *b, const char *fmt, size_t fmtlen, uint64_t mono_ns)
{
    /* the value comes from the event, so any 64 bits: no overflow, no
     * negative remainder, and a year localtime_r cannot represent is said */
    int64_t ns;
    struct tm tm;
    if (mono_ns > INT64_MAX ||
        __builtin_add_overflow((int64_t)mono_ns, b->rt->realtime_offset, &ns)) {
        puts_(b, "(time out of range)");
        return;
    }
    time_t secs = ns / 1000000000;
    long frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    if (!localtime_r(&secs, &tm)) {
        puts_(b, "(time out of range)");
        return;
    }
    /* the checks bound the format to STRFTIME_FMT_MAX bytes; out holds what
     * any such format expands to */
    char f[2 * STRFTIME_FMT_MAX + 8], out[8192];
    size_t n = 0;
    for (size_t i = 0; i < fmtlen && n < sizeof(f) - 8; i++) {
        if (fmt[i] == '%' && i + 1 < fmtlen && (fmt[i + 1] == 'L' || fmt[i + 1] == 'f')) {
            n += snprintf(f + n, sizeof(f) - n, fmt[i + 1] == 'L' ? "%03ld" : "%06ld",
                          fmt[i + 1] == 'L' ? frac / 1000000 : frac / 1000);
            i++;
        } else {
            if (fmt[i] == '%' && i + 1 < fmtlen)
                f[n++] = fmt[i++];
            f[n++] = fmt[i];
        }
    }
    f[n] = 0;
    size_t len = strftime(out, sizeof(out), f, &tm);
    put(b, out, len);
}

static void put_str(struct sbuf *b, const char *p, size_t size)
{
    put(b, p, strnlen(p, size));
}

/* One argument as text, for print and for printf's %s. */
static void put_arg(struct sbuf *b, const struct ev_arg *a, const char *ev)
{
    char num[32];
    switch (a->kind) {
    case EA_INT:
        snprintf(num, sizeof(num), "%" PRId64, *(const int64_t *)(ev + a->off));
        puts_(b, num);
        break;
    case EA_UINT:
        snprintf(num, sizeof(num), "%" PRIu64, *(const uint64_t *)(ev + a->off));
        puts_(b, num);
        break;
    case EA_CONST_INT:
        snprintf(num, sizeof(num), "%" PRId64, a->ival);
        puts_(b, num);
        break;
    case EA_STR: put_str(b, ev + a->off, a->size); break;
    case EA_CONST_STR: put(b, a->text, a->textlen); break;
    case EA_PROBE: {
        const struct ev_header *h = (const void *)ev;
        puts_(b, b->rt->cg->progs[h->prog].text);
        break;
    }
    case EA_TIME: put_time(b, a->text, a->textlen, *(const uint64_t *)(ev + a->off)); break;
    case EA_JOIN: {
        uint64_t count = *(const uint64_t *)(ev + a->off);
        unsigned n = (unsigned)count;
        if (n > EV_JOIN_MAX)
            n = EV_JOIN_MAX;
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put(b, a->text, a->textlen);
            const char *arg = ev + a->off + 8 + i * a->size;
            put_str(b, arg, a->size);
            if (a->size && strnlen(arg, a->size) >= a->size - 1)
                puts_(b, "..."); /* as long as its slot: cut */
        }
        if (count & EV_JOIN_CUT) {
            put(b, a->text, a->textlen);
            puts_(b, "...");
        }
        break;
    }
    }
}

/* %s's flags, width and precision, applied in place to the text from `start`
 * to the end, without formatting it again. */
static void pad(struct sbuf *b, size_t start, const char *spec)
{
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
            b->rt->fmtbuf[b->len] = 0;
            len = prec;
        }
    }
    if (width <= len)
        return;
    size_t fill = width - len;
    char spaces[64];
    memset(spaces, ' ', sizeof(spaces));
    for (size_t n = fill; n > 0;) {
        size_t k = n < sizeof(spaces) ? n : sizeof(spaces);
        put(b, spaces, k);
        n -= k;
    }
    if (!left) { /* the text moves right, the spaces go before it */
        char *p = b->rt->fmtbuf + start;
        memmove(p + fill, p, len);
        memset(p, ' ', fill);
    }
}

static int64_t int_arg(const struct ev_arg *a, const char *ev)
{
    return a->kind == EA_CONST_INT ? a->ival : *(const int64_t *)(ev + a->off);
}

static void put_printf(struct sbuf *b, const struct ev_desc *d, const char *ev)
{
    const struct fmt_spec *f = d->fmt;
    for (int i = 0;; i++) {
        const struct fmt_conv *c = &f->convs[i];
        put(b, c->lit, c->litlen);
        if (!c->conv)
            break;
        const struct ev_arg *a = &d->args[i];
        /* the checks bound width and precision, so this holds any conversion */
        char spec[48], out[2 * FMT_WIDTH_MAX + 64];
        if (c->conv == 's' || c->conv == 'p') {
            size_t start = b->len;
            if (c->conv == 's') {
                put_arg(b, a, ev);
            } else {
                int n = snprintf(out, sizeof(out), "0x%" PRIx64, (uint64_t)int_arg(a, ev));
                put(b, out, n);
            }
            pad(b, start, c->spec);
            continue;
        }
        int64_t v = int_arg(a, ev);
        int n;
        if (c->conv == 'c') {
            snprintf(spec, sizeof(spec), "%%%sc", c->spec);
            n = snprintf(out, sizeof(out), spec, (int)v);
        } else {
            snprintf(spec, sizeof(spec), "%%%sll%c", c->spec, c->conv);
            n = snprintf(out, sizeof(out), spec, (long long)v);
        }
        if (n < 0)
            continue;
        if (n >= (int)sizeof(out))
            n = sizeof(out) - 1;
        put(b, out, n);
    }
}

void format_event(struct rt *rt, const void *data, size_t size)
{
    const struct ev_header *h = data;
    if (size < sizeof(*h) || h->id >= (uint32_t)rt->cg->plan->nevents ||
        h->prog >= (uint32_t)rt->cg->nprogs)
        return;
    const struct ev_desc *d = &rt->cg->plan->events[h->id];
    if (size < d->size)
        return;
    struct sbuf b = {.rt = rt};
    if (d->fmt) {
        put_printf(&b, d, data);
    } else {
        for (int i = 0; i < d->nargs; i++) {
            if (i)
                put(&b, " ", 1);
            put_arg(&b, &d->args[i], data);
        }
        put(&b, "\n", 1);
    }
    output_put(rt->o->out, rt->fmtbuf, b.len);
}
