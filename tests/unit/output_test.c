/* The value printers (runtime/value.c) and the text and JSON backends
 * (runtime/output_*.c) without a kernel: integers at their width and sign,
 * strings at their bound and in JSON whatever their bytes, printf's
 * conversions as C's printf makes them, buffers, addresses and cgroup
 * paths, cat()'s and system()'s records, and map and histogram records in
 * bpftrace's shapes. Every JSON line must parse (json_check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lang/arena.h"
#include "lang/printf.h"
#include "runtime/output.h"
#include "runtime/syms.h"
#include "tests/unit/json_check.h"

static int failures;

static void same(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        printf("FAIL %s:\n  got  %s\n  want %s\n", what, got, want);
        failures++;
    }
}

/* A value printed as text or JSON, into a string of its own. */
static const char *show(struct value v, bool json)
{
    static struct sbuf b;
    b.len = 0;
    struct value_env env = {0};
    if (json)
        value_json(&b, &v, &env);
    else
        value_text(&b, &v, &env);
    if (json && json_check(b.p, b.len)) {
        printf("FAIL %s does not parse: %s\n", b.p, json_check(b.p, b.len));
        failures++;
    }
    return b.p ? b.p : "";
}

static struct value int_value(int64_t *x, int size, bool sgn)
{
    return (struct value){.ty = ty_int(size, sgn), .data = x};
}

static void integers(void)
{
    int64_t all = -1, big = (int64_t)1 << 53, past = big + 1, min = INT64_MIN;
    same("uint32 of all ones", show(int_value(&all, 4, false), false), "4294967295");
    same("int32 of all ones", show(int_value(&all, 4, true), false), "-1");
    same("uint16", show(int_value(&all, 2, false), false), "65535");
    same("int8", show(int_value(&all, 1, true), true), "-1");
    same("uint64 max as JSON", show(int_value(&all, 8, false), true), "\"18446744073709551615\"");
    same("2^53 is exact", show(int_value(&big, 8, true), true), "9007199254740992");
    same("2^53 + 1 is not", show(int_value(&past, 8, true), true), "\"9007199254740993\"");
    same("INT64_MIN is exact", show(int_value(&min, 8, true), true), "-9223372036854775808");
    /* the digits at each length, written two at a time */
    const char *digits[] = {"0", "7", "10", "99", "100", "101", "1009", "123456789"};
    for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++) {
        int64_t x = strtoll(digits[i], NULL, 10);
        same("digits", show(int_value(&x, 8, false), false), digits[i]);
    }
}

static void strings(void)
{
    struct value v = {.ty = ty_str(4), .data = "abcdef"};
    same("a string at its bound", show(v, false), "abcd");
    v.data = "ab\0cd";
    same("a string ends at its NUL", show(v, true), "\"ab\"");
    /* control characters, quote, backslash, DEL; é is UTF-8; then a lone
     * continuation byte, an overlong '/', a UTF-16 surrogate and a code
     * point past U+10FFFF, each byte of which is escaped */
    const char *s = "\x01\t\n\"\\\x7f\xc3\xa9\x80\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xf0\x9f";
    v = (struct value){.ty = ty_str(64), .data = s};
    same("hostile bytes as JSON", show(v, true),
         "\"\\u0001\\t\\n\\\"\\\\\x7f\xc3\xa9\\udc80\\udcc0\\udcaf\\udced\\udca0\\udc80\\udcf4\\udc"
         "90"
         "\\udc80\\udc80\\udcf0\\udc9f\"");
    /* its length, then its bytes: printable ASCII as it is (a backslash
     * too, as bpftrace prints it), the rest \xNN; bytes past the length not
     * printed */
    unsigned char buf[8 + 6] = {5, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0xff, '\\', '"', 'z'};
    v = (struct value){.ty = {.kind = TY_BUF, .size = 6}, .data = buf};
    same("a buffer as text", show(v, false), "a\\x00\\xff\\\"");
    same("a buffer as JSON", show(v, true), "\"a\\\\x00\\\\xff\\\\\\\"\"");
    buf[0] = 200; /* a hostile length: only the buffer's size is read */
    same("a buffer's length bounded", show(v, false), "a\\x00\\xff\\\"z");
}

/* ntop(): the family, then 16 bytes; inet_ntop's forms, and a family it
 * does not know said as such. */
