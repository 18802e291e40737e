#include "runtime/value.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lang/type.h"
#include "runtime/syms.h"

int64_t value_int(const struct value *v)
{
    int64_t x;
    memcpy(&x, v->data, 8);
    /* kept extended to 8 bytes; read back at the width, whatever the bytes */
    switch (v->ty.size) {
    case 1: return v->ty.is_signed ? (int8_t)x : (int64_t)(uint8_t)x;
    case 2: return v->ty.is_signed ? (int16_t)x : (int64_t)(uint16_t)x;
    case 4: return v->ty.is_signed ? (int32_t)x : (int64_t)(uint32_t)x;
    default: return x;
    }
}

const char *value_enum_name(const struct value *v, const struct value_env *env)
{
    if (v->ty.kind != TY_INT || v->ty.rec < 1 || !env->enums || v->ty.rec > env->nenums)
        return NULL;
    const struct plan_enum *e = &env->enums[v->ty.rec - 1];
    int64_t x = value_int(v);
    for (int i = 0; i < e->n; i++)
        if (e->values[i] == x)
            return e->names[i];
    return NULL;
}

static void int_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    int64_t x = value_int(v);
    if (v->ty.is_signed)
        sb_i64(b, x);
    else
        sb_u64(b, (uint64_t)x);
}

void value_json_int(struct sbuf *b, int64_t v, bool is_signed)
{
    /* exact as a double: from the double back to the same integer, the
     * double's range checked first (a conversion out of range is undefined) */
    bool exact;
    if (is_signed) {
        double d = (double)v;
        exact = d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (int64_t)d == v;
    } else {
        double d = (double)(uint64_t)v;
        exact = d < 18446744073709551616.0 && (uint64_t)d == (uint64_t)v;
    }
    if (!exact)
        sb_putc(b, '"');
    if (is_signed)
        sb_i64(b, v);
    else
        sb_u64(b, (uint64_t)v);
    if (!exact)
        sb_putc(b, '"');
}

static void int_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    value_json_int(b, value_int(v), v->ty.is_signed);
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* overlong forms, UTF-16 surrogates and past U+10FFFF are not UTF-8 */
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

/* A byte a JSON string holds as it is: printable ASCII but '"' and '\\'
 * (DEL needs no escape). */
static inline bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Whether all 8 bytes of w are plain: none below 0x20 or from 0x80 on,
 * none '"' or '\\' (each test is exact for the word as a whole; a path or
 * a name is mostly such words, so it goes 8 bytes a step). */
static inline bool plain8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), s = w ^ (ones * '\\');
    uint64_t below = (w - ones * 0x20) & ~w, quote = (q - ones) & ~q, slash = (s - ones) & ~s;
    return !((below | quote | slash | w) & highs);
}

void value_json_str(struct sbuf *b, const char *s, size_t n)
{
    sb_putc(b, '"');
    value_json_chars(b, s, n);
    sb_putc(b, '"');
}

void value_json_chars(struct sbuf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i; /* plain bytes go in one copy */
        for (uint64_t w; run + 8 <= n && (memcpy(&w, u + run, 8), plain8(w));)
            run += 8;
        while (run < n && plain(u[run]))
            run++;
        if (run > i) {
            sb_put(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned c = u[i];
        switch (c) {
        case '"': sb_put(b, "\\\"", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                sb_printf(b, "\\u%04x", c);
            } else {
                size_t len = utf8_len(u + i, n - i);
                if (len) {
                    sb_put(b, s + i, len);
                    i += len;
                    continue;
                }
                sb_printf(b, "\\udc%02x", c);
            }
        }
        i++;
    }
}

static void str_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    sb_put(b, v->data, strnlen(v->data, (size_t)v->ty.size));
}

static void str_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    value_json_str(b, v->data, strnlen(v->data, (size_t)v->ty.size));
}

/* A buffer's bytes as bpftrace prints them: printable ASCII as it is, any
 * other byte as \xNN. Its length is the event's, so bounded by its size. */
