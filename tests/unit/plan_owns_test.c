/* The plan owns its memory (lang/plan.h): once checked, nothing it holds is
 * in the tree's arena, and all of it reads the same after the tree is freed,
 * as the runtime reads it (main.c frees the tree before the load). Under
 * ASan a read of the freed tree aborts. No kernel needed: BEGIN, END and
 * interval resolve without one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/check.h"
#include "lang/event.h"
#include "lang/parse.h"

static const char script[] =
    "probe BEGIN, interval:ms:10 {\n"
    "    @count[comm, pid] = count();\n"
    "    @total = sum(3);\n"
    "    @h = hist(5);\n"
    "    $v = \"a variable\";\n"
    "    printf(\"%-6d %s: %s %s\\n\", pid, \"a literal\", comm, $v);\n"
    "    print \"a string\", 42, probe;\n"
    "    print join(1, \" | \");\n"
    "    time(\"%H:%M\\n\");\n"
    "}\n"
    "probe END { print @count; print(@total, 1); clear(@count); zero(@total); }\n";

/* What the plan must show, so that a plan that lost its strings fails. */
static const char *const wanted[] = {
    "map @count",           "map @total",      "map @h",     "'%-6d' lit ' '",  "lit ': '",
    "text 'a literal'",     "text 'a string'", "text ' | '", "text '%H:%M\\n'", "point BEGIN",
    "point interval:ms:10", "point END",
};

static int failures;
static const struct arena *tree;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failures++;
}

/* Notes that p, what the plan holds, is not the tree's. */
static void own(const void *p, const char *what, int i)
{
    if (tree && p && arena_holds(tree, p))
        fail("%s %d is in the tree's arena", what, i);
}

struct text {
    char buf[16384];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0 && t->len + (size_t)n < sizeof(t->buf))
        t->len += (size_t)n;
}

static void put_bytes(struct text *t, const char *s, size_t n)
{
    put(t, "'");
    for (size_t i = 0; i < n; i++)
        put(t, s[i] == '\n' ? "\\n" : "%c", s[i]);
    put(t, "'");
}

/* All the plan says, every string read whole. */
static void dump(const struct plan *p, struct text *t)
{
    t->len = 0;
    own(p->maps, "the maps", 0);
    own(p->events, "the events", 0);
    own(p->reqs, "the requests", 0);
    for (int i = 0; i < p->nmaps; i++) {
        const struct plan_map *m = &p->maps[i];
        own(m->name, "the name of map", i);
        put(t, "map %s keys %d agg %d value %u\n", m->name, m->nkeys, m->agg, m->value_size);
    }
    for (int i = 0; i < p->nevents; i++) {
        const struct ev_desc *d = &p->events[i];
        put(t, "event %d kind %d size %u:", i, d->kind, d->size);
        own(d->args, "the arguments of event", i);
        for (int a = 0; a < d->nargs; a++) {
            const struct ev_arg *e = &d->args[a];
            put(t, " [src %d off %u", e->src, e->off);
            own(e->text, "an argument's text of event", i);
            if (e->text) {
                put(t, " text ");
                put_bytes(t, e->text, e->textlen);
            }
            put(t, "]");
        }
        if (d->fmt) {
            own(d->fmt, "the format of event", i);
            own(d->fmt->convs, "the conversions of event", i);
            for (int c = 0; c <= d->fmt->nconvs; c++) {
                const struct fmt_conv *cv = &d->fmt->convs[c];
                own(cv->lit, "a format's text of event", i);
                put(t, " lit ");
                put_bytes(t, cv->lit, cv->litlen);
                put(t, " '%%%s%c'", cv->spec, cv->conv ? cv->conv : '$');
            }
        }
        put(t, "\n");
    }
    for (int i = 0; i < p->nreqs; i++)
        put(t, "request %d map %d top %lld\n", p->reqs[i].kind, p->reqs[i].map,
            (long long)p->reqs[i].top);
    for (int i = 0; i < p->points.n; i++) {
        const struct probe_point *pt = p->points.v[i];
        own(pt, "point", i);
        own(pt->target, "the target of point", i);
        put(t, "point %s%s%s\n", pt->kind->name, *pt->target ? ":" : "", pt->target);
    }
}

int main(void)
{
    struct diag_src src;
    diag_init(&src, "plan_owns", script);
    struct ast_program *prog = parse_script(&src, NULL);
    struct plan *plan = plan_new();
    struct check_opts o = {.str_size = 64, .ringbuf_size = 1u << 20, .ncpus = 2};
    if (!prog || !check_program(prog, plan, &o)) {
        printf("FAIL the script does not check\n");
        return 1;
    }
    static struct text before, after;
    tree = prog->arena;
    dump(plan, &before);
    tree = NULL;
    ast_program_free(prog);
    dump(plan, &after);
    if (before.len != after.len || memcmp(before.buf, after.buf, before.len) != 0)
        fail("the plan reads otherwise once the tree is freed:\n%.*s\nthen:\n%.*s", (int)before.len,
             before.buf, (int)after.len, after.buf);
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
        if (!strstr(after.buf, wanted[i]))
            fail("the plan does not show %s:\n%.*s", wanted[i], (int)after.len, after.buf);
    plan_free(plan);
    if (failures)
        return 1;
    printf("the plan owns its memory\n");
    return 0;
}