static void addresses(void)
{
    unsigned char a[TY_INET_SIZE] = {2, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1};
    struct value v = {.ty = {.kind = TY_INET, .size = TY_INET_SIZE}, .data = a};
    same("IPv4", show(v, false), "127.0.0.1");
    same("IPv4 as JSON", show(v, true), "\"127.0.0.1\"");
    memset(a + 8, 0, 16);
    a[0] = 10;
    a[23] = 1;
    same("IPv6 loopback", show(v, false), "::1");
    unsigned char six[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x02};
    memcpy(a + 8, six, 16);
    same("IPv6", show(v, true), "\"2001:db8::1:2\"");
    a[0] = 99;
    same("an unknown family", show(v, false), "(address family 99)");
}

static const char *fake_cgroup_path(uint64_t id, char *buf, size_t len)
{
    snprintf(buf, len, "unified:/cg%llu", (unsigned long long)id);
    return buf;
}

/* cgroup_path(): the id's path as the runtime finds it; without a way to
 * find it (the fuzzer's case), the id. */
static void cgroup_paths(void)
{
    uint64_t id = 42;
    struct value v = {.ty = {.kind = TY_CGPATH, .size = 8}, .data = &id};
    same("a cgroup id without a resolver", show(v, false), "42");
    struct sbuf b = {0};
    struct value_env env = {.cgroup_path = fake_cgroup_path};
    value_text(&b, &v, &env);
    same("a cgroup's path", b.p, "unified:/cg42");
    b.len = 0;
    value_json(&b, &v, &env);
    same("a cgroup's path as JSON", b.p, "\"unified:/cg42\"");
    sb_free(&b);
}

/* A stack's frames and symbols as the runtime would find them: two frames,
 * the second a return address (looked up a byte back), one in no symbol. */
static const uint64_t fake_stack[] = {0x1005, 0x2010};

static int fake_frames(void *ctx, int rec, uint64_t hash, const uint64_t **frames)
{
    (void)ctx;
    *frames = fake_stack;
    return rec == 0 && hash == 7 ? 2 : 0;
}

static const char *fake_symbol(void *ctx, bool user, uint32_t tgid, uint64_t addr, unsigned how,
                               char *buf, size_t len)
{
    (void)ctx;
    uint64_t look = (how & SYMS_RETURN) ? addr - 1 : addr;
    if (look >= 0x2000) {
        snprintf(buf, len, "0x%llx", (unsigned long long)addr);
        return buf;
    }
    int n = snprintf(buf, len, "%s", user ? "main" : "vfs_read");
    if (how & SYMS_OFFSET)
        n += snprintf(buf + n, len - (size_t)n, "+%llu", (unsigned long long)(addr - 0x1000));
    if ((how & SYMS_FILE) && user)
        snprintf(buf + n, len - (size_t)n, " (/bin/t%u)", tgid);
    return buf;
}

/* kstack and ustack in each mode, as text and JSON; a stack whose frames
 * are not known; ksym() and usym() */
static void stacks(void)
{
    uint64_t v[2] = {7, 42};
    struct value_syms syms = {.frames = fake_frames, .symbol = fake_symbol};
    struct value_env env = {.syms = &syms};
    struct sbuf b = {0};
    struct {
        bool user;
        int mode;
        bool json;
        const char *want;
    } cases[] = {
        {false, STACK_BPFTRACE, false, "\n        vfs_read+5\n        0x2010\n"},
        {true, STACK_PERF, false, "\n\t1005 main+5 (/bin/t42)\n\t2010 0x2010\n"},
        {false, STACK_RAW, false, "\n1005\n2010\n"},
        {false, STACK_BPFTRACE, true, "[\"vfs_read+5\", \"0x2010\"]"},
        {true, STACK_RAW, true, "[\"1005\", \"2010\"]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct value s = {.ty = {.kind = TY_STACK,
                                 .size = TY_STACK_SIZE,
                                 .user = cases[i].user,
                                 .mode = (unsigned char)cases[i].mode},
                          .data = v};
        b.len = 0;
        if (cases[i].json)
            value_json(&b, &s, &env);
        else
            value_text(&b, &s, &env);
        char what[32];
        snprintf(what, sizeof(what), "stack case %zu", i);
        same(what, b.p, cases[i].want);
    }
    uint64_t unknown[2] = {8, 0};
    struct value s = {.ty = {.kind = TY_STACK, .size = TY_STACK_SIZE}, .data = unknown};
    b.len = 0;
    value_json(&b, &s, &env);
    same("a stack not known", b.p, "[]");
    same("a stack without a runtime", show(s, false), "\n        [stack 0000000000000008]\n");
    uint64_t addr[2] = {0x1003, 42};
    struct value k = {.ty = {.kind = TY_SYM, .size = 8}, .data = addr};
    struct value u = {.ty = {.kind = TY_SYM, .size = 16, .user = true}, .data = addr};
    b.len = 0;
    value_text(&b, &k, &env);
    same("ksym()", b.p, "vfs_read");
    b.len = 0;
    value_json(&b, &u, &env);
    same("usym() as JSON", b.p, "\"main\"");
    same("ksym() without a runtime", show(k, false), "0x1003");
    sb_free(&b);
}