static void buf_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    uint64_t len;
    memcpy(&len, v->data, 8);
    if (len > (uint64_t)(v->ty.size > 0 ? v->ty.size : 0))
        len = (uint64_t)(v->ty.size > 0 ? v->ty.size : 0);
    const unsigned char *p = (const unsigned char *)v->data + 8;
    for (uint64_t i = 0; i < len; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f) {
            sb_putc(b, (char)p[i]);
        } else {
            static const char hex[] = "0123456789abcdef";
            char e[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};
            sb_put(b, e, 4);
        }
    }
}

/* ntop(): an IPv4 or IPv6 address as inet_ntop(3) writes it (127.0.0.1,
 * ::1); a family it does not know, said as such. */
static void inet_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    int64_t family;
    memcpy(&family, v->data, 8);
    unsigned char addr[16];
    memcpy(addr, (const char *)v->data + 8, 16);
    char out[INET6_ADDRSTRLEN];
    if ((family == AF_INET || family == AF_INET6) && inet_ntop((int)family, addr, out, sizeof(out)))
        sb_puts(b, out);
    else
        sb_printf(b, "(address family %" PRId64 ")", family);
}

/* cgroup_path(): the path of the id, as the runtime finds it. */
static void cgpath_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    uint64_t id;
    memcpy(&id, v->data, 8);
    if (!env || !env->cgroup_path) {
        sb_u64(b, id);
        return;
    }
    char path[4096];
    sb_puts(b, env->cgroup_path(id, path, sizeof(path)));
}

/* A stack's frame `i` as its mode writes it, without the indent: "sym+off",
 * "addr sym+off (file)" (perf: the file for user frames), or the address
 * alone (raw). */
static const char *frame_text(const struct value *v, const struct value_env *env, uint32_t tgid,
                              uint64_t addr, int i, char *buf, size_t len)
{
    if (v->ty.mode == STACK_RAW) {
        snprintf(buf, len, "%" PRIx64, addr);
        return buf;
    }
    /* past the first, each frame is where a call returns to */
    unsigned how = SYMS_OFFSET | (i ? SYMS_RETURN : 0);
    if (v->ty.mode == STACK_PERF && v->ty.user)
        how |= SYMS_FILE;
    char sym[1024];
    env->syms->symbol(env->syms->ctx, v->ty.user, tgid, addr, how, sym, sizeof(sym));
    if (v->ty.mode == STACK_PERF)
        snprintf(buf, len, "%" PRIx64 " %s", addr, sym);
    else
        snprintf(buf, len, "%s", sym);
    return buf;
}

/* A stack's frames, as the runtime keeps them by the stack's hash: their
 * number, 0 where none are known or nothing may be asked. */
static int stack_frames(const struct value *v, const struct value_env *env, uint64_t *hash,
                        uint32_t *tgid, const uint64_t **frames)
{
    *frames = NULL;
    if (v->ty.size == TY_STACK_CAPTURE) { /* a copy to unwind first */
        *hash = 0;
        *tgid = 0;
        if (env && env->syms && env->syms->unwind)
            *hash = env->syms->unwind(env->syms->ctx, v->ty.rec, v->data, tgid);
    } else {
        memcpy(hash, v->data, 8);
        memcpy(tgid, (const char *)v->data + 8, 4);
    }
    return env && env->syms ? env->syms->frames(env->syms->ctx, v->ty.rec, *hash, frames) : 0;
}

/* kstack, ustack: as bpftrace prints them, a newline, then a frame a line,
 * innermost first, indented by 8 (a tab in perf's mode, none for raw) */
static void stack_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    uint64_t hash;
    uint32_t tgid;
    const uint64_t *frames;
    int n = stack_frames(v, env, &hash, &tgid, &frames);
    sb_putc(b, '\n');
    if (!env || !env->syms) {
        sb_printf(b, "        [stack %016" PRIx64 "]\n", hash);
        return;
    }
    const char *indent = v->ty.mode == STACK_PERF  ? "\t"
                         : v->ty.mode == STACK_RAW ? ""
                                                   : "        ";
    for (int i = 0; i < n; i++) {
        char frame[1200];
        sb_puts(b, indent);
        sb_puts(b, frame_text(v, env, tgid, frames[i], i, frame, sizeof(frame)));
        sb_putc(b, '\n');
    }
}

