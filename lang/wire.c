#include "lang/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"

static void put(struct wire_out *o, const void *p, size_t n)
{
    if (o->cap - o->len < n) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap - o->len < n)
            cap *= 2;
        o->buf = xrealloc(o->buf, cap);
        o->cap = cap;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void wire_put_raw(struct wire_out *o, const void *p, size_t n)
{
    put(o, p, n);
}

void wire_put_u8(struct wire_out *o, uint8_t v)
{
    put(o, &v, 1);
}

/* Little-endian whatever the host, so that a file means one thing. */
void wire_put_u32(struct wire_out *o, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(o, b, 4);
}

void wire_put_u64(struct wire_out *o, uint64_t v)
{
    wire_put_u32(o, (uint32_t)v);
    wire_put_u32(o, (uint32_t)(v >> 32));
}

void wire_put_strn(struct wire_out *o, const char *s, size_t n)
{
    wire_put_u32(o, (uint32_t)n);
    put(o, s, n);
}

void wire_put_str(struct wire_out *o, const char *s)
{
    wire_put_strn(o, s ? s : "", s ? strlen(s) : 0);
}

void wire_out_free(struct wire_out *o)
{
    free(o->buf);
    memset(o, 0, sizeof(*o));
}

void wire_in_init(struct wire_in *in, const void *p, size_t len)
{
    memset(in, 0, sizeof(*in));
    in->p = p;
    in->end = in->p + len;
}

bool wire_fail(struct wire_in *in, const char *fmt, ...)
{
    if (in->err[0])
        return false;
    int n = in->what ? snprintf(in->err, sizeof(in->err), "%s: ", in->what) : 0;
    if (n < 0 || (size_t)n >= sizeof(in->err))
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->err + n, sizeof(in->err) - (size_t)n, fmt, ap);
    va_end(ap);
    in->p = in->end; /* nothing more is read */
    return false;
}

static bool take(struct wire_in *in, void *dst, size_t n)
{
    if ((size_t)(in->end - in->p) < n) {
        memset(dst, 0, n);
        if (!in->err[0])
            wire_fail(in, "the data ends too soon");
        return false;
    }
    memcpy(dst, in->p, n);
    in->p += n;
    return true;
}

uint8_t wire_u8(struct wire_in *in)
{
    uint8_t v;
    take(in, &v, 1);
    return v;
}

uint32_t wire_u32(struct wire_in *in)
{
    unsigned char b[4];
    take(in, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t wire_u64(struct wire_in *in)
{
    uint64_t lo = wire_u32(in);
    return lo | (uint64_t)wire_u32(in) << 32;
}

bool wire_bool(struct wire_in *in)
{
    uint8_t v = wire_u8(in);
    if (v > 1)
        wire_fail(in, "a flag is %u, not 0 or 1", v);
    return v == 1;
}

uint32_t wire_upto(struct wire_in *in, uint32_t max, const char *what)
{
    uint32_t v = wire_u32(in);
    if (v > max) {
        wire_fail(in, "%s is %u, more than %u", what, v, max);
        return 0;
    }
    return v;
}

uint8_t wire_enum(struct wire_in *in, uint8_t max, const char *what)
{
    uint8_t v = wire_u8(in);
    if (v > max) {
        wire_fail(in, "%s is %u, more than %u", what, v, max);
        return 0;
    }
    return v;
}

uint32_t wire_count(struct wire_in *in, uint32_t max, size_t least, const char *what)
{
    uint32_t n = wire_upto(in, max, what);
    if (least && n > (size_t)(in->end - in->p) / least) {
        wire_fail(in, "%s is %u, more than the data left holds", what, n);
        return 0;
    }
    return n;
}

static const char *get_bytes(struct wire_in *in, size_t max, size_t *len, bool nul_ok)
{
    uint32_t n = wire_u32(in);
    *len = 0;
    if (wire_bad(in))
        return "";
    if (n > max || n > (size_t)(in->end - in->p)) {
        wire_fail(in, "a string of %u bytes is longer than %s", n,
                  n > max ? "allowed" : "the data left");
        return "";
    }
    const char *s = (const char *)in->p;
    if (!nul_ok && memchr(s, 0, n)) {
        wire_fail(in, "a string holds a NUL byte");
        return "";
    }
    in->p += n;
    *len = n;
    return s;
}

const char *wire_strn(struct wire_in *in, size_t max, size_t *len)
{
    return get_bytes(in, max, len, false);
}

const char *wire_blob(struct wire_in *in, size_t max, size_t *len)
{
    return get_bytes(in, max, len, true);
}
