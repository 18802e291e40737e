/* The abstract syntax tree. The parser builds it; checks resolve names and
 * fill in types; codegen reads it. Nodes live in one arena per program, so a
 * syntax error half way through a tree leaks nothing. */
#ifndef TP_AST_H
#define TP_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "bpf/probe.h"
#include "lang/plan.h"
#include "lang/type.h"

enum ast_kind {
    /* expressions */
    N_INT,      /* ival */
    N_STR,      /* sval, slen: a literal, escapes decoded */
    N_IDENT,    /* sval: a builtin, resolved by checks into `bi` */
    N_MEMBER,   /* a.sval (args.FIELD, args->FIELD) */
    N_CALL,     /* sval(args...): a function, resolved by checks into `bi` */
    N_UNARY,    /* op a */
    N_BINARY,   /* a op b */
    N_COND,     /* a ? b : c */
    N_VAR,      /* sval: a $name, scratch for one run of a probe */
    N_MAP,      /* sval: an @name; args: its key, a list, or none */
    N_PARAM,    /* ival: N of $N (a positional parameter), or -1 for $#; the checks make
                   it a literal */
    N_INDEX,    /* a[b]: an element of an array or of what a pointer points to */
    N_DEREF,    /* *a */
    N_CAST,     /* (tname) a */
    N_SIZEOF,   /* sizeof(tname), or of a's type; the checks make it a literal */
    N_OFFSETOF, /* offsetof(tname, sval), sval a member or a.b.c; made a literal */
    N_TUPLE,    /* (args...): two values or more */
    /* statements */
    S_PRINT,    /* print args... */
    S_PRINTF,   /* printf(args...) */
    S_EXIT,     /* exit [a] */
    S_ASSIGN,   /* a = b, or a op= b (op, with compound set) */
    S_IF,       /* if (a) { b... } else { c... }: b and c are statement lists */
    S_CALL,     /* a: a call whose value is not used (delete, clear, ...) */
    S_WHILE,    /* while (a) { b... } */
    S_UNROLL,   /* unroll (a) { b... }: b, a times (the checks set ival to a's value) */
    S_BREAK,    /* out of the innermost while */
    S_CONTINUE, /* to the innermost while's condition */
    S_FOR,      /* for (a : c) { b... }: a the variable ($kv), c the map; id the
                   variable's, and ival which of the probe's for loops (from 1) */
};

/* Operators; the parser's tokens stay in the parser. */
enum ast_op {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_AND,
    OP_OR,
    OP_XOR,
    OP_SHL,
    OP_SHR,
    OP_LT,
    OP_GT,
    OP_LE,
    OP_GE,
    OP_EQ,
    OP_NE,
    OP_LAND,
    OP_LOR,
    OP_NEG,
    OP_NOT,
    OP_BNOT,
};

struct fmt_spec; /* lang/printf.h */

/* A type as a cast, sizeof or offsetof names it: int8..uint64, or struct
 * or union NAME, with `stars` pointers to it. */
enum tname_kind { TN_INT, TN_STRUCT, TN_UNION };
struct ast_tname {
    enum tname_kind kind;
    char *name; /* TN_STRUCT, TN_UNION */
    int size;   /* TN_INT */
    bool is_signed;
    int stars;
    struct tp_loc loc;
};

/* How deep an expression may nest. Checks, codegen and -d ast recurse on it,
 * so this bounds their stack; no script a person writes comes near it. */
#define AST_DEPTH_MAX 1000
/* How deep while loops nest, and the most times unroll repeats its block
 * (as bpftrace's). */
#define AST_LOOPS_MAX  16
#define AST_UNROLL_MAX 100
/* The most elements of a tuple. */
#define AST_TUPLE_MAX 16
/* The longest string literal, in bytes: a string value is at most 4096
 * bytes with its NUL (--str-size). */
#define AST_STR_MAX 4095