/* In JSON, an array of the frames, each a string. */
static void stack_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    uint64_t hash;
    uint32_t tgid;
    const uint64_t *frames;
    int n = stack_frames(v, env, &hash, &tgid, &frames);
    sb_putc(b, '[');
    for (int i = 0; i < n; i++) {
        char frame[1200];
        frame_text(v, env, tgid, frames[i], i, frame, sizeof(frame));
        if (i)
            sb_puts(b, ", ");
        value_json_str(b, frame, strlen(frame));
    }
    sb_putc(b, ']');
}

/* Appends s, with what would split a folded line (';', a newline, and
 * the space the count follows) made '_'. */
static void folded_piece(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_putc(b, s[i] == ';' || s[i] == '\n' || s[i] == ' ' ? '_' : s[i]);
}

void value_folded(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    if (v->ty.kind != TY_STACK) {
        struct sbuf t = {0};
        value_text(&t, v, env);
        folded_piece(b, t.p ? t.p : "", t.len);
        sb_free(&t);
        return;
    }
    uint64_t hash;
    uint32_t tgid;
    const uint64_t *frames;
    int n = stack_frames(v, env, &hash, &tgid, &frames);
    for (int i = n - 1; i >= 0; i--) { /* root first */
        char sym[1024];
        if (v->ty.mode == STACK_RAW)
            snprintf(sym, sizeof(sym), "%" PRIx64, frames[i]);
        else
            env->syms->symbol(env->syms->ctx, v->ty.user, tgid, frames[i], i ? SYMS_RETURN : 0, sym,
                              sizeof(sym));
        if (i != n - 1)
            sb_putc(b, ';');
        folded_piece(b, sym, strlen(sym));
    }
}

/* ksym(), usym(): the symbol the address is in, by name; the address in
 * hex where it is in none */
static void sym_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    uint64_t addr;
    uint32_t tgid = 0;
    memcpy(&addr, v->data, 8);
    if (v->ty.user)
        memcpy(&tgid, (const char *)v->data + 8, 4);
    if (!env || !env->syms) {
        sb_printf(b, "0x%" PRIx64, addr);
        return;
    }
    char sym[1024];
    sb_puts(b, env->syms->symbol(env->syms->ctx, v->ty.user, tgid, addr, 0, sym, sizeof(sym)));
}

/* An argv: the arguments with the separator between them; one as long as
 * its slot was cut, and so was the list if the count says so. */
static void join_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    uint64_t count;
    memcpy(&count, v->data, 8);
    unsigned n = (unsigned)count > TY_JOIN_MAX ? TY_JOIN_MAX : (unsigned)count;
    size_t size = v->ty.size > 0 ? (size_t)v->ty.size : 0;
    for (unsigned i = 0; i < n; i++) {
        if (i)
            sb_put(b, v->text, v->textlen);
        const char *arg = (const char *)v->data + 8 + i * size;
        size_t len = strnlen(arg, size);
        sb_put(b, arg, len);
        if (size && len >= size - 1)
            sb_puts(b, "...");
    }
    if (count & TY_JOIN_CUT) {
        sb_put(b, v->text, v->textlen);
        sb_puts(b, "...");
    }
}

/* strftime() with two additions for sub-second times: %L milliseconds and
 * %f microseconds. */