static void joins(void)
{
    /* a count (cut: more arguments than kept), then slots of 8 bytes */
    unsigned char j[8 + TY_JOIN_MAX * 8] = {0};
    uint64_t count = 2 | TY_JOIN_CUT;
    memcpy(j, &count, 8);
    memcpy(j + 8, "ls", 3);
    memcpy(j + 16, "-la\"x\"a", 8); /* as long as its slot allows: cut */
    struct value v = {.ty = {.kind = TY_JOIN, .size = 8}, .data = j, .text = ",", .textlen = 1};
    same("a cut join", show(v, false), "ls,-la\"x\"a...,...");
    same("a cut join as JSON", show(v, true), "\"ls,-la\\\"x\\\"a...,...\"");
}

/* Everything written to o's sink since the last call. */
static const char *written(struct output *o)
{
    static char buf[65536];
    sink_flush(o->sink);
    off_t end = lseek(o->sink->fd, 0, SEEK_CUR);
    ssize_t n = pread(o->sink->fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    if (ftruncate(o->sink->fd, 0) || lseek(o->sink->fd, 0, SEEK_SET) || end < 0)
        abort();
    if (o->ops == &output_json) /* each line parses */
        for (char *l = buf, *nl; *l; l = nl + 1) {
            nl = strchr(l, '\n');
            const char *err = json_check(l, (size_t)(nl - l));
            if (!nl || err) {
                printf("FAIL a JSON line does not parse (%s): %s\n", nl ? err : "no newline", l);
                failures++;
                break;
            }
        }
    return buf;
}

/* printf format f, parsed as the checks parse one. */
static struct fmt_spec *format(struct arena *a, const char *f)
{
    struct diag_src src;
    diag_init(&src, "unit", f);
    return fmt_parse(a, f, strlen(f), &src, (struct tp_loc){0});
}

static void printfs(struct output *text, struct output *json, struct arena *a)
{
    struct fmt_spec *spec = format(a, "%d %u %x %ld %hd %hhu %c %5s|%-4s|%.2s %p\n");
    struct ev_arg args[11];
    memset(args, 0, sizeof(args));
    /* an event: the header, then 8 bytes an argument */
    int64_t ev[12] = {0};
    for (int i = 0; i < 7; i++) {
        args[i] = (struct ev_arg){.ty = ty_int(4, false), .off = 8 + 8 * i};
        ev[1 + i] = 0xffffffff;
    }
    args[6].ty = ty_int(8, true);
    ev[7] = 'A';
    args[7] = (struct ev_arg){.ty = ty_str(8), .src = EV_SRC_PROBE};
    args[8] = (struct ev_arg){.ty = ty_str(3), .src = EV_SRC_CONST, .text = "ab", .textlen = 2};
    args[9] = (struct ev_arg){.ty = ty_str(8), .off = 64};
    memcpy(&ev[8], "abcdefgh", 8); /* no NUL: cut at its 8 bytes */
    args[10] = (struct ev_arg){.ty = ty_int64(true), .src = EV_SRC_CONST, .ival = 4096};
    struct ev_desc d = {.laid_out = true,
                        .kind = EV_PRINTF,
                        .fmt = spec,
                        .args = args,
                        .nargs = 11,
                        .size = sizeof(ev)};
    text->ops->event(text, &d, ev, "BEGIN");
    same("printf as text", written(text),
         "-1 4294967295 ffffffff 4294967295 -1 255 A BEGIN|ab  |ab 0x1000\n");
    json->ops->event(json, &d, ev, "BEGIN");
    same("printf as JSON", written(json),
         "{\"type\": \"printf\", \"data\": \"-1 4294967295 ffffffff 4294967295 -1 255 A BEGIN|ab  "
         "|ab 0x1000\\n\", \"args\": [4294967295, 4294967295, 4294967295, 4294967295, 4294967295, "
         "4294967295, 65, \"BEGIN\", \"ab\", \"abcdefgh\", 4096], \"probe\": \"BEGIN\"}\n");
    d = (struct ev_desc){.laid_out = true, .kind = EV_PRINT, .args = args + 8, .nargs = 1};
    json->ops->event(json, &d, ev, "BEGIN");
    same("print of one value as JSON", written(json),
         "{\"type\": \"value\", \"data\": \"ab\", \"probe\": \"BEGIN\"}\n");

    /* %r: a buffer, padded as %s is */
    spec = format(a, "[%-6r|%r]\n");
    unsigned char bev[8 + 16] = {0};
    bev[8] = 3;
    memcpy(bev + 16, "x\001y", 3);
    struct ev_arg bargs[2] = {{.ty = {.kind = TY_BUF, .size = 8}, .off = 8},
                              {.ty = {.kind = TY_BUF, .size = 8}, .off = 8}};
    d = (struct ev_desc){.laid_out = true,
                         .kind = EV_PRINTF,
                         .fmt = spec,
                         .args = bargs,
                         .nargs = 2,
                         .size = sizeof(bev)};
    text->ops->event(text, &d, bev, "BEGIN");
    same("%r", written(text), "[x\\x01y|x\\x01y]\n");
}

/* A stand-in for the runtime's cat() and system(): says what it was asked. */
static bool fake_action(struct output *o, enum ev_kind kind, const char *arg, struct sbuf *out)
{
    (void)o;
    if (strcmp(arg, "none") == 0)
        return false;
    sb_printf(out, "%s %s", kind == EV_CAT ? "cat" : "system", arg);
    return true;
}

/* cat() and system(): their text is what the action printed, a line closed
 * in text; in JSON, bpftrace's cat and syscall records. Nothing is printed
 * when the action fails or there is none. */
static void actions(struct output *text, struct output *json, struct arena *a)
{
    struct fmt_spec *spec = format(a, "/proc/%d/x");
    int64_t ev[2] = {0, 7};
    struct ev_arg arg = {.ty = ty_int64(true), .off = 8};
    struct ev_desc d = {.laid_out = true,
                        .kind = EV_CAT,
                        .fmt = spec,
                        .args = &arg,
                        .nargs = 1,
                        .size = sizeof(ev)};
    text->ops->event(text, &d, ev, "BEGIN");
    same("cat without an action", written(text), "");
    text->user_action = json->user_action = fake_action;
    text->ops->event(text, &d, ev, "BEGIN");
    same("cat as text", written(text), "cat /proc/7/x\n");
    json->ops->event(json, &d, ev, "BEGIN");
    same("cat as JSON", written(json),
         "{\"type\": \"cat\", \"data\": \"cat /proc/7/x\", \"probe\": \"BEGIN\"}\n");
    d.kind = EV_SYSTEM;
    json->ops->event(json, &d, ev, "BEGIN");
    same("system as JSON", written(json),
         "{\"type\": \"syscall\", \"data\": \"system /proc/7/x\", \"probe\": \"BEGIN\"}\n");
    d.fmt = format(a, "none");
    d.nargs = 0;
    text->ops->event(text, &d, ev, "BEGIN");
    json->ops->event(json, &d, ev, "BEGIN");
    same("a failed action prints nothing", written(json), "");
    text->user_action = json->user_action = NULL;
}

static void maps(struct output *text, struct output *json)
{
    /* @m[int, string] = int, two entries */
    struct plan_map m = {.name = "@m", .nkeys = 2, .value = ty_int64(true), .value_size = 8};
    m.keys[0] = (struct plan_key){.ty = ty_int(4, true), .off = 0};
    m.keys[1] = (struct plan_key){.ty = ty_str(8), .off = 8};
    unsigned char k1[16] = {0}, k2[16] = {0};
    int64_t neg = -2, v1 = 5, v2 = -7;
    memcpy(k1, &neg, 8);
    memcpy(k1 + 8, "a b", 4);
    memcpy(k2, &v1, 8);
    memcpy(k2 + 8, "\"q\"", 4);
    struct out_entry es[2] = {{.key = k1, .value = (void *)&v2}, {.key = k2, .value = (void *)&v1}};
    struct out_map om = {.m = &m, .es = es, .n = 2};
    text->ops->map(text, &om);
    same("a map as text", written(text), "@m[-2, a b]: -7\n@m[5, \"q\"]: 5\n\n");
    json->ops->map(json, &om);
    same("a map as JSON", written(json),
         "{\"type\": \"map\", \"data\": {\"@m\": {\"-2,a b\": -7, \"5,\\\"q\\\"\": 5}}}\n");

    /* stats without a key */
    struct plan_map s = {.name = "@s", .agg = AGG_STATS, .value = ty_int64(true)};
    struct out_entry se = {.n = 3, .total = 21};
    om = (struct out_map){.m = &s, .es = &se, .n = 1};
    text->ops->map(text, &om);
    same("stats as text", written(text), "@s: count 3, average 7, total 21\n");
    json->ops->map(json, &om);
    same("stats as JSON", written(json),
         "{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 3, \"average\": 7, \"total\": "
         "21}}}\n");

    /* hist: below 0, [0], then [2, 4) after a gap, and the last bucket,
     * which ends at 2^64 - 1 */
    struct plan_map h = {.name = "@h", .agg = AGG_HIST, .value = ty_int64(true)};
    struct out_entry hs[3] = {{.bucket = 0, .n = 1}, {.bucket = 1, .n = 2}, {.bucket = 3, .n = 4}};
    struct out_group g = {.es = hs, .n = 3, .total = 7};
    om = (struct out_map){.m = &h, .gs = &g, .ng = 1};
    json->ops->map(json, &om);
    same("hist as JSON", written(json),
         "{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, "
         "\"max\": 0, \"count\": 2}, {\"min\": 1, \"max\": 1, \"count\": 0}, {\"min\": 2, "
         "\"max\": 3, \"count\": 4}]}}\n");
    text->ops->map(text, &om);
    same("hist as text", written(text),
         "@h:\n"
         "(..., 0)               1 |@@@@@@@@@@@@@                                       |\n"
         "[0]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
         "[1]                    0 |                                                    |\n"
         "[2, 4)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
    struct out_entry top = {.bucket = PLAN_HIST_BUCKETS - 1, .n = 1};
    g = (struct out_group){.es = &top, .n = 1, .total = 1};
    json->ops->map(json, &om);
    same("hist's last bucket as JSON", written(json),
         "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 9223372036854775808, \"max\": "
         "\"18446744073709551615\", \"count\": 1}]}}\n");

    /* lhist(v, 0, 100, 10) with a key: open at both ends */
    struct plan_map l = {.name = "@l",
                         .agg = AGG_LHIST,
                         .nkeys = 1,
                         .value = ty_int64(true),
                         .lhist_min = 0,
                         .lhist_max = 100,
                         .lhist_step = 10};
    l.keys[0] = (struct plan_key){.ty = ty_str(4)};
    struct out_entry ls[2] = {{.bucket = 10, .n = 1}, {.bucket = 11, .n = 3}};
    g = (struct out_group){.key = (const unsigned char *)"k", .es = ls, .n = 2, .total = 4};
    om = (struct out_map){.m = &l, .gs = &g, .ng = 1};
    json->ops->map(json, &om);
    same("lhist as JSON", written(json),
         "{\"type\": \"hist\", \"data\": {\"@l\": {\"k\": [{\"min\": 90, \"max\": 99, \"count\": "
         "1}, "
         "{\"min\": 100, \"count\": 3}]}}}\n");
    text->ops->map(text, &om);
    same("lhist as text", written(text),
         "@l[k]:\n"
         "[90, 100)              1 |@@@@@@@@@@@@@@@@@                                   |\n"
         "[100, ...)             3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
}

static void records(struct output *json)
{
    json->ops->attached(json, 3);
    uint64_t by[2] = {0, 5};
    const char *probes[2] = {"BEGIN", "tracepoint:a:b"};
    struct out_lost l = {.total = 5, .unprinted = 1, .by = by, .probes = probes, .nprogs = 2};
    json->ops->lost(json, &l);
    json->ops->runtime_error(json, false, "map @m was full");
    same("run-time records as JSON", written(json),
         "{\"type\": \"attached_probes\", \"count\": 3, \"data\": {\"probes\": 3}}\n"
         "{\"type\": \"lost_events\", \"count\": 5, \"data\": {\"events\": 5, \"probes\": "
         "{\"tracepoint:a:b\": 5}, \"unprinted\": 1}}\n"
         "{\"type\": \"runtime_error\", \"msg\": \"map @m was full\"}\n");
}

int main(void)
{
    integers();
    strings();
    addresses();
    cgroup_paths();
    stacks();
    joins();
    struct sink sink;
    sink_stdout(&sink);
    sink.fd = memfd_create("output_test", 0);
    sink.waits = false;
    struct output text = {.ops = &output_text, .sink = &sink};
    struct output json = {.ops = &output_json, .sink = &sink};
    struct arena *a = arena_new();
    printfs(&text, &json, a);
    actions(&text, &json, a);
    maps(&text, &json);
    records(&json);
    arena_free(a);
    output_free(&text);
    output_free(&json);
    sink_close(&sink);
    close(sink.fd);
    if (failures)
        return 1;
    puts("output: all passed");
    return 0;
}