struct ast_node {
    enum ast_kind kind;
    struct tp_loc loc;
    enum ast_op op;
    int64_t ival;
    char *sval;
    size_t slen;
    struct ast_node *a, *b, *c;
    struct ast_node *args; /* N_CALL, S_PRINT, S_PRINTF: a list linked by next */
    struct ast_node *next;
    int depth;               /* of the tree below, itself included: at most AST_DEPTH_MAX */
    bool compound;           /* S_ASSIGN: a op= b */
    bool big;                /* N_INT: above INT64_MAX as written, so unsigned */
    bool arrow;              /* N_MEMBER: written a->f, not a.f */
    bool tuple;              /* N_MEMBER: a tuple's element, a.ival */
    struct ast_tname *tname; /* N_CAST, N_SIZEOF, N_OFFSETOF */
    /* filled by checks */
    struct ty ty;
    int bi;               /* N_IDENT, N_CALL: enum bi_id (lang/builtin.h) */
    int id;               /* print/printf: the event; N_VAR: the variable; N_MAP: the map;
                             S_PRINT of a map, S_CALL clear/zero: the request */
    struct fmt_spec *fmt; /* S_PRINTF: the parsed format */
    /* N_MEMBER: a field of the probe's context (args.f) when in_ctx; else a
     * member bit_off bits into the record a is (or a points to), a bitfield
     * of bit_size bits where that is not 0 */
    bool in_ctx;
    unsigned bit_off, bit_size;
};

/* One SPEC of `probe SPEC, SPEC ...`, as written: "kind:rest". */
struct ast_spec {
    struct tp_loc loc;
    char *text;
    struct ast_spec *next;
    bool optional; /* written with a trailing '?': skipped where the kernel lacks it */
    /* filled by checks: the points it names, one each program; the plan
     * owns them once the checks are done (plan.points), this lists them */
    const struct probe_kind *kind;
    struct probe_points points;
    bool split; /* its points read fields at different places: a program each */
    /* the probe's first spec whose points read every field where this
     * one's do (NULL: no field is read), whose program may serve this
     * spec's points too; and the checks' next one while they work it out */
    struct ast_spec *group, *regroup;
};

/* A $variable of a probe: its type is set by its first assignment. */
struct ast_var {
    const char *name;
    struct ty ty;
    struct tp_loc at; /* that assignment */
    int scope;        /* 0: the probe's; k: only in its k-th for loop's block */
};

struct ast_probe {
    struct tp_loc loc;
    struct ast_var *vars; /* filled by checks; N_VAR nodes' id indexes it */
    int nvars, capvars;
    struct ast_spec *specs;
    struct ast_node *filter; /* or NULL */
    struct ast_node *body;   /* statements, linked by next */
    struct ast_probe *next;
};

struct ast_program {
    struct ast_probe *probes;
    struct arena *arena;
    struct diag_src *src;
    struct plan *plan; /* the checks': the caller's, which outlives the tree */
};

/* Construction, used by the parser */
struct ast_node *ast_node(struct arena *a, enum ast_kind k, struct tp_loc loc);
struct ast_node *ast_binary(struct arena *a, enum ast_op op, struct ast_node *l, struct ast_node *r,
                            struct tp_loc loc);
struct ast_node *ast_unary(struct arena *a, enum ast_op op, struct ast_node *e, struct tp_loc loc);
/* lv += 1 (OP_ADD) or lv -= 1 (OP_SUB): lv++ and lv-- */
struct ast_node *ast_step(struct arena *a, struct ast_node *lv, enum ast_op op, struct tp_loc loc,
                          struct tp_loc oploc);

/* Whether print statement s prints a whole map (print @m, print(@m, N)),
 * which user space does on request, rather than sending an event. */
bool ast_print_is_map(const struct ast_node *s);
const char *ast_op_name(enum ast_op op);
/* -d ast: one node a line, indented by depth. */
void ast_dump(const struct ast_program *p, FILE *out);
void ast_program_free(struct ast_program *p);

#endif