static void time_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    /* the value comes from the event, so any 64 bits: no overflow, no
     * negative remainder, and a year localtime_r cannot represent is said */
    uint64_t mono_ns;
    memcpy(&mono_ns, v->data, 8);
    int64_t ns;
    struct tm tm;
    if (mono_ns > INT64_MAX ||
        __builtin_add_overflow((int64_t)mono_ns, env->realtime_offset, &ns)) {
        sb_puts(b, "(time out of range)");
        return;
    }
    time_t secs = ns / 1000000000;
    long frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    if (!localtime_r(&secs, &tm)) {
        sb_puts(b, "(time out of range)");
        return;
    }
    /* the checks bound the format to TY_TIME_FMT_MAX bytes; out holds what
     * any such format expands to */
    const char *fmt = v->text;
    size_t fmtlen = v->textlen;
    char f[2 * TY_TIME_FMT_MAX + 8], out[8192];
    size_t n = 0;
    for (size_t i = 0; i < fmtlen && n < sizeof(f) - 8; i++) {
        if (fmt[i] == '%' && i + 1 < fmtlen && (fmt[i + 1] == 'L' || fmt[i + 1] == 'f')) {
            n += snprintf(f + n, sizeof(f) - n, fmt[i + 1] == 'L' ? "%03ld" : "%06ld",
                          fmt[i + 1] == 'L' ? frac / 1000000 : frac / 1000);
            i++;
        } else {
            if (fmt[i] == '%' && i + 1 < fmtlen)
                f[n++] = fmt[i++];
            f[n++] = fmt[i];
        }
    }
    f[n] = 0;
    sb_put(b, out, strftime(out, sizeof(out), f, &tm));
}

/* A value whose JSON is its text, as a string. */
static void as_json_string(struct sbuf *b, const struct value *v, const struct value_env *env,
                           void (*text)(struct sbuf *, const struct value *,
                                        const struct value_env *))
{
    struct sbuf t = {0};
    text(&t, v, env);
    value_json_str(b, t.p ? t.p : "", t.len);
    sb_free(&t);
}

static void join_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, join_text);
}

/* a buffer's JSON is its text, as in bpftrace */
static void buf_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, buf_text);
}

static void inet_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, inet_text);
}

static void cgpath_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, cgpath_text);
}

static void sym_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, sym_text);
}

static void time_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, time_text);
}

/* An address, in hex as C's %p shows one; in JSON a string, since no
 * double holds a kernel address exactly. */
static void ptr_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    (void)env;
    uint64_t x;
    memcpy(&x, v->data, 8);
    sb_printf(b, "0x%" PRIx64, x);
}

static void ptr_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    as_json_string(b, v, env, ptr_text);
}

/* A struct's members, as bpftrace prints records: { .a = 1, .b = { ... } }
 * in text, an object in JSON. Its bytes are the kernel's, each member at
 * its offset and width. */
static uint64_t raw_bits(const unsigned char *p, size_t avail, const struct plan_field *f,
                         size_t size)
{
    uint64_t x = 0;
    size_t n = f->bit_size ? ((size_t)f->bit_off + f->bit_size + 7) / 8 : size;
    if (n > avail)
        n = avail;
    if (n > 8)
        n = 8;
    for (size_t i = 0; i < n; i++) /* little-endian, as BPF's targets here are */
        x |= (uint64_t)p[i] << (8 * i);
    if (f->bit_size) {
        x >>= f->bit_off;
        if (f->bit_size < 64)
            x &= (1ull << f->bit_size) - 1;
        if (f->ty.is_signed && f->bit_size < 64 && (x >> (f->bit_size - 1)) & 1)
            x |= ~0ull << f->bit_size;
        return x;
    }
    if (f->ty.is_signed && size < 8 && (x >> (8 * size - 1)) & 1)
        x |= ~0ull << (8 * size);
    return x;
}

static void record_print(struct sbuf *b, const struct plan_record *r, const unsigned char *data,
                         size_t avail, const struct value_env *env, bool json, int depth);

/* One element of a member: an integer, address, string or record at p. */
static void member_print(struct sbuf *b, const struct plan_field *f, const unsigned char *p,
                         size_t avail, const struct value_env *env, bool json, int depth)
{
    switch (f->ty.kind) {
    case TY_INT: {
        uint64_t x = raw_bits(p, avail, f, (size_t)f->ty.size);
        if (json)
            value_json_int(b, (int64_t)x, f->ty.is_signed);
        else if (f->ty.is_signed)
            sb_i64(b, (int64_t)x);
        else
            sb_u64(b, x);
        return;
    }
    case TY_PTR: {
        uint64_t x = raw_bits(p, avail, &(struct plan_field){.ty = ty_int64(false)}, 8);
        sb_printf(b, json ? "\"0x%" PRIx64 "\"" : "0x%" PRIx64, x);
        return;
    }
    case TY_STR: {
        size_t n =
            strnlen((const char *)p, avail < (size_t)f->ty.size ? avail : (size_t)f->ty.size);
        if (json)
            value_json_str(b, (const char *)p, n);
        else
            sb_put(b, (const char *)p, n);
        return;
    }
    case TY_STACK:
    case TY_SYM: { /* a tuple's: printed as they are alone */
        struct value v = {.ty = f->ty, .data = p};
        if (avail < ty_store_size(f->ty))
            sb_puts(b, json ? "null" : "?");
        else if (json)
            value_json(b, &v, env);
        else
            value_text(b, &v, env);
        return;
    }
    case TY_RECORD:
        if (env->records && f->ty.rec >= 0 && f->ty.rec < env->nrecords &&
            depth < PLAN_RECORD_DEPTH)
            record_print(b, &env->records[f->ty.rec], p, avail, env, json, depth + 1);
        else
            sb_puts(b, json ? "null" : "?");
        return;
    default: sb_puts(b, json ? "null" : "?"); return;
    }
}

