/* Checks: resolve names and probe specs against this kernel, type every
 * expression, and check printf formats. After them, codegen can trust the tree. */
#ifndef TP_CHECK_H
#define TP_CHECK_H

#include <stdbool.h>

#include "lang/ast.h"

#define CHECK_STR_SIZE_DEFAULT 64
#define CHECK_STR_SIZE_MAX     4096

struct check_opts {
    int str_size;          /* bytes, NUL included, of str() and of __data_loc strings */
    unsigned ringbuf_size; /* bytes of the event buffer, which must hold any one event */
    bool cpid;             /* whether -c gives a command, and so cpid a value */
    int ncpus;             /* possible CPUs, which the slots are laid out for (plan.h) */
    char *const *params;   /* the positional parameters, $1.., as given */
    int nparams;
    bool unsafe; /* --unsafe: system() and signal() are allowed */
    /* --unwind: user stacks by frame pointers in the kernel, or unwound in
     * user space from a copy (plan_stack.dwarf); auto, the default: copies
     * in the probes that sample (profile, software, hardware), whose rate
     * is bounded, and frame pointers elsewhere */
    enum { UNWIND_AUTO, UNWIND_FP, UNWIND_DWARF } unwind;
};

/* Checks p and fills `plan` (plan_new), which p then points to; false after
 * reporting every error found. The plan holds no pointer into the tree. */
bool check_program(struct ast_program *p, struct plan *plan, const struct check_opts *o);

/* For the check hooks of builtins (lang/builtin.c). */
struct check;
struct diag_src *check_src(struct check *c);
int check_str_size(struct check *c);
const struct check_opts *check_opts(struct check *c);
/* The length of the longest name of the probe's points ("kind:target"). */
int check_longest_spec(struct check *c);
/* func: the longest of the probe's functions. */
int check_longest_func(struct check *c);
/* Whether every spec of the probe samples (a perf event: profile,
 * software, hardware). */
bool check_probe_samples(struct check *c);
/* The probe's specs, resolved into their points. */
const struct ast_spec *check_probe_specs(struct check *c);
/* Whether values of a and b, of one kind, are kept and printed alike
 * (stacks of one depth and mode, symbols of one space). */
bool check_same_kept(struct ty a, struct ty b);
/* "an integer", "a buffer": a type as a sentence names it. */
const char *check_desc(struct ty t);
/* Whether n (checked) is of kind k; else says "WHAT must be ..." at n. */
bool check_want(struct check *c, struct ast_node *n, enum ty_kind k, const char *what);

/* For the checks of reads from memory (check_access.c). */
bool check_expr(struct check *c, struct ast_node *n);
const struct ast_probe *check_probe(struct check *c);
/* Whether n, which reads the probe's context (`what`: args, arg1, retval),
 * is in a for loop's block, where there is none: said at n. */
bool check_ctx_gone(struct check *c, const struct ast_node *n, const char *what);
struct plan *check_plan(struct check *c);
/* A bigger array of n elements of `size` bytes in arena `a`, twice the
 * capacity each time. */
void *check_grow(struct arena *a, void *old, int n, int *cap, size_t size);
/* A type as a message names it: "a pointer (struct task_struct *)". */
const char *check_ty_desc(struct ty t, char *buf, size_t len);
/* N_MEMBER, N_INDEX, N_DEREF, N_CAST, N_SIZEOF, N_OFFSETOF */
bool check_access(struct check *c, struct ast_node *n);
/* p + i, i + p, p - i (scaled by what p points to's size, in n->ival) and
 * p - q (the elements between them), as in C: whether n is one, typed. */
bool check_pointer_arith(struct check *c, struct ast_node *n);
/* (a, b, ...) and $t.N (check_tuple.c) */
bool check_tuple(struct check *c, struct ast_node *n);
/* The same of elements already typed (a for loop's key and value). */
bool check_tuple_of(struct check *c, struct ast_node *n);
bool check_tuple_element(struct check *c, struct ast_node *n);
/* "a tuple (int64, string[64])" */
const char *check_tuple_desc(struct check *c, struct ty t, char *buf, size_t len);
/* printf's %s of an enum's value: its names laid out in the plan, and n
 * typed to print by them; false when n is no enum's. */
bool check_enum_names(struct check *c, struct ast_node *n);
/* A value about to be kept (printed, stored in a map): a struct gets its
 * layout in the plan; false, said, for one too large to keep. */
bool check_record_value(struct check *c, struct ast_node *n);

#endif
