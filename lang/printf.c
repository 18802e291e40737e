#include "lang/printf.h"

#include <string.h>

#include "lang/ast.h"

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
        while (i < len && strchr("-+ #0", fmt[i]))
            i++;
        while (i < len && fmt[i] >= '0' && fmt[i] <= '9')
            i++;
        if (i < len && fmt[i] == '.') {
            i++;
            while (i < len && fmt[i] >= '0' && fmt[i] <= '9')
                i++;
        }
        speclen = i - start;
        if (i < len && fmt[i] == '*') {
            diag_error(src, loc, "'*' widths are not supported in printf formats; write the "
                                 "width as a number");
            return NULL;
        }
        /* the length modifiers say nothing here: every integer is 64 bits */
        while (i < len && strchr("hlqjzt", fmt[i]))
            i++;
        if (i >= len) {
            diag_error(src, loc, "printf format ends in the middle of a conversion");
            return NULL;
        }
        if (!strchr("diuxXocsp", fmt[i])) {
            diag_error(src, loc, "unknown conversion '%%%c' in printf format", fmt[i]);
            diag_note(src, "the conversions are %%d %%i %%u %%x %%X %%o %%c %%s %%p and %%%%");
            return NULL;
        }
        if (speclen >= sizeof(c->spec)) {
            diag_error(src, loc, "printf conversion has too long a width or precision");
            return NULL;
        }
        memcpy(c->spec, fmt + start, speclen);
        c->conv = fmt[i];
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