static void record_print(struct sbuf *b, const struct plan_record *r, const unsigned char *data,
                         size_t avail, const struct value_env *env, bool json, int depth)
{
    /* a tuple as bpftrace prints one: (1, a), a JSON array */
    sb_puts(b, r->tuple ? (json ? "[" : "(") : json ? "{" : "{ ");
    for (int i = 0; i < r->nfields; i++) {
        const struct plan_field *f = &r->fields[i];
        if (i)
            sb_puts(b, ", ");
        if (json && !r->tuple) { /* a tuple's elements go by place, not by name */
            value_json_str(b, f->name, strlen(f->name));
            sb_puts(b, ": ");
        } else if (!r->tuple) {
            sb_printf(b, ".%s = ", f->name);
        }
        size_t esize = ty_mem_size(f->ty);
        if (!f->count) {
            member_print(b, f, data + f->off, f->off < avail ? avail - f->off : 0, env, json,
                         depth);
            continue;
        }
        sb_putc(b, '[');
        for (unsigned k = 0; k < f->count; k++) {
            size_t off = f->off + k * esize;
            if (k)
                sb_putc(b, ',');
            member_print(b, f, data + off, off < avail ? avail - off : 0, env, json, depth);
        }
        sb_putc(b, ']');
    }
    sb_puts(b, r->tuple ? (json ? "]" : ")") : json ? "}" : " }");
}

static void record_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    if (!env->records || v->ty.rec < 0 || v->ty.rec >= env->nrecords)
        return;
    record_print(b, &env->records[v->ty.rec], v->data, (size_t)v->ty.size, env, false, 0);
}

static void record_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    if (!env->records || v->ty.rec < 0 || v->ty.rec >= env->nrecords) {
        sb_puts(b, "null");
        return;
    }
    record_print(b, &env->records[v->ty.rec], v->data, (size_t)v->ty.size, env, true, 0);
}

typedef void value_printer(struct sbuf *, const struct value *, const struct value_env *);
static const struct {
    value_printer *text, *json;
} printers[TY_KINDS] = {
    [TY_INT] = {int_text, int_json},          [TY_STR] = {str_text, str_json},
    [TY_BUF] = {buf_text, buf_json},          [TY_JOIN] = {join_text, join_json},
    [TY_TIME] = {time_text, time_json},       [TY_PTR] = {ptr_text, ptr_json},
    [TY_RECORD] = {record_text, record_json}, [TY_TUPLE] = {record_text, record_json},
    [TY_INET] = {inet_text, inet_json},       [TY_CGPATH] = {cgpath_text, cgpath_json},
    [TY_STACK] = {stack_text, stack_json},    [TY_SYM] = {sym_text, sym_json},
};

void value_text(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    if (v->ty.kind > TY_NONE && v->ty.kind < TY_KINDS && printers[v->ty.kind].text)
        printers[v->ty.kind].text(b, v, env);
}

void value_json(struct sbuf *b, const struct value *v, const struct value_env *env)
{
    if (v->ty.kind > TY_NONE && v->ty.kind < TY_KINDS && printers[v->ty.kind].json)
        printers[v->ty.kind].json(b, v, env);
    else
        sb_puts(b, "null");
}
