#include "lang/printf.h"

#include <stdbool.h>
#include <string.h>

#include "lang/ast.h"

/* The source columns of bytes [from, to) of a string literal's value: each
 * escape sequence in the source is one byte of the value. */
struct tp_loc fmt_loc(const struct diag_src *src, struct tp_loc lit, size_t from, size_t to)
{
    int len;
    const char *line = diag_line(src, lit.first_line, &len);
    int col = lit.first_column + 1; /* past the opening quote */
    struct tp_loc at = lit;
    if (lit.last_line != lit.first_line)
        return lit; /* a literal over several lines: point at all of it */
    for (size_t byte = 0; byte <= to && col <= len; byte++) {
        if (byte == from)
            at.first_column = col;
        int w = 1;
        if (line[col - 1] == '\\' && col < len) {
            char e = line[col];
            w = 2;
            if (e == 'x')
                while (w < 4 && col - 1 + w < len &&
                       strchr("0123456789abcdefABCDEF", line[col - 1 + w]))
                    w++;
            else if (e >= '0' && e <= '7')
                while (w < 4 && col - 1 + w < len && line[col - 1 + w] >= '0' &&
                       line[col - 1 + w] <= '7')
                    w++;
        }
        if (byte + 1 == to)
            at.last_column = col + w - 1;
        col += w;
    }
    return at;
}

/* A width or precision, digits [from, to) of fmt, over FMT_WIDTH_MAX: said
 * at the digits, true. */
static bool number_too_big(struct diag_src *src, struct tp_loc loc, const char *fmt, size_t from,
                           size_t to, const char *what)
{
    size_t v = 0;
    for (size_t i = from; i < to && v <= FMT_WIDTH_MAX; i++)
        v = v * 10 + (size_t)(fmt[i] - '0');
    if (v <= FMT_WIDTH_MAX)
        return false;
    int shown = to - from > 20 ? 20 : (int)(to - from);
    diag_error(src, fmt_loc(src, loc, from, to), "printf %s %.*s%s is too large: the most is %d",
               what, shown, fmt + from, shown < (int)(to - from) ? "..." : "", FMT_WIDTH_MAX);
    return true;
}

struct fmt_spec *fmt_parse(struct arena *a, const char *fmt, size_t len, struct diag_src *src,
                           struct tp_loc loc)
{
    /* at most one conversion per two characters, plus the tail */
    struct fmt_conv *convs = arena_alloc(a, (len / 2 + 2) * sizeof(*convs));
    char *lit = arena_alloc(a, len + 1);
    size_t litlen = 0;
    int n = 0;
    struct fmt_conv *c = &convs[0];
    c->lit = lit;
    for (size_t i = 0; i < len; i++) {
        if (fmt[i] != '%') {
            lit[litlen++] = fmt[i];
            continue;
        }
        if (i + 1 < len && fmt[i + 1] == '%') {
            lit[litlen++] = '%';
            i++;
            continue;
        }
        size_t start = ++i, speclen = 0;
        while (i < len && fmt[i] && strchr("-+ #0", fmt[i]))
            i++;
        size_t width_at = i, prec_at = 0;
        while (i < len && fmt[i] >= '0' && fmt[i] <= '9')
            i++;
        if (i < len && fmt[i] == '.') {
            prec_at = ++i;
            while (i < len && fmt[i] >= '0' && fmt[i] <= '9')
                i++;
        }
        speclen = i - start;
        size_t width_end = prec_at ? prec_at - 1 : i;
        if (number_too_big(src, loc, fmt, width_at, width_end, "width") ||
            (prec_at && number_too_big(src, loc, fmt, prec_at, i, "precision")))
            return NULL;
        if (i < len && fmt[i] == '*') {
            diag_error(src, loc,
                       "'*' widths are not supported in printf formats; write the "
                       "width as a number");
            return NULL;
        }
        char lenmod = 0;
        while (i < len && fmt[i] && strchr("hljzt", fmt[i])) {
            /* hh is 'H'; h, once; any of the rest is 64 bits */
            lenmod = fmt[i] != 'h' ? 'l' : lenmod == 'h' ? 'H' : lenmod ? lenmod : 'h';
            i++;
        }
        if (i >= len) {
            diag_error(src, loc, "printf format ends in the middle of a conversion");
            return NULL;
        }
        if (!fmt[i] || !strchr("diuxXocspr", fmt[i])) {
            struct tp_loc at = fmt_loc(src, loc, start - 1, i + 1);
            if (fmt[i] > ' ' && fmt[i] < 127)
                diag_error(src, at, "unknown conversion '%.*s' in printf format",
                           (int)(i + 2 - start), fmt + start - 1);
            else
                diag_error(src, at, "printf format has a '%%' with no conversion after it");
            diag_note(src, "the conversions are %%d %%i %%u %%x %%X %%o %%c %%s %%p %%r and %%%%");
            return NULL;
        }
        if (speclen >= sizeof(c->spec)) {
            diag_error(src, fmt_loc(src, loc, start - 1, i + 1),
                       "printf conversion has more than %zu characters of flags, width and "
                       "precision",
                       sizeof(c->spec) - 1);
            return NULL;
        }
        memcpy(c->spec, fmt + start, speclen);
        c->conv = fmt[i];
        c->len = lenmod;
        c->at = fmt_loc(src, loc, start - 1, i + 1);
        c->litlen = litlen;
        lit += litlen + 1;
        litlen = 0;
        c = &convs[++n];
        c->lit = lit;
    }
    c->litlen = litlen;
    c->conv = 0;
    struct fmt_spec *spec = arena_alloc(a, sizeof(*spec));
    spec->convs = convs;
    spec->nconvs = n;
    return spec;
}

struct fmt_spec *fmt_copy(struct arena *a, const struct fmt_spec *f)
{
    struct fmt_spec *d = arena_alloc(a, sizeof(*d));
    d->nconvs = f->nconvs;
    d->convs = arena_alloc(a, (size_t)(f->nconvs + 1) * sizeof(*d->convs));
    for (int i = 0; i <= f->nconvs; i++) {
        d->convs[i] = f->convs[i];
        d->convs[i].lit = arena_strndup(a, f->convs[i].lit, f->convs[i].litlen);
    }
    return d;
}

/* Flags, then a width and a precision within FMT_WIDTH_MAX: what fmt_parse
 * keeps in a conversion's spec, and nothing that printf(3) would read as
 * more (a '*', a '$', an 'n'). */
bool fmt_spec_ok(const char *spec)
{
    const char *s = spec + strspn(spec, "-+ #0");
    for (int part = 0; part < 2; part++) {
        size_t digits = strspn(s, "0123456789");
        long v = 0;
        for (size_t i = 0; i < digits && v <= FMT_WIDTH_MAX; i++)
            v = v * 10 + (s[i] - '0');
        if (v > FMT_WIDTH_MAX)
            return false;
        s += digits;
        if (part == 0 && *s == '.')
            s++;
        else
            break;
    }
    return *s == 0;
}
