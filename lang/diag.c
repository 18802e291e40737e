#include "lang/diag.h"

#include <string.h>

void diag_init(struct diag_src *src, const char *name, const char *text)
{
    src->name = name;
    src->text = text;
    src->errors = 0;
    src->out = stderr;
    src->quiet = false;
}

const char *diag_line(const struct diag_src *src, int line, int *len)
{
    const char *p = src->text;
    for (int l = 1; l < line && p; l++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p) {
        *len = 0;
        return "";
    }
    const char *e = strchr(p, '\n');
    *len = e ? (int)(e - p) : (int)strlen(p);
    return p;
}

/* A quoted line longer than this shows only the part around the caret. */
#define SHOW_WIDTH 100

static const struct diag_colors no_colors = {"", "", "", ""};

/* The quoted line is printed as gcc prints it, `  N | text`, and the range
 * under it is marked `^~~~`; a range that spans lines is marked to the end of
 * its first line. Tabs are kept under the caret so it lines up in a terminal.
 * A long line is cut to a window around the caret, with "..." where cut. */
void diag_quote(FILE *out, int lineno, const char *line, int len, int first, int last,
                unsigned parts, const struct diag_colors *c)
{
    if (!c)
        c = &no_colors;
    if (first < 1)
        first = 1;
    /* a place past the line's end (a compiled script's places are the
     * file's say) is its end: the caret is not preceded by a column's
     * worth of spaces for each number the file may hold */
    if (first > len + 1)
        first = len + 1;
    if (last < first)
        last = first;
    int from = 1, to = len; /* the columns shown */
    if (len > SHOW_WIDTH) {
        from = first > SHOW_WIDTH / 3 ? first - SHOW_WIDTH / 3 : 1;
        to = from + SHOW_WIDTH - 1;
        if (to > len) {
            to = len;
            from = len - SHOW_WIDTH + 1;
        }
    }
    if (last > to)
        last = to > first ? to : first;
    const char *pre = from > 1 ? "..." : "", *post = to < len ? "..." : "";
    char gutter[16];
    int gw = snprintf(gutter, sizeof(gutter), "%5d", lineno);
    if (parts & DIAG_QUOTE_TEXT)
        fprintf(out, "%s%s |%s %s%s%.*s%s%s\n", c->gutter, gutter, c->reset, c->text, pre,
                to - from + 1, line + from - 1, post, c->reset);
    if (!(parts & DIAG_QUOTE_CARET))
        return;
    fprintf(out, "%s%*s |%s %*s", c->gutter, gw, "", c->reset, (int)strlen(pre), "");
    for (int k = from; k < first; k++)
        fputc(k <= len && line[k - 1] == '\t' ? '\t' : ' ', out);
    fprintf(out, "%s^", c->caret);
    for (int k = first + 1; k <= last; k++)
        fputc('~', out);
    fprintf(out, "%s\n", c->reset);
}

static void show_source(struct diag_src *src, struct tp_loc loc)
{
    int len;
    const char *line = diag_line(src, loc.first_line, &len);
    int last = loc.last_line == loc.first_line ? loc.last_column : len;
    diag_quote(src->out, loc.first_line, line, len, loc.first_column, last,
               DIAG_QUOTE_TEXT | DIAG_QUOTE_CARET, NULL);
}

void diag_verror(struct diag_src *src, struct tp_loc loc, const char *fmt, va_list ap)
{
    src->errors++;
    if (src->quiet)
        return;
    fprintf(src->out, "%s:%d:%d: error: ", src->name, loc.first_line, loc.first_column);
    vfprintf(src->out, fmt, ap);
    fputc('\n', src->out);
    show_source(src, loc);
}

void diag_error(struct diag_src *src, struct tp_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(src, loc, fmt, ap);
    va_end(ap);
}

void diag_note_at(struct diag_src *src, struct tp_loc loc, const char *fmt, ...)
{
    if (src->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(src->out, "%s:%d:%d: note: ", src->name, loc.first_line, loc.first_column);
    vfprintf(src->out, fmt, ap);
    fputc('\n', src->out);
    va_end(ap);
    show_source(src, loc);
}

void diag_note(struct diag_src *src, const char *fmt, ...)
{
    if (src && src->quiet)
        return;
    FILE *out = src ? src->out : stderr;
    va_list ap;
    va_start(ap, fmt);
    fputs("note: ", out);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

static void sys_message(struct diag_src *src, const char *what, const char *fmt, va_list ap)
{
    if (src && src->quiet)
        return;
    FILE *out = src ? src->out : stderr;
    fprintf(out, "tinyprobe: %s: ", what);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
}

void diag_sys_error(struct diag_src *src, const char *fmt, ...)
{
    if (src)
        src->errors++;
    va_list ap;
    va_start(ap, fmt);
    sys_message(src, "error", fmt, ap);
    va_end(ap);
}

void diag_sys_warning(struct diag_src *src, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sys_message(src, "warning", fmt, ap);
    va_end(ap);
}

void diag_file_error(struct diag_src *src, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    src->errors++;
    if (src->quiet) {
        va_end(ap);
        return;
    }
    fprintf(src->out, "%s: error: ", src->name);
    vfprintf(src->out, fmt, ap);
    fputc('\n', src->out);
    va_end(ap);
}
