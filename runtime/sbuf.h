/* A string that grows: a record is formatted into it, then written at once. */
#ifndef TP_SBUF_H
#define TP_SBUF_H

#include <stddef.h>

struct sbuf {
    char *p; /* NUL-terminated once anything was put */
    size_t len, cap;
};

void sb_put(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
/* printf into it; a format's output past 4 KiB is cut */
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes room for n more bytes and returns where they go (len unchanged). */
char *sb_room(struct sbuf *b, size_t n);
void sb_free(struct sbuf *b);

#endif
