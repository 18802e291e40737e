/* A byte stream of plain values, for what a compiled script carries beside
 * its BPF object (runtime/tpo.c): fixed-width little-endian integers and
 * length-prefixed strings. The reader treats its bytes as hostile: every read
 * is bounded by what is left, a failed one yields zeros, and the first
 * failure is kept as a message naming what was being read. */
#ifndef TP_WIRE_H
#define TP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_out {
    unsigned char *buf;
    size_t len, cap;
};
void wire_put_u8(struct wire_out *o, uint8_t v);
void wire_put_u32(struct wire_out *o, uint32_t v);
void wire_put_u64(struct wire_out *o, uint64_t v);
/* A string: its length, then its bytes; NULL is written as "". */
void wire_put_str(struct wire_out *o, const char *s);
void wire_put_strn(struct wire_out *o, const char *s, size_t n);
/* Bytes as they are, without a length. */
void wire_put_raw(struct wire_out *o, const void *p, size_t n);
void wire_out_free(struct wire_out *o);

struct wire_in {
    const unsigned char *p, *end;
    const char *what; /* what is being read, for the message */
    char err[256];    /* the first failure; "" while none */
};
void wire_in_init(struct wire_in *in, const void *p, size_t len);
/* Keeps the first failure, "WHAT: message"; returns false. */
bool wire_fail(struct wire_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool wire_bad(const struct wire_in *in)
{
    return in->err[0] != 0;
}
uint8_t wire_u8(struct wire_in *in);
uint32_t wire_u32(struct wire_in *in);
uint64_t wire_u64(struct wire_in *in);
/* A bool: 0 or 1, anything else a failure. */
bool wire_bool(struct wire_in *in);
/* An integer of at most `max`. */
uint32_t wire_upto(struct wire_in *in, uint32_t max, const char *what);
/* A byte of at most `max`: an enum's value. */
uint8_t wire_enum(struct wire_in *in, uint8_t max, const char *what);
/* A count of elements that take at least `least` bytes each, at most `max`
 * and no more than the bytes left could hold. */
uint32_t wire_count(struct wire_in *in, uint32_t max, size_t least, const char *what);
/* A string of at most `max` bytes without a NUL: where it is in the input
 * (not NUL-terminated) and its length; "" after a failure. */
const char *wire_strn(struct wire_in *in, size_t max, size_t *len);
/* The same, NUL bytes allowed: bytes that are not a C string. */
const char *wire_blob(struct wire_in *in, size_t max, size_t *len);

#endif
