/* printf formats: parsed and checked at compile time, applied in user space,
 * so that no format string ever goes to the kernel. */
#ifndef TP_PRINTF_H
#define TP_PRINTF_H

#include <stdbool.h>
#include <stddef.h>

#include "lang/diag.h"

/* The largest width or precision a conversion may have: larger ones are
 * refused at compile time, since each costs its size in output per event. */
#define FMT_WIDTH_MAX 1024

struct fmt_conv {
    const char *lit; /* the text before this conversion, %% already made % */
    size_t litlen;
    char spec[32];    /* flags, width and precision as written: "-16", ".3" */
    char conv;        /* d i u x X o c s p r; 0 for the tail after the last one */
    char len;         /* the length modifier: 'l' (l, ll, j, z, t: 64 bits), 'h' (16),
                         'H' (hh: 8), or 0: the argument's own width, as C promotes it */
    struct tp_loc at; /* where the conversion is in the source */
};

struct fmt_spec {
    struct fmt_conv *convs; /* nconvs conversions, then one with conv 0 for the tail */
    int nconvs;
};

struct arena;
/* Parses `fmt`; NULL after reporting at `loc`. */
struct fmt_spec *fmt_parse(struct arena *a, const char *fmt, size_t len, struct diag_src *src,
                           struct tp_loc loc);
/* A copy of `f` in arena `a`, its literal text included. */
struct fmt_spec *fmt_copy(struct arena *a, const struct fmt_spec *f);
/* Where bytes [from, to) of the literal at `lit` are in the source. */
struct tp_loc fmt_loc(const struct diag_src *src, struct tp_loc lit, size_t from, size_t to);
/* Whether a conversion's flags, width and precision are ones fmt_parse
 * keeps (for specs read from a compiled script). */
bool fmt_spec_ok(const char *spec);
/* Whether a conversion takes a string (else an integer). */
static inline int fmt_wants_string(char conv)
{
    return conv == 's';
}

#endif
