/* A strict check that a line is one JSON value (RFC 8259), for the tests
 * that need no python: the output unit test and the format fuzz target.
 * json_check(s, n): NULL when s[0..n) is one JSON value with nothing but
 * white space around it, else a message saying what is wrong. */
#ifndef TP_JSON_CHECK_H
#define TP_JSON_CHECK_H

#include <stddef.h>
#include <string.h>

struct json_in {
    const char *p, *end;
    const char *err;
    int depth;
};

static void json_ws(struct json_in *j)
{
    while (j->p < j->end && strchr(" \t\n\r", *j->p) && *j->p)
        j->p++;
}

static int json_fail(struct json_in *j, const char *why)
{
    if (!j->err)
        j->err = why;
    return 0;
}

static int json_lit(struct json_in *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return json_fail(j, "not a value");
    j->p += n;
    return 1;
}

static int json_string(struct json_in *j)
{
    j->p++; /* the opening quote */
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p++;
        if (c == '"')
            return 1;
        if (c < 0x20)
            return json_fail(j, "a control character in a string");
        if (c == '\\') {
            if (j->p >= j->end)
                break;
            c = (unsigned char)*j->p++;
            if (c == 'u') {
                for (int i = 0; i < 4; i++, j->p++)
                    if (j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
                        return json_fail(j, "a bad \\u escape");
            } else if (!strchr("\"\\/bfnrt", c) || !c) {
                return json_fail(j, "a bad escape");
            }
        } else if (c >= 0x80) { /* UTF-8, strictly */
            int len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            if (!len || c > 0xf4 || j->end - j->p < len - 1)
                return json_fail(j, "a byte that is not UTF-8");
            unsigned cp = c & (0x7f >> len);
            for (int i = 1; i < len; i++) {
                unsigned char d = (unsigned char)*j->p++;
                if ((d & 0xc0) != 0x80)
                    return json_fail(j, "a byte that is not UTF-8");
                cp = cp << 6 | (d & 0x3f);
            }
            if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                (cp >= 0xd800 && cp <= 0xdfff))
                return json_fail(j, "a byte that is not UTF-8");
        }
    }
    return json_fail(j, "a string without its closing quote");
}

static int json_number(struct json_in *j)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    else
        return json_fail(j, "not a number");
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return json_fail(j, "not a number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    return j->p > s;
}

static int json_value(struct json_in *j)
{
    json_ws(j);
    if (j->p >= j->end)
        return json_fail(j, "a value is missing");
    if (++j->depth > 64)
        return json_fail(j, "nested too deep");
    int ok;
    char c = *j->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        json_ws(j);
        ok = 1;
        if (j->p < j->end && *j->p == close) {
            j->p++;
        } else {
            for (;;) {
                if (c == '{') {
                    json_ws(j);
                    if (j->p >= j->end || *j->p != '"' || !json_string(j))
                        return json_fail(j, "an object's key is not a string");
                    json_ws(j);
                    if (j->p >= j->end || *j->p++ != ':')
                        return json_fail(j, "no ':' after a key");
                }
                if (!json_value(j))
                    return 0;
                json_ws(j);
                if (j->p < j->end && *j->p == ',') {
                    j->p++;
                    continue;
                }
                if (j->p < j->end && *j->p == close) {
                    j->p++;
                    break;
                }
                return json_fail(j, "no ',' or closing bracket");
            }
        }
    } else if (c == '"') {
        ok = json_string(j);
    } else if (c == 't') {
        ok = json_lit(j, "true");
    } else if (c == 'f') {
        ok = json_lit(j, "false");
    } else if (c == 'n') {
        ok = json_lit(j, "null");
    } else {
        ok = json_number(j);
    }
    j->depth--;
    return ok;
}

static inline const char *json_check(const char *s, size_t n)
{
    struct json_in j = {.p = s, .end = s + n};
    if (!json_value(&j))
        return j.err ? j.err : "not JSON";
    json_ws(&j);
    return j.p == j.end ? NULL : "more after the value";
}

#endif
