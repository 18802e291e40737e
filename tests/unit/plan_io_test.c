/* The plan as a compiled script carries it (lang/plan_io.c), without a
 * kernel: a plan from the checks is written and read back to the same plan
 * (as -d plan prints it); the bytes cut short at every length are refused
 * with a message; every byte changed is refused or read into a plan -d plan
 * prints (the sanitizers' builds run this too: no read past a buffer, no
 * undefined behaviour); and some changes are refused with their message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/plan.h"
#include "lang/wire.h"
#include "tests/fuzz/fuzz_script.h"

static int failures;

static char *dumped(const struct plan *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    plan_dump(p, f);
    fclose(f);
    return buf;
}

/* Reads n bytes as a plan: 0 and the plan dumped, or -1 and the message. */
static int read_back(const unsigned char *b, size_t n, char **dump, char *err, size_t errlen)
{
    struct wire_in in;
    wire_in_init(&in, b, n);
    struct plan *p = plan_new();
    int ncpus, rc = plan_read(&in, p, 1u << 20, &ncpus);
    if (rc == 0 && in.p != in.end) {
        rc = -1;
        snprintf(in.err, sizeof(in.err), "bytes left");
    }
    if (rc == 0 && dump)
        *dump = dumped(p);
    else if (rc == 0)
        free(dumped(p));
    snprintf(err, errlen, "%s", in.err);
    plan_free(p);
    return rc;
}

static void check_script(const char *name, const char *text)
{
    struct fuzz_script fs;
    if (!fuzz_script_open(&fs, (const uint8_t *)text, strlen(text), 4)) {
        printf("FAIL %s: the script does not pass the checks\n", name);
        failures++;
        fuzz_script_close(&fs);
        return;
    }
    struct wire_out o = {0};
    plan_write(&o, fs.plan, 4);
    char *want = dumped(fs.plan), *got = NULL, err[256];
    if (read_back(o.buf, o.len, &got, err, sizeof(err)) || strcmp(want, got)) {
        printf("FAIL %s: read back %s\n%s\n---\n%s\n", name, got ? "otherwise" : err, want,
               got ? got : "");
        failures++;
    }
    free(got);
    for (size_t n = 0; n < o.len; n++)
        if (read_back(o.buf, n, NULL, err, sizeof(err)) == 0 || !err[0]) {
            printf("FAIL %s: %zu of %zu bytes were read as a plan\n", name, n, o.len);
            failures++;
            break;
        }
    for (size_t i = 0; i < o.len; i++) {
        unsigned char *b = malloc(o.len);
        memcpy(b, o.buf, o.len);
        b[i] ^= 0xff;
        read_back(b, o.len, NULL, err, sizeof(err));
        free(b);
    }
    free(want);
    wire_out_free(&o);
    fuzz_script_close(&fs);
}

/* The bytes of a plan with its first map's lhist() made `step`: refused. */
static void check_refused(void)
{
    const char *text = "probe BEGIN { @h = lhist(5, 0, 100, 10); exit() }";
    struct fuzz_script fs;
    if (!fuzz_script_open(&fs, (const uint8_t *)text, strlen(text), 1))
        abort();
    fs.plan->maps[0].lhist_step = 3;
    struct wire_out o = {0};
    plan_write(&o, fs.plan, 1);
    char err[256];
    const char *want = "the maps: map @h's lhist() bounds are not ones the checks allow";
    if (read_back(o.buf, o.len, NULL, err, sizeof(err)) == 0 || strcmp(err, want)) {
        printf("FAIL lhist: \"%s\", not \"%s\"\n", err, want);
        failures++;
    }
    wire_out_free(&o);
    fuzz_script_close(&fs);
}

int main(void)
{
    check_script("maps", "probe BEGIN { @c = count(); @s[1, \"a\"] = sum(2); @m = min(3); "
                         "@x = max(4); @a = avg(5); @st = stats(6); @h = hist(7); "
                         "@l = lhist(8, 0, 100, 10); @v[\"k\"] = 9; exit() }");
    check_script(
        "events",
        "probe BEGIN { printf(\"%-8d %5s %x %c|%%\\n\", 1, \"ab\", 255, 65); "
        "print 1, \"two\", (3, \"four\"); printf(\"%s\\n\", strftime(\"%H:%M\", nsecs)); exit() }");
    check_script("requests", "probe BEGIN { @a[1] = 1; print(@a, 1); clear(@a); zero(@a); "
                             "delete(@a[1]); time(\"%H:%M\"); exit() }");
    check_script("tuples", "probe profile:hz:99 { @t = (1, \"a\", kstack); print @t; @u[ustack(3)] "
                           "= count(); exit() }");
    check_refused();
    if (!failures)
        printf("plan_io: every plan read back; every cut refused\n");
    return failures != 0;
}
