/* Builtins and functions: one table (builtin.c), one row each, by id. The
 * checks find names and type calls by their row; codegen emits each by the
 * same id (codegen/builtins.c); the runtime prints by the value's type. Adding
 * an integer builtin is a row here and a hook there. */
#ifndef TP_BUILTIN_H
#define TP_BUILTIN_H

#include <stdbool.h>

#include "lang/ast.h"

enum bi_id {
    BI_NONE,
    /* variables */
    BI_PID,
    BI_TID,
    BI_UID,
    BI_GID,
    BI_COMM,
    BI_NSECS,
    BI_CPU,
    BI_PROBE,
    BI_ARG, /* arg1..arg6: the number is the node's ival */
    BI_RETVAL,
    BI_ELAPSED,
    BI_CGROUP,
    BI_PPID,
    BI_CPID,
    BI_CURTASK,
    BI_KSTACK, /* kstack, ustack: the stack with its defaults */
    BI_USTACK,
    BI_FUNC,
    BI_TARGET, /* the process traced: -p's, or -c's command, as DTrace's $target */
    /* functions */
    BI_STR,
    BI_JOIN,
    BI_STRFTIME,
    BI_NTOP,
    BI_BUF,
    BI_STRNCMP,
    BI_STRCONTAINS,
    BI_KPTR,
    BI_UPTR,
    BI_CGROUPID,
    BI_CGROUP_PATH,
    BI_KSTACK_F, /* kstack(mode, depth), ustack(...): either may be left out */
    BI_USTACK_F,
    BI_KSYM,
    BI_USYM,
    BI_KADDR,
    BI_UADDR,
    BI_REG,
    /* aggregations: the value of a map, @m[k] = count() */
    BI_COUNT,
    BI_SUM,
    BI_AVG,
    BI_MIN,
    BI_MAX,
    BI_STATS,
    BI_HIST,
    BI_LHIST,
    /* functions of maps, as statements */
    BI_DELETE,
    BI_CLEAR,
    BI_ZERO,
    /* printing */
    BI_TIME,
    /* done in user space, or to the task, when the event arrives: as statements */
    BI_CAT,
    BI_SYSTEM,
    BI_SIGNAL,
    BI__COUNT
};

enum bi_kind {
    BK_VAR,  /* a value: pid */
    BK_FUNC, /* a function with a value: str(p) */
    BK_AGG,  /* an aggregation, only as the whole value of a map: count() */
    BK_STMT, /* a function of a map, only as a statement: delete(@m[k]) */
};

/* What a function's argument must be. */
enum bi_arg {
    BA_INT,     /* an integer */
    BA_LITERAL, /* a string literal */
    BA_ANY,     /* the check hook decides */
    BA_MAP,     /* a map, @m or @m[k] */
    BA_STR,     /* a string */
    BA_WORD,    /* a word (kstack's mode) or a literal: not evaluated; the check hook reads it */
};

/* join(): each argument in this many bytes, NUL included: longer ones are
 * cut and marked "...". */
#define BI_JOIN_ARG_SIZE 256

/* strcontains(): the most byte comparisons it is unrolled into (the
 * haystack's bytes times the needle's), which the verifier walks through
 * one by one. */
#define BI_CONTAINS_MAX 16384

/* cat(): the most bytes of a file printed, as bpftrace's default
 * (BPFTRACE_MAX_CAT_BYTES). */
#define BI_CAT_MAX 10240

/* A size for strings that --str-size decides. */
#define BI_STR_SIZE (-1)

struct check;

struct builtin {
    const char *name;
    enum bi_kind kind;
    int min_args, max_args; /* functions */
    enum bi_arg args[4];    /* functions: what each argument must be */
    const char *argn[4];    /* and what it is, for messages: "address" */
    struct ty ty;           /* the result, unless `check` says otherwise; size may be BI_STR_SIZE */
    unsigned needs;         /* enum probe_cap: what the kind of every probe using it must have */
    int agg;                /* BK_AGG: enum plan_agg */
    /* Called once the arguments are checked and fit `args`: types the node
     * (n->ty) where `ty` cannot; false after reporting an error. */
    bool (*check)(struct check *c, struct ast_node *n);
};

/* The row of `id`. */
const struct builtin *builtin_get(enum bi_id id);
/* The id of a builtin variable or function called `name`, or BI_NONE. */
enum bi_id builtin_find(const char *name, enum bi_kind kind);
/* The names of one kind, for "did you mean"; at most `max`, their count. */
int builtin_names(enum bi_kind kind, const char **names, int max);

#endif
