/* The table of builtins and functions, with the check hooks of the rows that
 * need more than a fixed result type. */
#include "lang/builtin.h"

#include <string.h>

#include "bpf/kbtf.h"
#include "bpf/probe.h"
#include "lang/check.h"
#include "lang/plan.h"
#include "lang/plan.h"

/* an integer of `bytes` bytes, as the kernel keeps it */
#define INT(bytes, sgn)                                                                            \
    {                                                                                              \
        .kind = TY_INT, .is_signed = (sgn), .size = (bytes)                                        \
    }
#define STR(bytes)                                                                                 \
    {                                                                                              \
        .kind = TY_STR, .size = (bytes)                                                            \
    }

/* probe: the spec that fired, as long as the probe's longest spec */
static bool check_probe_name(struct check *c, struct ast_node *n)
{
    n->ty = (struct ty){.kind = TY_STR, .size = check_longest_spec(c) + 1};
    return true;
}

/* cpid: the pid of -c's command, a constant */
static bool check_cpid(struct check *c, struct ast_node *n)
{
    if (check_opts(c)->cpid)
        return true;
    diag_error(check_src(c), n->loc,
               "cpid is the pid of the command -c starts, and there is no -c");
    return false;
}

/* curtask: a struct task_struct * where the kernel's BTF says what that is */
static bool check_curtask(struct check *c, struct ast_node *n)
{
    unsigned id = kbtf_ready(NULL, 0) ? kbtf_find_record("task_struct", false) : 0;
    if (id)
        n->ty = ty_ptr(id, false);
    return true;
}

/* str(s) of what is already a string is that string; else an address and an
 * optional length */
static bool check_str(struct check *c, struct ast_node *n)
{
    struct ast_node *a0 = n->args, *a1 = a0->next;
    if (a0->ty.kind == TY_STR && !a1) {
        n->ty = a0->ty;
        return true;
    }
    if (!check_want(c, a0, TY_INT, "str()'s address"))
        return false;
    n->ty = (struct ty){.kind = TY_STR, .size = check_str_size(c)};
    return true;
}

static bool check_strftime(struct check *c, struct ast_node *n)
{
    const struct ast_node *f = n->args;
    if (f->slen > TY_TIME_FMT_MAX) {
        diag_error(check_src(c), f->loc, "strftime()'s format is %zu bytes long: the most is %d",
                   f->slen, TY_TIME_FMT_MAX);
        return false;
    }
    return true;
}

/* a table reads best a row a line */
// clang-format off
static const struct builtin table[BI__COUNT] = {
    [BI_PID]      = {"pid",      BK_VAR, .ty = INT(4, false)},
    [BI_TID]      = {"tid",      BK_VAR, .ty = INT(4, false)},
    [BI_UID]      = {"uid",      BK_VAR, .ty = INT(4, false)},
    [BI_GID]      = {"gid",      BK_VAR, .ty = INT(4, false)},
    [BI_COMM]     = {"comm",     BK_VAR, .ty = STR(16)},
    [BI_NSECS]    = {"nsecs",    BK_VAR, .ty = INT(8, false)},
    [BI_CPU]      = {"cpu",      BK_VAR, .ty = INT(4, false)},
    [BI_PROBE]    = {"probe",    BK_VAR, .check = check_probe_name},
    [BI_ARG]      = {"arg1",     BK_VAR, .ty = INT(8, false), .needs = PROBE_ARGS},
    [BI_RETVAL]   = {"retval",   BK_VAR, .ty = INT(8, true), .needs = PROBE_RETVAL},
    [BI_ELAPSED]  = {"elapsed",  BK_VAR, .ty = INT(8, false)},
    [BI_CGROUP]   = {"cgroup",   BK_VAR, .ty = INT(8, false)},
    [BI_PPID]     = {"ppid",     BK_VAR, .ty = INT(4, false)},
    [BI_CURTASK]  = {"curtask",  BK_VAR, .ty = INT(8, false), .check = check_curtask},
    [BI_CPID]     = {"cpid",     BK_VAR, .ty = INT(4, false), .check = check_cpid},
    [BI_STR]      = {"str",      BK_FUNC, 1, 2, {BA_ANY, BA_INT}, {"address", "length"},
                     .check = check_str},
    [BI_JOIN]     = {"join",     BK_FUNC, 1, 2, {BA_INT, BA_LITERAL}, {"address", "separator"},
                     .ty = {.kind = TY_JOIN, .size = BI_JOIN_ARG_SIZE}},
    [BI_STRFTIME] = {"strftime", BK_FUNC, 2, 2, {BA_LITERAL, BA_INT}, {"format", "time"},
                     .ty = {.kind = TY_TIME}, .check = check_strftime},
    [BI_COUNT]    = {"count",    BK_AGG, 0, 0, .agg = AGG_COUNT},
    [BI_SUM]      = {"sum",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_SUM},
    [BI_AVG]      = {"avg",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_AVG},
    [BI_MIN]      = {"min",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_MIN},
    [BI_MAX]      = {"max",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_MAX},
    [BI_STATS]    = {"stats",    BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_STATS},
    [BI_HIST]     = {"hist",     BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_HIST},
    [BI_LHIST]    = {"lhist",    BK_AGG, 4, 4, {BA_INT, BA_INT, BA_INT, BA_INT},
                     {"value", "min", "max", "step"},
                     .agg = AGG_LHIST},
    [BI_DELETE]   = {"delete",   BK_STMT, 1, 1, {BA_MAP}, {"map"}, .agg = AGG_NONE},
    [BI_CLEAR]    = {"clear",    BK_STMT, 1, 1, {BA_MAP}, {"map"}, .agg = AGG_NONE},
    [BI_ZERO]     = {"zero",     BK_STMT, 1, 1, {BA_MAP}, {"map"}, .agg = AGG_NONE},
    [BI_TIME]     = {"time",     BK_STMT, 0, 1, {BA_LITERAL}, {"format"}, .agg = AGG_NONE},
};
// clang-format on

const struct builtin *builtin_get(enum bi_id id)
{
    return &table[id];
}

enum bi_id builtin_find(const char *name, enum bi_kind kind)
{
    for (int i = 1; i < BI__COUNT; i++)
        if (table[i].kind == kind && strcmp(table[i].name, name) == 0)
            return (enum bi_id)i;
    return BI_NONE;
}

int builtin_names(enum bi_kind kind, const char **names, int max)
{
    int n = 0;
    for (int i = 1; i < BI__COUNT && n < max; i++)
        if (table[i].kind == kind)
            names[n++] = table[i].name;
    return n;
}
