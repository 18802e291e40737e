#include "runtime/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"

char *sb_room(struct sbuf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    return b->p + b->len;
}

void sb_put(struct sbuf *b, const char *s, size_t n)
{
    memcpy(sb_room(b, n), s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

void sb_putc(struct sbuf *b, char c)
{
    sb_put(b, &c, 1);
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void sb_free(struct sbuf *b)
{
    free(b->p);
    *b = (struct sbuf){0};
}
