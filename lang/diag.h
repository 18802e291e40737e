/* Diagnostics, the one way every stage reports: a message about a place in
 * the script names FILE:LINE:COL and shows the source line with a caret
 * under the offending range, as compilers do; one about the script as a
 * whole names the script; one about the system (a limit, a file, the
 * kernel) names the tool. Notes follow the error they explain. */
#ifndef TP_DIAG_H
#define TP_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* A source range; lines and columns count from 1, `last_column` is inclusive. */
struct tp_loc {
    int first_line, first_column;
    int last_line, last_column;
};

struct diag_src {
    const char *name; /* what messages call the script: a path, "cmdline" or "stdin" */
    const char *text; /* the whole script, NUL-terminated */
    int errors;
    FILE *out;
    bool quiet; /* count errors, print nothing (a first pass of the checks) */
};

void diag_init(struct diag_src *src, const char *name, const char *text);
void diag_error(struct diag_src *src, struct tp_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_verror(struct diag_src *src, struct tp_loc loc, const char *fmt, va_list ap);
/* A note carries no location of its own: it explains the error before it.
 * src may be NULL, as for the system's errors. */
void diag_note(struct diag_src *src, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A note about another place in the script, with its line and caret. */
void diag_note_at(struct diag_src *src, struct tp_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An error about the script as a whole (it cannot be read, say). */
void diag_file_error(struct diag_src *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error about the system, not the script: a resource, a file, the
 * kernel as a whole. "tinyprobe: error: ..."; src may be NULL (before a
 * script is read), else its error count grows. */
void diag_sys_error(struct diag_src *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Something the user should know at the end of a run that does not fail it
 * (updates a full map refused). */
void diag_sys_warning(struct diag_src *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Quotes a line of a script as messages do: `    N | text` (DIAG_QUOTE_TEXT),
 * then columns first to last marked `^~~` under it (DIAG_QUOTE_CARET); a long
 * line is cut to a window around the mark. Each part in its colour (NULL:
 * none), for the -d listings. */
enum { DIAG_QUOTE_TEXT = 1, DIAG_QUOTE_CARET = 2 };
struct diag_colors {
    const char *gutter, *text, *caret, *reset;
};
void diag_quote(FILE *out, int lineno, const char *line, int len, int first, int last,
                unsigned parts, const struct diag_colors *c);

/* The text of line `line` (1-based) and its length, for callers that quote it. */
const char *diag_line(const struct diag_src *src, int line, int *len);

#endif
