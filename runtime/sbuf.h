/* A string that grows: a record is formatted into it, then written at once. */
#ifndef TP_SBUF_H
#define TP_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sbuf {
    char *p; /* NUL-terminated once anything was put */
    size_t len, cap;
};

/* Makes room for n more bytes and returns where they go (len unchanged). */
char *sb_room(struct sbuf *b, size_t n);

/* Inline: a record is made of many small pieces, and each is a call
 * otherwise. */
static inline void sb_put(struct sbuf *b, const char *s, size_t n)
{
    char *p = b->len + n + 1 <= b->cap ? b->p + b->len : sb_room(b, n);
    memcpy(p, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static inline void sb_putc(struct sbuf *b, char c)
{
    sb_put(b, &c, 1);
}
static inline void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}
/* A string literal, its length known at compile time. */
#define SB_LIT(b, lit) sb_put((b), "" lit, sizeof(lit) - 1)
/* Integers in decimal, without printf's parsing of a format. */
void sb_u64(struct sbuf *b, uint64_t v);
void sb_i64(struct sbuf *b, int64_t v);
/* printf into it; a format's output past 4 KiB is cut */
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct sbuf *b);

#endif
