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

void sb_u64(struct sbuf *b, uint64_t v)
{
    char d[20], *p = d + sizeof(d);
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    sb_put(b, p, (size_t)(d + sizeof(d) - p));
}

void sb_i64(struct sbuf *b, int64_t v)
{
    if (v < 0) {
        sb_putc(b, '-');
        sb_u64(b, 0 - (uint64_t)v); /* INT64_MIN too */
    } else {
        sb_u64(b, (uint64_t)v);
    }
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
