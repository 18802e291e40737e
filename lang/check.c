#include "lang/check.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/probe.h"
#include "lang/builtin.h"
#include "lang/event.h"
#include "lang/printf.h"
#include "lang/strset.h"

struct check {
    struct ast_program *prog;
    struct diag_src *src;
    const struct check_opts *o;
    struct ast_probe *probe; /* the one being checked */
    bool last_pass;          /* maps are all declared: a map never assigned is an error */
    struct strset map_ids;   /* map name -> plan map */
    struct strset var_ids;   /* the probe's variable name -> its index */
    int loops;               /* while and for loops around the statement being checked */
    int for_scope;           /* the for loop whose block is being checked (from 1), or 0 */
    int nfor;                /* the probe's for loops so far */
};

/* A bigger array of n elements of `size` bytes in arena `a` (the tree's, or
 * the plan's for what the plan keeps), twice the capacity each time, so that
 * growing is linear. */
void *check_grow(struct arena *a, void *old, int n, int *cap, size_t size)
{
    if (n < *cap)
        return old;
    *cap = *cap ? 2 * *cap : 8;
    void *p = arena_alloc(a, (size_t)*cap * size);
    if (n)
        memcpy(p, old, (size_t)n * size);
    return p;
}

static bool check_stmt(struct check *c, struct ast_node *n);
static bool constant(const struct ast_node *n, int64_t *v, bool *big);
static bool check_for(struct check *c, struct ast_node *n);
static bool check_var_read(struct check *c, struct ast_node *n);
static bool check_map_read(struct check *c, struct ast_node *n);

struct diag_src *check_src(struct check *c)
{
    return c->src;
}

const struct check_opts *check_opts(struct check *c)
{
    return c->o;
}

const struct ast_probe *check_probe(struct check *c)
{
    return c->probe;
}

bool check_ctx_gone(struct check *c, const struct ast_node *n, const char *what)
{
    if (!c->for_scope)
        return false;
    diag_error(c->src, n->loc,
               "%s cannot be read in a for loop's block, which runs as a "
               "function of its own, without the probe's context",
               what);
    return true;
}

struct plan *check_plan(struct check *c)
{
    return c->prog->plan;
}

int check_str_size(struct check *c)
{
    return c->o->str_size;
}

int check_longest_func(struct check *c)
{
    size_t len = 0, n;
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
        for (int i = 0; i < s->points.n; i++)
            if (probe_target_func(s->points.v[i]->target, &n) && n > len)
                len = n;
    return (int)len;
}

const struct ast_spec *check_probe_specs(struct check *c)
{
    return c->probe->specs;
}

bool check_probe_samples(struct check *c)
{
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
        if (s->kind->prog_type != BPF_PROG_TYPE_PERF_EVENT)
            return false;
    return true;
}

int check_longest_spec(struct check *c)
{
    int len = 0;
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
        for (int i = 0; i < s->points.n; i++) {
            int n = (int)(strlen(s->kind->name) + 1 + strlen(s->points.v[i]->target));
            if (n > len)
                len = n;
        }
    return len;
}

/* A builtin that needs what some of the probe's kinds lack: said at `n`. */
static bool check_needs(struct check *c, struct ast_node *n, const struct builtin *b)
{
    if (!b->needs)
        return true;
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next) {
        if ((s->kind->caps & b->needs) == b->needs) {
            for (int i = 0; i < s->points.n && (b->needs & PROBE_RETVAL); i++)
                if (s->points.v[i]->void_return) {
                    diag_error(c->src, n->loc, "%s:%s returns nothing: there is no %s",
                               s->kind->name, s->points.v[i]->target, n->sval);
                    return false;
                }
            continue;
        }
        if (b->needs & PROBE_STACK) {
            diag_error(c->src, n->loc,
                       "%s is not available in %s probes: they run in no traced task, which "
                       "has no stack",
                       n->sval, s->kind->name);
            return false;
        }
        char kinds[256];
        probe_kinds_with(b->needs, kinds, sizeof(kinds));
        diag_error(c->src, n->loc, "%s is only available in %s probes, not in %s", n->sval, kinds,
                   s->kind->name);
        if ((s->kind->caps & PROBE_FIELDS) && (b->needs & PROBE_ARGS))
            diag_note(c->src, "a tracepoint's arguments are its fields: args.FIELD");
        return false;
    }
    return true;
}

/* A type from a row: --str-size where the row says so. */
static struct ty row_type(struct check *c, const struct builtin *b)
{
    struct ty t = b->ty;
    if (t.size == BI_STR_SIZE)
        t.size = c->o->str_size;
    return t;
}

static bool check_arg(struct check *c, struct ast_node *n, const char *digits)
{
    long v = strtol(digits, NULL, 10);
    if (v == 0) {
        diag_error(c->src, n->loc, "there is no arg0: arguments are numbered from 1");
        diag_note(c->src,
                  "arg1 is the first parameter, as in PT_REGS_PARM1; arg1 to arg%d "
                  "are the function's parameters",
                  ARCH_MAX_ARGS);
        return false;
    }
    if (v > PROBE_ARGS_MAX || strlen(digits) > 2) {
        diag_error(c->src, n->loc, "%s is out of range: no probe has more than %d arguments",
                   n->sval, PROBE_ARGS_MAX);
        return false;
    }
    const struct builtin *b = builtin_get(BI_ARG);
    if (!check_needs(c, n, b) || check_ctx_gone(c, n, n->sval))
        return false;
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
        for (int i = 0; i < s->points.n; i++) {
            const struct probe_point *pt = s->points.v[i];
            if (s->kind->args_in_regs && v > ARCH_MAX_ARGS) {
                diag_error(c->src, n->loc, "%s is out of range: a %s can read arg1 to arg%d",
                           n->sval, s->kind->name, ARCH_MAX_ARGS);
                return false;
            }
            if (pt->nargs && v > pt->nargs) {
                diag_error(c->src, n->loc, "%s:%s has %d argument%s: there is no %s", s->kind->name,
                           pt->target, pt->nargs, pt->nargs == 1 ? "" : "s", n->sval);
                return false;
            }
        }
    n->bi = BI_ARG;
    n->ival = v;
    n->ty = b->ty;
    return true;
}

static bool check_ident(struct check *c, struct ast_node *n)
{
    const char *name = n->sval;
    if (strncmp(name, "arg", 3) == 0 && name[3] &&
        strspn(name + 3, "0123456789") == strlen(name + 3))
        return check_arg(c, n, name + 3);
    if (strcmp(name, "args") == 0) {
        diag_error(c->src, n->loc,
                   "args is a tracepoint's record: name a field, as in "
                   "args.filename");
        return false;
    }
    enum bi_id id = builtin_find(name, BK_VAR);
    if (id != BI_NONE) {
        const struct builtin *b = builtin_get(id);
        if (!check_needs(c, n, b) || (id == BI_RETVAL && check_ctx_gone(c, n, "retval")))
            return false;
        n->bi = id;
        n->ty = row_type(c, b);
        return !b->check || b->check(c, n);
    }
    const char *names[BI__COUNT + 1];
    int nn = builtin_names(BK_VAR, names, BI__COUNT);
    names[nn++] = "args";
    diag_error(c->src, n->loc, "unknown name '%s'", name);
    const char *best = probe_closest(name, names, nn);
    if (best)
        diag_note(c->src, "did you mean '%s'?", best);
    return false;
}

/* "an integer", "a string": a type as a sentence names it. */
static const char *ty_desc(struct ty t)
{
    switch (t.kind) {
    case TY_INT: return "an integer";
    case TY_STR: return "a string";
    case TY_JOIN: return "a join()";
    case TY_TIME: return "a strftime()";
    case TY_PTR: return "a pointer";
    case TY_RECORD: return "a struct";
    case TY_ARRAY: return "an array";
    case TY_TUPLE: return "a tuple";
    case TY_BUF: return "a buffer";
    case TY_INET: return "an ntop() address";
    case TY_CGPATH: return "a cgroup_path()";
    case TY_STACK: return t.user ? "a ustack" : "a kstack";
    case TY_SYM: return t.user ? "a usym()" : "a ksym()";
    default: return "nothing";
    }
}

const char *check_ty_desc(struct ty t, char *buf, size_t len)
{
    char name[200];
    switch (t.kind) {
    case TY_PTR: snprintf(buf, len, "a pointer (%s)", ty_name(t, name, sizeof(name))); break;
    case TY_RECORD:
    case TY_ARRAY: snprintf(buf, len, "a %s", ty_name(t, name, sizeof(name))); break;
    default: snprintf(buf, len, "%s", ty_desc(t)); break;
    }
    return buf;
}

const char *check_desc(struct ty t)
{
    return ty_desc(t);
}

bool check_want(struct check *c, struct ast_node *n, enum ty_kind k, const char *what)
{
    /* an address is an integer wherever one is wanted */
    if (n->ty.kind == k || (k == TY_INT && n->ty.kind == TY_PTR))
        return true;
    char buf[256];
    diag_error(c->src, n->loc, "%s must be %s, not %s", what, ty_desc((struct ty){.kind = k}),
               check_ty_desc(n->ty, buf, sizeof(buf)));
    return false;
}

/* A positional parameter becomes the literal it was given as, as in
 * bpftrace: $N an integer, str($N) its text; one not given is 0, or ""
 * through str(); $# their number. */
static bool check_param(struct check *c, struct ast_node *n, bool as_str)
{
    const struct check_opts *o = c->o;
    int64_t i = n->ival;
    if (i == 0 || i > 1000000) {
        diag_error(c->src, n->loc, "positional parameters are $1 to $1000000");
        return false;
    }
    if (i < 0 && !as_str) { /* $# */
        n->kind = N_INT;
        n->ival = o->nparams;
        n->ty = ty_int64(true);
        return true;
    }
    const char *text = i >= 1 && i <= o->nparams ? o->params[i - 1] : NULL;
    if (as_str) {
        n->kind = N_STR;
        n->sval = arena_strndup(c->prog->arena, text ? text : "", text ? strlen(text) : 0);
        n->slen = strlen(n->sval);
        n->ty = ty_str((int)n->slen + 1);
        return true;
    }
    int64_t v = 0;
    if (text) {
        char *end;
        errno = 0;
        v = strtoll(text, &end, 0);
        if (!*text || *end || errno) {
            diag_error(c->src, n->loc, "$%lld is '%s', which is not a number", (long long)i, text);
            diag_note(c->src, "read a word as a string: str($%lld)", (long long)i);
            return false;
        }
    }
    n->kind = N_INT;
    n->ival = v;
    n->ty = ty_int64(true);
    return true;
}

static bool check_call(struct check *c, struct ast_node *n)
{
    enum bi_id id = builtin_find(n->sval, BK_FUNC);
    if (id == BI_NONE) {
        diag_error(c->src, n->loc, "unknown function '%s'", n->sval);
        const char *names[BI__COUNT + 3] = {"printf", "print", "exit"};
        int nn = 3;
        for (enum bi_kind k = BK_FUNC; k <= BK_STMT; k++)
            nn += builtin_names(k, names + nn, BI__COUNT);
        const char *best = probe_closest(n->sval, names, nn);
        if (best)
            diag_note(c->src, "did you mean '%s'?", best);
        return false;
    }
    const struct builtin *b = builtin_get(id);
    int nargs = 0;
    bool ok = true;
    /* str($1): the parameter as it was written, a word or a number */
    if (id == BI_STR && n->args && n->args->kind == N_PARAM && n->args->ival > 0 &&
        !check_param(c, n->args, true))
        return false;
    for (struct ast_node *a = n->args; a; a = a->next, nargs++) {
        /* a word the hook reads (kstack(perf)) is no name to look up */
        if (nargs < 4 && b->args[nargs] == BA_WORD && (a->kind == N_IDENT || a->kind == N_INT))
            continue;
        ok = check_expr(c, a) && ok;
    }
    if (nargs < b->min_args || nargs > b->max_args) {
        if (b->min_args == b->max_args)
            diag_error(c->src, n->loc, "%s() takes %d arguments, not %d", n->sval, b->min_args,
                       nargs);
        else
            diag_error(c->src, n->loc, "%s() takes %d or %d arguments, not %d", n->sval,
                       b->min_args, b->max_args, nargs);
        return false;
    }
    if (!ok || !check_needs(c, n, b))
        return false;
    int i = 0;
    for (struct ast_node *a = n->args; a; a = a->next, i++) {
        char what[64];
        snprintf(what, sizeof(what), "%s()'s %s", b->name, b->argn[i]);
        if (b->args[i] == BA_INT && !check_want(c, a, TY_INT, what))
            return false;
        if (b->args[i] == BA_STR && !check_want(c, a, TY_STR, what))
            return false;
        if (b->args[i] == BA_LITERAL && a->kind != N_STR) {
            diag_error(c->src, a->loc, "%s must be a string literal", what);
            return false;
        }
    }
    n->bi = id;
    n->ty = row_type(c, b);
    return !b->check || b->check(c, n);
}

static bool check_binary(struct check *c, struct ast_node *n)
{
    struct ast_node *l = n->a, *r = n->b;
    bool eq = n->op == OP_EQ || n->op == OP_NE;
    if (eq && l->ty.kind == TY_STR && r->ty.kind == TY_STR) {
        n->ty = ty_int64(true);
        return true;
    }
    bool logic = n->op >= OP_LT && n->op <= OP_LOR;
    if (check_pointer_arith(c, n))
        return true;
    /* addresses compare, and are true when not 0; other arithmetic on them
     * than C's (p + i, p - q) is an error */
    bool (*ok)(struct ty) = logic ? ty_is_scalar : ty_is_int;
    if (!ok(l->ty) || !ok(r->ty)) {
        struct ast_node *bad = !ok(l->ty) ? l : r;
        char buf[256];
        if (eq && (l->ty.kind == TY_STR || r->ty.kind == TY_STR))
            diag_error(c->src, n->loc, "cannot compare %s with %s", ty_desc(l->ty), ty_desc(r->ty));
        else
            diag_error(c->src, bad->loc, "operator '%s' needs integers, not %s", ast_op_name(n->op),
                       check_ty_desc(bad->ty, buf, sizeof(buf)));
        if (bad->ty.kind == TY_PTR)
            diag_note(c->src, "make it a number first: (uint64)p");
        return false;
    }
    switch (n->op) {
    case OP_LT:
    case OP_GT:
    case OP_LE:
    case OP_GE:
    case OP_EQ:
    case OP_NE:
    case OP_LAND:
    case OP_LOR: n->ty = ty_int64(true); break;
    case OP_SHL:
    case OP_SHR: n->ty = ty_int64(l->ty.is_signed); break;
    default: n->ty = ty_int64(l->ty.is_signed && r->ty.is_signed); break;
    }
    return true;
}

bool check_expr(struct check *c, struct ast_node *n)
{
    switch (n->kind) {
    case N_INT: n->ty = ty_int64(!n->big); return true;
    case N_STR: n->ty = ty_str((int)n->slen + 1); return true;
    case N_IDENT: return check_ident(c, n);
    case N_VAR: return check_var_read(c, n);
    case N_PARAM: return check_param(c, n, false);
    case N_MAP: return check_map_read(c, n);
    case N_TUPLE: return check_tuple(c, n);
    case N_MEMBER:
        if (n->tuple)
            return check_tuple_element(c, n);
        return check_access(c, n);
    case N_INDEX:
    case N_DEREF:
    case N_CAST:
    case N_SIZEOF:
    case N_OFFSETOF: return check_access(c, n);
    case N_CALL: return check_call(c, n);
    case N_UNARY:
        if (!check_expr(c, n->a))
            return false;
        if (!check_want(c, n->a, TY_INT,
                        n->op == OP_NOT ? "the operand of '!'" : "the operand of '-' and '~'"))
            return false;
        /* arithmetic is on 64 bits, as C's on a long */
        n->ty = ty_int64(n->op == OP_NOT || n->a->ty.is_signed);
        return true;
    case N_BINARY: {
        bool ok = check_expr(c, n->a);
        ok = check_expr(c, n->b) && ok;
        return ok && check_binary(c, n);
    }
    case N_COND: {
        bool ok = check_expr(c, n->a);
        ok = check_expr(c, n->b) && ok;
        ok = check_expr(c, n->c) && ok;
        if (!ok || !check_want(c, n->a, TY_INT, "the condition of '?:'"))
            return false;
        struct ty b = n->b->ty, e = n->c->ty;
        if (b.kind == TY_PTR && e.kind == TY_PTR && b.btf == e.btf) {
            n->ty = b;
            return true;
        }
        if (b.kind != e.kind || (b.kind != TY_INT && b.kind != TY_STR)) {
            diag_error(c->src, n->loc,
                       "the two sides of '?:' must both be integers or both "
                       "strings, not %s and %s",
                       ty_desc(b), ty_desc(e));
            return false;
        }
        n->ty = ty_merge(b, e);
        return true;
    }
    default: return false;
    }
}

static bool check_printf(struct check *c, struct ast_node *n)
{
    struct ast_node *f = n->args;
    if (!f || f->kind != N_STR) {
        diag_error(c->src, f ? f->loc : n->loc,
                   "printf's first argument must be a string "
                   "literal: its format");
        return false;
    }
    bool ok = true;
    for (struct ast_node *a = f->next; a; a = a->next)
        ok = check_expr(c, a) && ok;
    if (!ok)
        return false;
    n->fmt = fmt_parse(c->prog->arena, f->sval, f->slen, c->src, f->loc);
    if (!n->fmt)
        return false;
    struct ast_node *a = f->next;
    for (int i = 0; i < n->fmt->nconvs; i++, a = a->next) {
        const struct fmt_conv *cv = &n->fmt->convs[i];
        if (!a) {
            int given = 0;
            for (struct ast_node *x = f->next; x; x = x->next)
                given++;
            diag_error(c->src, cv->at,
                       "'%%%s%c' has no argument: the format has %d conversions, "
                       "but %d argument%s given",
                       cv->spec, cv->conv, n->fmt->nconvs, given, given == 1 ? " is" : "s are");
            return false;
        }
        if ((cv->conv == 'r') != (a->ty.kind == TY_BUF)) {
            const char *want = cv->conv == 'r'              ? "a buffer"
                               : fmt_wants_string(cv->conv) ? "a string"
                                                            : "an integer";
            diag_error(c->src, a->loc, "'%%%s%c' expects %s, but this argument is %s", cv->spec,
                       cv->conv, want, ty_desc(a->ty));
            if (a->ty.kind == TY_BUF)
                diag_note(c->src, "print a buffer with %%r");
            return false;
        }
        if (cv->conv == 'r')
            continue;
        /* %s prints any value as print would: a struct, a tuple, an address;
         * and an enum's by name */
        bool str = !ty_is_scalar(a->ty) || (cv->conv == 's' && check_enum_names(c, a));
        if (!check_record_value(c, a))
            return false;
        if (fmt_wants_string(cv->conv) != str) {
            diag_error(c->src, a->loc, "'%%%s%c' expects %s, but this argument is %s", cv->spec,
                       cv->conv, str ? "an integer" : "a string", ty_desc(a->ty));
            if (str)
                diag_note(c->src, "print a string with %%s");
            return false;
        }
    }
    if (a) {
        diag_error(c->src, a->loc, "more arguments than the format has conversions (%d)",
                   n->fmt->nconvs);
        return false;
    }
    return true;
}

/* Variables: $name, per probe; the first assignment sets the type. */

static struct ast_var *var_find(struct check *c, const char *name, int *id)
{
    *id = strset_find(&c->var_ids, name);
    return *id >= 0 ? &c->probe->vars[*id] : NULL;
}

/* A for loop's block runs as a function of its own (the callback of
 * bpf_for_each_map_elem), with variables of its own: one of the probe's is
 * not there, nor is one of the block's after it. */
static bool var_in_scope(struct check *c, const struct ast_var *v, const struct ast_node *n)
{
    if (v->scope == c->for_scope)
        return true;
    if (v->scope == 0) {
        diag_error(c->src, n->loc,
                   "variable %s is the probe's, and a for loop's block has "
                   "variables of its own",
                   n->sval);
        diag_note(c->src, "the block runs once a map entry, as a function of its own: keep what "
                          "it needs in a map");
    } else {
        diag_error(c->src, n->loc, "variable %s belongs to the block of a for loop", n->sval);
        diag_note_at(c->src, v->at, "it is made here");
    }
    return false;
}

static bool check_var_read(struct check *c, struct ast_node *n)
{
    int id;
    const struct ast_var *v = var_find(c, n->sval, &id);
    if (v && !var_in_scope(c, v, n))
        return false;
    if (v && v->ty.kind == TY_NONE)
        return false; /* its assignment was an error, said there */
    if (!v) {
        diag_error(c->src, n->loc, "variable %s is read before it is assigned", n->sval);
        diag_note(c->src,
                  "a variable lives for one run of its probe: assign it first, as in "
                  "%s = ...",
                  n->sval);
        return false;
    }
    n->id = id;
    n->ty = v->ty;
    return true;
}

/* "an integer" or "a string", for messages about a value's kind */
static const char *kind_desc(bool is_str)
{
    return is_str ? "a string" : "an integer";
}

/* A variable's first assignment, lv = (something of type ty). */
static struct ast_var *var_add(struct check *c, const struct ast_node *lv, struct ty ty)
{
    c->probe->vars = check_grow(c->prog->arena, c->probe->vars, c->probe->nvars, &c->probe->capvars,
                                sizeof(*c->probe->vars));
    int id = c->probe->nvars++;
    strset_set(&c->var_ids, lv->sval, id); /* a for loop's own may take a name again */
    struct ast_var *v = &c->probe->vars[id];
    v->name = lv->sval;
    v->ty = ty;
    v->at = lv->loc;
    v->scope = c->for_scope;
    return v;
}

static bool check_var_write(struct check *c, struct ast_node *lv, struct ast_node *rhs,
                            bool compound)
{
    int id;
    struct ast_var *v = var_find(c, lv->sval, &id);
    if (v && !var_in_scope(c, v, lv))
        return false;
    bool is_str = rhs->ty.kind == TY_STR;
    if (rhs->ty.kind == TY_TUPLE && !compound) { /* one layout for all its assignments */
        if (!v) {
            v = var_add(c, lv, rhs->ty);
            id = (int)(v - c->probe->vars);
        } else if (v->ty.kind != TY_TUPLE || v->ty.rec != rhs->ty.rec) {
            char was[256], is[256];
            if (v->ty.kind == TY_TUPLE)
                check_tuple_desc(c, v->ty, was, sizeof(was));
            else
                check_ty_desc(v->ty, was, sizeof(was));
            diag_error(c->src, rhs->loc, "%s is %s, and this is %s", lv->sval, was,
                       check_tuple_desc(c, rhs->ty, is, sizeof(is)));
            diag_note_at(c->src, v->at, "%s became %s here", lv->sval, was);
            return false;
        }
        lv->id = id;
        lv->ty = v->ty;
        return true;
    }
    if (!ty_is_scalar(rhs->ty) && !is_str) {
        char buf[256];
        diag_error(c->src, rhs->loc,
                   "a variable holds an integer, a string, a pointer or a tuple, not %s",
                   check_ty_desc(rhs->ty, buf, sizeof(buf)));
        if (rhs->ty.kind == TY_RECORD)
            diag_note(c->src, "keep a pointer to it, or a member");
        if (!v) /* known, without a type: its reads say nothing more */
            var_add(c, lv, (struct ty){.kind = TY_NONE});
        return false;
    }
    if (compound) {
        if (!v) {
            diag_error(c->src, lv->loc, "variable %s is read before it is assigned", lv->sval);
            return false;
        }
        if (v->ty.kind != TY_INT || is_str) {
            diag_error(c->src, lv->loc, "compound assignment needs integers");
            return false;
        }
    } else if (!v) {
        v = var_add(c, lv, rhs->ty);
        id = (int)(v - c->probe->vars);
    } else if (v->ty.kind == TY_NONE) {
        return false; /* its first assignment was an error, said there */
    } else if (v->ty.kind == TY_TUPLE) {
        char is[256];
        diag_error(c->src, rhs->loc, "%s is a tuple, and this is %s", lv->sval,
                   check_ty_desc(rhs->ty, is, sizeof(is)));
        diag_note_at(c->src, v->at, "%s became a tuple here", lv->sval);
        return false;
    } else if ((v->ty.kind == TY_STR) != is_str) {
        diag_error(c->src, rhs->loc, "%s is %s, and this is %s", lv->sval,
                   kind_desc(v->ty.kind == TY_STR), kind_desc(is_str));
        diag_note_at(c->src, v->at, "%s became %s here", lv->sval, kind_desc(v->ty.kind == TY_STR));
        return false;
    } else {
        v->ty = ty_merge(v->ty, rhs->ty);
    }
    lv->id = id;
    lv->ty = v->ty;
    return true;
}

/* Whether values of a and b, of one kind, are kept and printed alike:
 * stacks of one table and mode, symbols of one space. */
bool check_same_kept(struct ty a, struct ty b)
{
    if (a.kind == TY_STACK)
        return a.user == b.user && a.rec == b.rec && a.mode == b.mode;
    if (a.kind == TY_SYM)
        return a.user == b.user;
    return true;
}

/* Maps: @name[key], one key and one value type across the program. */

/* A kind a map keeps as key or value: what its bytes are does not change
 * once they are made (a join() is a value only: 8 KiB for a key) */
static bool kept_kind(struct ty t)
{
    switch (t.kind) {
    case TY_INT:
    case TY_PTR:
    case TY_STR:
    case TY_BUF:
    case TY_INET:
    case TY_CGPATH:
    case TY_STACK:
    case TY_SYM: return true;
    default: return false;
    }
}

static struct plan_map *map_find(struct check *c, const char *name, int *id)
{
    *id = strset_find(&c->map_ids, name);
    return *id >= 0 ? &c->prog->plan->maps[*id] : NULL;
}

static struct plan_map *map_new(struct check *c, const char *name, int *id)
{
    struct plan *p = c->prog->plan;
    p->maps = check_grow(p->arena, p->maps, p->nmaps, &p->capmaps, sizeof(*p->maps));
    *id = p->nmaps++;
    strset_put(&c->map_ids, name, *id);
    struct plan_map *m = &p->maps[*id];
    memset(m, 0, sizeof(*m));
    m->name = arena_strndup(p->arena, name, strlen(name));
    m->nkeys = -1; /* not known yet */
    return m;
}

/* The key of map node n: its expressions checked, and its layout made or
 * compared with the map's. */
static bool check_key(struct check *c, struct ast_node *n, struct plan_map *m, bool write)
{
    struct plan_key keys[PLAN_KEYS_MAX];
    int nkeys = 0;
    bool ok = true;
    for (struct ast_node *k = n->args; k; k = k->next) {
        if (!check_expr(c, k)) {
            ok = false;
            continue;
        }
        if (nkeys == PLAN_KEYS_MAX) {
            diag_error(c->src, k->loc, "a map's key has at most %d parts", PLAN_KEYS_MAX);
            return false;
        }
        if (!kept_kind(k->ty)) {
            char buf[256];
            diag_error(c->src, k->loc,
                       "a map's key is made of integers, strings, pointers, buffers, ntop() "
                       "addresses, cgroup_path()s, stacks and symbols, not %s",
                       check_ty_desc(k->ty, buf, sizeof(buf)));
            ok = false;
            continue;
        }
        struct ty t = k->ty;
        if (t.kind == TY_STACK && t.size == TY_STACK_CAPTURE) {
            /* a user stack to unwind: the key holds what user space makes
             * of it, and the kernel cannot make the key */
            if (!write) {
                diag_error(c->src, k->loc,
                           "with --unwind dwarf, user space unwinds a user stack: a map keyed "
                           "by one can be counted, not read or deleted from in a probe");
                ok = false;
                continue;
            }
            t.size = TY_STACK_SIZE;
            m->deferred = true;
        }
        keys[nkeys++] = (struct plan_key){.ty = t};
    }
    if (!ok)
        return false;
    if (m->nkeys < 0) {
        m->nkeys = nkeys;
        memcpy(m->keys, keys, sizeof(keys));
        m->key_at = n->loc;
        return true;
    }
    if (m->nkeys != nkeys) {
        diag_error(c->src, n->loc, "map %s has a key of %d part%s here, and of %d elsewhere",
                   m->name, nkeys, nkeys == 1 ? "" : "s", m->nkeys);
        diag_note_at(c->src, m->key_at, "its key has %d part%s here", m->nkeys,
                     m->nkeys == 1 ? "" : "s");
        return false;
    }
    struct ast_node *k = n->args;
    for (int i = 0; i < nkeys; i++, k = k->next) {
        struct ty was = m->keys[i].ty, is = keys[i].ty;
        if (was.kind == is.kind && !check_same_kept(was, is)) {
            diag_error(c->src, k->loc,
                       "part %d of map %s's key is %s of another depth or mode here than "
                       "elsewhere",
                       i + 1, m->name, ty_desc(is));
            diag_note_at(c->src, m->key_at, "it is set here");
            return false;
        }
        if (was.kind != is.kind) {
            diag_error(c->src, k->loc, "part %d of map %s's key is %s here, and %s elsewhere",
                       i + 1, m->name, ty_desc(is), ty_desc(was));
            diag_note_at(c->src, m->key_at, "it is %s here", ty_desc(was));
            return false;
        }
        m->keys[i].ty = ty_merge(m->keys[i].ty, keys[i].ty);
    }
    return true;
}

/* What map m holds, for messages: "an integer", "a join()", "count()". */
static const char *value_desc(const struct plan_map *m, char *buf, size_t len)
{
    static const char *const aggs[] = {
        [AGG_COUNT] = "count()", [AGG_SUM] = "sum()",     [AGG_MIN] = "min()",
        [AGG_MAX] = "max()",     [AGG_AVG] = "avg()",     [AGG_STATS] = "stats()",
        [AGG_HIST] = "hist()",   [AGG_LHIST] = "lhist()",
    };
    if (m->agg != AGG_NONE)
        return aggs[m->agg];
    return check_ty_desc(m->value, buf, len);
}

/* A map's value, set by an assignment of `rhs` (or of an aggregation). */
static bool check_value(struct check *c, struct plan_map *m, struct ast_node *at, enum plan_agg agg,
                        const struct ast_node *rhs)
{
    struct ty t = agg ? ty_int64(true) : rhs->ty;
    if (t.kind == TY_STACK && t.size == TY_STACK_CAPTURE) {
        diag_error(c->src, rhs->loc,
                   "with --unwind dwarf, a user stack is printed or counted (a map's key), not "
                   "kept as a map's value");
        return false;
    }
    if (m->deferred && (agg == AGG_NONE || agg == AGG_HIST || agg == AGG_LHIST)) {
        diag_error(c->src, at->loc,
                   "with --unwind dwarf, a map keyed by a user stack is made in user space: "
                   "its value is count(), sum(), min(), max(), avg() or stats()");
        return false;
    }
    if (!kept_kind(t) && t.kind != TY_JOIN && t.kind != TY_RECORD && t.kind != TY_TUPLE) {
        char buf[256];
        diag_error(c->src, rhs->loc,
                   "a map holds integers, strings, pointers, structs, tuples, buffers, ntop() "
                   "addresses, cgroup_path()s, join()s or aggregations, not %s",
                   check_ty_desc(rhs->ty, buf, sizeof(buf)));
        return false;
    }
    if (t.kind == TY_RECORD) {
        if (!check_record_value(c, (struct ast_node *)rhs))
            return false;
        t = rhs->ty;
    }
    if (t.kind == TY_JOIN && rhs->kind == N_CALL && rhs->args->next) {
        diag_error(c->src, rhs->args->next->loc,
                   "a join() kept in a map uses the default separator, \" \"");
        return false;
    }
    if (!m->value_size) { /* the first assignment */
        m->agg = agg;
        m->value = t;
        m->value_size = agg ? plan_agg_size(agg) : (unsigned)ty_store_size(t);
        m->value_at = at->loc;
        return true;
    }
    if (m->agg != agg || m->value.kind != t.kind || !check_same_kept(m->value, t) ||
        (t.kind == TY_RECORD && m->value.btf != t.btf) ||
        (t.kind == TY_TUPLE && m->value.rec != t.rec)) {
        struct plan_map now = {.agg = agg, .value = t};
        char wbuf[256], ibuf[256];
        const char *was = value_desc(m, wbuf, sizeof(wbuf));
        diag_error(c->src, at->loc, "map %s holds %s, and this assigns %s", m->name, was,
                   value_desc(&now, ibuf, sizeof(ibuf)));
        diag_note_at(c->src, m->value_at, "it became %s here", was);
        return false;
    }
    m->value = ty_merge(m->value, t);
    if (!agg)
        m->value_size = (unsigned)ty_store_size(m->value);
    return true;
}

/* An integer known when the script is compiled: literals and the integer
 * operators on them, folded as the program would compute them, but refused
 * where it would overflow or divide by zero. *big: the value is above
 * INT64_MAX. */
static bool constant(const struct ast_node *n, int64_t *v, bool *big)
{
    int64_t a, b;
    bool ba = false, bb = false;
    *big = false;
    switch (n->kind) {
    case N_INT:
        *v = n->ival;
        *big = n->big;
        return true;
    case N_UNARY:
        if (!constant(n->a, &a, &ba) || ba)
            return false;
        switch (n->op) {
        case OP_NEG: return !__builtin_sub_overflow((int64_t)0, a, v);
        case OP_BNOT: *v = ~a; return true;
        case OP_NOT: *v = !a; return true;
        default: return false;
        }
    case N_BINARY:
        if (!constant(n->a, &a, &ba) || !constant(n->b, &b, &bb) || ba || bb)
            return false;
        switch (n->op) {
        case OP_ADD: return !__builtin_add_overflow(a, b, v);
        case OP_SUB: return !__builtin_sub_overflow(a, b, v);
        case OP_MUL: return !__builtin_mul_overflow(a, b, v);
        case OP_DIV:
        case OP_MOD:
            if (b == 0 || (a == INT64_MIN && b == -1))
                return false;
            *v = n->op == OP_DIV ? a / b : a % b;
            return true;
        case OP_AND: *v = a & b; return true;
        case OP_OR: *v = a | b; return true;
        case OP_XOR: *v = a ^ b; return true;
        default: return false;
        }
    default: return false;
    }
}

/* lhist(v, min, max, step): constants, step dividing max - min, and no more
 * buckets than PLAN_LHIST_MAX; the same in every use of the map. */
static bool check_lhist(struct check *c, struct plan_map *m, struct ast_node *call)
{
    int64_t p[3];
    struct ast_node *a = call->args->next;
    static const char *const what[] = {"min", "max", "step"};
    for (int i = 0; i < 3; i++, a = a->next) {
        bool big;
        if (!constant(a, &p[i], &big)) {
            diag_error(c->src, a->loc,
                       "lhist()'s %s must be a number known when the script is compiled", what[i]);
            diag_note(c->src, "a literal, or integer operators on literals that do not overflow");
            return false;
        }
        if (big) {
            diag_error(c->src, a->loc, "lhist()'s %s, %llu, is above %lld, the largest it can be",
                       what[i], (unsigned long long)p[i], (long long)INT64_MAX);
            return false;
        }
    }
    int64_t range;
    if (__builtin_sub_overflow(p[1], p[0], &range)) {
        diag_error(c->src, call->loc, "lhist()'s range, from %lld to %lld, is too large",
                   (long long)p[0], (long long)p[1]);
        return false;
    }
    if (p[2] <= 0 || p[1] <= p[0] || range % p[2] != 0) {
        diag_error(c->src, call->loc,
                   "lhist(v, %lld, %lld, %lld): the step must be positive and divide max - min",
                   (long long)p[0], (long long)p[1], (long long)p[2]);
        return false;
    }
    if (range / p[2] > PLAN_LHIST_MAX - 2) {
        diag_error(c->src, call->loc, "lhist() has at most %d buckets; this one would have %lld",
                   PLAN_LHIST_MAX, (long long)(range / p[2] + 2));
        return false;
    }
    if (m->value_size && m->agg == AGG_LHIST &&
        (m->lhist_min != p[0] || m->lhist_max != p[1] || m->lhist_step != p[2])) {
        diag_error(c->src, call->loc, "map %s's lhist() has other bounds elsewhere", m->name);
        diag_note_at(c->src, m->value_at, "they are (%lld, %lld, %lld) here",
                     (long long)m->lhist_min, (long long)m->lhist_max, (long long)m->lhist_step);
        return false;
    }
    m->lhist_min = p[0];
    m->lhist_max = p[1];
    m->lhist_step = p[2];
    return true;
}

static bool check_map_read(struct check *c, struct ast_node *n)
{
    int id;
    struct plan_map *m = map_find(c, n->sval, &id);
    if (!m || !m->value_size) {
        if (c->last_pass) {
            diag_error(c->src, n->loc, "map %s is read, but never assigned", n->sval);
            return false;
        }
        n->ty = ty_int64(true); /* for now: the next pass knows */
        return true;
    }
    if (!check_key(c, n, m, false))
        return false;
    if (m->agg) {
        diag_error(c->src, n->loc,
                   "%s is an aggregation (%s()): it can be printed, not used in "
                   "an expression",
                   n->sval, plan_agg_name(m->agg));
        return false;
    }
    n->id = id;
    n->ty = m->value;
    return true;
}

static bool check_map_write(struct check *c, struct ast_node *n, struct ast_node *lv,
                            struct ast_node *rhs)
{
    int id;
    struct plan_map *m = map_find(c, lv->sval, &id);
    if (!m)
        m = map_new(c, lv->sval, &id);
    lv->id = id;
    enum plan_agg agg = AGG_NONE;
    bool ok = check_key(c, lv, m, true);
    if (rhs->kind == N_CALL && builtin_find(rhs->sval, BK_AGG) != BI_NONE) {
        if (n->compound) {
            diag_error(c->src, n->loc, "an aggregation is assigned with '=', as in %s = %s()",
                       lv->sval, rhs->sval);
            return false;
        }
        const struct builtin *b = builtin_get(builtin_find(rhs->sval, BK_AGG));
        int nargs = 0;
        for (struct ast_node *a = rhs->args; a; a = a->next, nargs++)
            ok = check_expr(c, a) && ok;
        if (nargs != b->min_args) {
            diag_error(c->src, rhs->loc, "%s() takes %d argument%s, not %d", b->name, b->min_args,
                       b->min_args == 1 ? "" : "s", nargs);
            return false;
        }
        if (!ok || (rhs->args && !check_want(c, rhs->args, TY_INT, "an aggregation's value")))
            return false;
        rhs->bi = builtin_find(rhs->sval, BK_AGG);
        agg = b->agg;
        if (agg == AGG_LHIST && !check_lhist(c, m, rhs))
            return false;
    } else if (!check_expr(c, rhs) || !ok) {
        return false;
    }
    if (n->compound &&
        (rhs->ty.kind != TY_INT || (m->value_size && (m->agg || m->value.kind != TY_INT)))) {
        diag_error(c->src, n->loc, "'%s=' needs an integer map and an integer value",
                   ast_op_name(n->op));
        return false;
    }
    return check_value(c, m, lv, agg, rhs);
}

static bool check_assign(struct check *c, struct ast_node *n)
{
    struct ast_node *lv = n->a, *rhs = n->b;
    if (lv->kind == N_IDENT) {
        diag_error(c->src, lv->loc, "cannot assign to the builtin '%s'", lv->sval);
        diag_note(c->src, "variables are $name, for one run of a probe, or @name, maps kept "
                          "for the whole run");
        return false;
    }
    if (lv->kind == N_MAP)
        return check_map_write(c, n, lv, rhs);
    if (rhs->kind == N_CALL && builtin_find(rhs->sval, BK_AGG) != BI_NONE) {
        diag_error(c->src, rhs->loc, "an aggregation is kept in a map: @name = %s()", rhs->sval);
        return false;
    }
    if (!check_expr(c, rhs)) {
        int id;
        if (!n->compound && !var_find(c, lv->sval, &id)) /* known, without a type: its reads
                                                            say nothing more */
            var_add(c, lv, (struct ty){.kind = TY_NONE});
        return false;
    }
    return check_var_write(c, lv, rhs, n->compound);
}

static int request(struct check *c, enum plan_req_kind kind, int map, int64_t top)
{
    struct plan *p = c->prog->plan;
    p->reqs = check_grow(p->arena, p->reqs, p->nreqs, &p->capreqs, sizeof(*p->reqs));
    p->reqs[p->nreqs] = (struct plan_req){kind, map, top};
    return p->nreqs++;
}

/* A whole map named in a statement: it must exist (in the last pass). */
static struct plan_map *whole_map(struct check *c, struct ast_node *n, int *id)
{
    struct plan_map *m = map_find(c, n->sval, id);
    if ((!m || !m->value_size) && c->last_pass) {
        diag_error(c->src, n->loc, "map %s is never assigned", n->sval);
        return NULL;
    }
    return m;
}

/* A print or printf's event, laid out once its arguments are checked; the
 * ring buffer keeps an 8-byte header with each record. */
static bool event(struct check *c, struct ast_node *n, bool ok)
{
    struct plan *p = c->prog->plan;
    n->id = p->nevents;
    p->events = check_grow(p->arena, p->events, p->nevents, &p->capevents, sizeof(*p->events));
    struct ev_desc *d = &p->events[p->nevents++];
    memset(d, 0, sizeof(*d));
    if (!ok || !c->last_pass)
        return ok;
    ev_layout(d, n, p->arena);
    if ((uint64_t)d->size + 8 > c->o->ringbuf_size) {
        diag_error(c->src, n->loc,
                   "this %s's event is %u bytes, more than the event buffer holds (%u bytes)",
                   n->kind == S_PRINTF ? "printf" : "print", d->size, c->o->ringbuf_size - 8);
        diag_note(c->src, "raise --buffer-size, or make strings shorter with --str-size");
        return false;
    }
    return true;
}

static bool check_print_map(struct check *c, struct ast_node *n)
{
    int64_t top = 0;
    struct ast_node *m = n->args;
    if (m->next) {
        if (m->next->kind != N_INT || m->next->ival < 0) {
            diag_error(c->src, m->next->loc,
                       "print(%s, N): N must be a number, the entries to "
                       "print",
                       m->sval);
            return false;
        }
        top = m->next->ival;
    }
    int id;
    if (!whole_map(c, m, &id))
        return !c->last_pass;
    n->id = request(c, REQ_PRINT, id, top);
    return true;
}

/* time(fmt): printf("%s", strftime(fmt, nsecs)), fmt "%H:%M:%S\n" unless given. */
static bool check_time(struct check *c, struct ast_node *n, int nargs)
{
    struct ast_node *call = n->a, *fmt = call->args;
    if (nargs > 1 || (fmt && fmt->kind != N_STR)) {
        diag_error(c->src, call->loc, "time() takes one argument, a string literal: its format");
        return false;
    }
    struct arena *a = c->prog->arena;
    if (!fmt) {
        fmt = ast_node(a, N_STR, call->loc);
        fmt->sval = "%H:%M:%S\n";
        fmt->slen = strlen(fmt->sval);
    }
    struct ast_node *now = ast_node(a, N_IDENT, call->loc), *conv = ast_node(a, N_STR, call->loc);
    now->sval = "nsecs";
    call->sval = "strftime";
    call->args = fmt;
    fmt->next = now;
    conv->sval = "%s";
    conv->slen = 2;
    conv->next = call;
    n->kind = S_PRINTF;
    n->bi = BI_TIME; /* an output format names it apart from printf */
    n->args = conv;
    n->a = NULL;
    return event(c, n, check_printf(c, n));
}

/* What --unsafe allows, refused without it. */
static bool check_unsafe(struct check *c, const struct ast_node *call, const char *what)
{
    if (c->o->unsafe) {
        c->prog->plan->unsafe = true;
        return true;
    }
    diag_error(c->src, call->loc, "%s() is unsafe: it %s; rerun with --unsafe to allow it",
               call->sval, what);
    return false;
}

/* cat(fmt, args...) and system(fmt, args...): a printf whose text user space
 * takes as a file to print, or a command to run, when the event arrives */
static bool check_user_action(struct check *c, struct ast_node *n, enum bi_id id)
{
    struct ast_node *call = n->a;
    if (id == BI_SYSTEM && !check_unsafe(c, call, "runs a command on each event"))
        return false;
    if (!call->args || call->args->kind != N_STR) {
        diag_error(c->src, call->args ? call->args->loc : call->loc,
                   "%s()'s first argument must be a string literal: a printf format of the %s",
                   call->sval, id == BI_CAT ? "file's path" : "command");
        return false;
    }
    n->kind = S_PRINTF;
    n->bi = id; /* an output format names it, and user space acts on it */
    n->args = call->args;
    n->a = NULL;
    return event(c, n, check_printf(c, n));
}

/* The signals by name, as kill -l names them: what signal() takes besides a
 * number. */
static const char *const signals[] = {
    [SIGHUP] = "HUP",       [SIGINT] = "INT",   [SIGQUIT] = "QUIT",   [SIGILL] = "ILL",
    [SIGTRAP] = "TRAP",     [SIGABRT] = "ABRT", [SIGBUS] = "BUS",     [SIGFPE] = "FPE",
    [SIGKILL] = "KILL",     [SIGUSR1] = "USR1", [SIGSEGV] = "SEGV",   [SIGUSR2] = "USR2",
    [SIGPIPE] = "PIPE",     [SIGALRM] = "ALRM", [SIGTERM] = "TERM",   [SIGCHLD] = "CHLD",
    [SIGCONT] = "CONT",     [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",   [SIGTTIN] = "TTIN",
    [SIGTTOU] = "TTOU",     [SIGURG] = "URG",   [SIGXCPU] = "XCPU",   [SIGXFSZ] = "XFSZ",
    [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH", [SIGIO] = "IO",
    [SIGPWR] = "PWR",       [SIGSYS] = "SYS",
};

/* signal(SIG): a name ("KILL", "SIGKILL") or a number, sent to the task
 * that fired the probe (bpf_send_signal); the name becomes its number */
static bool check_signal(struct check *c, struct ast_node *n)
{
    struct ast_node *call = n->a, *sig = call->args;
    if (!check_unsafe(c, call, "sends a signal to the task that fired the probe"))
        return false;
    if (!sig || sig->next) {
        diag_error(c->src, call->loc, "signal() takes one argument: a signal's name or number");
        return false;
    }
    call->bi = BI_SIGNAL;
    if (sig->kind == N_STR) {
        const char *name = strncmp(sig->sval, "SIG", 3) == 0 ? sig->sval + 3 : sig->sval;
        for (int i = 1; i < (int)(sizeof(signals) / sizeof(signals[0])); i++)
            if (signals[i] && strcmp(signals[i], name) == 0) {
                sig->kind = N_INT;
                sig->ival = i;
                sig->ty = ty_int64(true);
                return true;
            }
        diag_error(c->src, sig->loc, "signal(): unknown signal '%s'", sig->sval);
        diag_note(c->src, "a name as kill -l lists them (KILL or SIGKILL), or a number, 1 to %d",
                  SIGRTMAX);
        return false;
    }
    if (!check_expr(c, sig) || !check_want(c, sig, TY_INT, "signal()'s signal"))
        return false;
    if (sig->kind == N_INT && (sig->big || sig->ival < 1 || sig->ival > SIGRTMAX)) {
        diag_error(c->src, sig->loc, "signal(): there is no signal %s%lld: they are 1 to %d",
                   sig->big ? "+" : "", sig->big ? (long long)INT64_MAX : (long long)sig->ival,
                   SIGRTMAX);
        return false;
    }
    return true;
}

static bool check_call_stmt(struct check *c, struct ast_node *n)
{
    struct ast_node *call = n->a;
    enum bi_id id = builtin_find(call->sval, BK_STMT);
    if (id == BI_NONE && builtin_find(call->sval, BK_FUNC) == BI_JOIN) {
        /* join(argv) as a statement prints the joined line, as in bpftrace:
         * a print of it, which an output format names a join */
        n->kind = S_PRINT;
        n->bi = BI_JOIN;
        n->args = call;
        n->a = NULL;
        bool ok = check_expr(c, call);
        return event(c, n, ok);
    }
    if (id == BI_NONE) {
        if (builtin_find(call->sval, BK_FUNC) != BI_NONE) {
            diag_error(c->src, call->loc, "the value of %s() is not used", call->sval);
            return false;
        }
        return check_call(c, call); /* says it is unknown */
    }
    const struct builtin *b = builtin_get(id);
    int nargs = 0;
    for (struct ast_node *a = call->args; a; a = a->next)
        nargs++;
    if (id == BI_TIME)
        return check_time(c, n, nargs);
    if (id == BI_CAT || id == BI_SYSTEM)
        return check_user_action(c, n, id);
    if (id == BI_SIGNAL)
        return check_signal(c, n);
    struct ast_node *m = call->args;
    if (nargs != 1 || m->kind != N_MAP) {
        diag_error(c->src, call->loc, "%s() takes one map, as in %s(@name%s)", b->name, b->name,
                   id == BI_DELETE ? "[key]" : "");
        return false;
    }
    call->bi = id;
    int mid;
    struct plan_map *pm = whole_map(c, m, &mid);
    if (!pm)
        return !c->last_pass;
    m->id = mid;
    if (id == BI_DELETE) {
        pm->deleted = true;
        if (!m->args && pm->nkeys > 0) {
            diag_error(c->src, m->loc,
                       "delete() takes one entry: %s[key]; clear(%s) empties "
                       "the map",
                       m->sval, m->sval);
            return false;
        }
        return check_key(c, m, pm, false);
    }
    if (m->args) {
        diag_error(c->src, m->loc, "%s() takes a whole map: %s(%s)", b->name, b->name, m->sval);
        return false;
    }
    n->id = request(c, id == BI_CLEAR ? REQ_CLEAR : REQ_ZERO, mid, 0);
    return true;
}

static bool check_stmt(struct check *c, struct ast_node *n)
{
    switch (n->kind) {
    case S_PRINT: {
        if (ast_print_is_map(n))
            return check_print_map(c, n);
        if (n->compound) {
            diag_error(c->src, n->loc,
                       "print(X, N) prints the top N entries of a map: X must be a map");
            return false;
        }
        bool ok = true;
        for (struct ast_node *a = n->args; a; a = a->next)
            ok = check_expr(c, a) && check_record_value(c, a) && ok;
        return event(c, n, ok);
    }
    case S_PRINTF: return event(c, n, check_printf(c, n));
    case S_EXIT:
        return !n->a || (check_expr(c, n->a) && check_want(c, n->a, TY_INT, "exit's code"));
    case S_ASSIGN: return check_assign(c, n);
    case S_CALL: return check_call_stmt(c, n);
    case S_WHILE: {
        bool ok = check_expr(c, n->a) && check_want(c, n->a, TY_INT, "the condition of 'while'");
        if (c->loops == AST_LOOPS_MAX) {
            diag_error(c->src, n->loc, "while loops nest at most %d deep", AST_LOOPS_MAX);
            return false;
        }
        c->loops++;
        for (struct ast_node *s = n->b; s; s = s->next)
            ok = check_stmt(c, s) && ok;
        c->loops--;
        return ok;
    }
    case S_UNROLL: {
        int64_t v = 0;
        bool big = false, ok = check_expr(c, n->a);
        if (ok && (!constant(n->a, &v, &big) || big || v < 1 || v > AST_UNROLL_MAX)) {
            diag_error(c->src, n->a->loc,
                       "unroll's count must be a number from 1 to %d, known when the script is "
                       "compiled",
                       AST_UNROLL_MAX);
            ok = false;
        }
        n->ival = v;
        for (struct ast_node *s = n->b; s; s = s->next)
            ok = check_stmt(c, s) && ok;
        return ok;
    }
    case S_FOR: return check_for(c, n);
    case S_BREAK:
    case S_CONTINUE:
        if (c->loops)
            return true;
        diag_error(c->src, n->loc, "%s is only allowed in a loop",
                   n->kind == S_BREAK ? "break" : "continue");
        return false;
    case S_IF: {
        bool ok = check_expr(c, n->a) && check_want(c, n->a, TY_INT, "the condition of 'if'");
        for (struct ast_node *s = n->b; s; s = s->next)
            ok = check_stmt(c, s) && ok;
        for (struct ast_node *s = n->c; s; s = s->next)
            ok = check_stmt(c, s) && ok;
        return ok;
    }
    default: return false;
    }
}

/* for ($kv : @m) { ... }: the block once an entry of @m, $kv the tuple of
 * its key and value. */
static bool check_for(struct check *c, struct ast_node *n)
{
    struct ast_node *var = n->a, *mn = n->c;
    int mid;
    struct plan_map *m = map_find(c, mn->sval, &mid);
    if (c->for_scope) {
        diag_error(c->src, n->loc, "for loops do not nest");
        return false;
    }
    if (!m || !m->value_size) {
        if (!c->last_pass)
            return true; /* assigned further on, maybe: the next pass knows */
        diag_error(c->src, mn->loc, "map %s is never assigned", mn->sval);
        return false;
    }
    if (m->agg || m->nkeys != 1) {
        diag_error(c->src, mn->loc,
                   "a for loop goes over a map of one key and plain values, "
                   "and %s %s",
                   m->name,
                   m->agg     ? "is an aggregation, kept per CPU"
                   : m->nkeys ? "has a key of several parts"
                              : "has no key");
        if (m->agg)
            diag_note(c->src, "print it, or keep the values in a map of its own");
        return false;
    }
    if (m->value.kind != TY_INT && m->value.kind != TY_PTR && m->value.kind != TY_STR) {
        char buf[256];
        diag_error(c->src, mn->loc,
                   "a for loop reads integers, pointers and strings, and %s holds %s", m->name,
                   check_ty_desc(m->value, buf, sizeof(buf)));
        return false;
    }
    mn->id = mid;
    /* $kv: a tuple (key, value), made as (k, v) would be */
    struct ast_node k = {.kind = N_INT, .ty = m->keys[0].ty},
                    v = {.kind = N_INT, .ty = m->value, .next = NULL}, t = {.kind = N_TUPLE};
    k.next = &v;
    t.args = &k;
    t.loc = var->loc;
    if (!check_tuple_of(c, &t))
        return false;
    int id;
    struct ast_var *old = var_find(c, var->sval, &id);
    if (old && old->scope) { /* another loop's: this loop's is its own */
        old = NULL;
    } else if (old) {
        diag_error(c->src, var->loc,
                   "variable %s is already the probe's: a for loop names a new one", var->sval);
        diag_note_at(c->src, old->at, "it is made here");
        return false;
    }
    n->ival = ++c->nfor;
    c->for_scope = (int)n->ival;
    if (!old)
        old = var_add(c, var, t.ty);
    var->id = (int)(old - c->probe->vars);
    var->ty = t.ty;
    n->id = var->id;
    c->loops++;
    bool ok = true;
    for (struct ast_node *s = n->b; s; s = s->next)
        ok = check_stmt(c, s) && ok;
    c->loops--;
    c->for_scope = 0;
    return ok;
}

/* The kind of spec s and the points it names; false after saying why. */
static bool resolve(struct check *c, struct ast_spec *s)
{
    const char *colon = strchr(s->text, ':');
    size_t klen = colon ? (size_t)(colon - s->text) : strlen(s->text);
    s->kind = probe_kind_find(s->text, klen);
    if (!s->kind) {
        struct tp_loc l = s->loc;
        l.last_line = l.first_line;
        l.last_column = l.first_column + (int)klen - 1;
        char kind[64];
        snprintf(kind, sizeof(kind), "%.*s", (int)(klen < 63 ? klen : 63), s->text);
        diag_error(c->src, l, "unknown probe kind '%s'", kind);
        int n;
        const struct probe_kind *const *kinds = probe_kinds(&n);
        const char *names[64];
        char list[512];
        size_t len = 0;
        for (int i = 0; i < n && i < 64; i++) {
            names[i] = kinds[i]->name;
            len += snprintf(list + len, sizeof(list) - len, "%s%s",
                            i == 0       ? ""
                            : i == n - 1 ? " and "
                                         : ", ",
                            names[i]);
        }
        const char *best = probe_closest(kind, names, n < 64 ? n : 64);
        if (best)
            diag_note(c->src, "did you mean '%s'?", best);
        else
            diag_note(c->src, "the probe kinds are %s", list);
        return false;
    }
    struct probe_err err;
    memset(&err, 0, sizeof(err));
    if (s->kind->expand(s->kind, colon ? colon + 1 : NULL, &s->points, &err) == 0 && s->points.n) {
        /* a program each: thousands would load for minutes, or run out of fds */
        if (s->kind->cookie_shares || s->points.n <= PROBE_PROGRAMS_MAX)
            return true;
        diag_error(c->src, s->loc, "%s matches %d points, and each needs a program of its own",
                   s->text, s->points.n);
        diag_note(c->src, "a %s pattern may match at most %d: narrow it", s->kind->name,
                  PROBE_PROGRAMS_MAX);
        probe_points_free(&s->points);
        return false;
    }
    probe_points_free(&s->points);
    diag_error(c->src, s->loc, "%s", err.msg[0] ? err.msg : "this probe names nothing");
    if (err.hint[0])
        diag_note(c->src, "%s", err.hint);
    return false;
}

/* One pass over every probe's filter and statements. */
static void check_pass(struct check *c)
{
    struct ast_program *p = c->prog;
    p->plan->nevents = 0;
    p->plan->nreqs = 0;
    for (struct ast_probe *pr = p->probes; pr; pr = pr->next) {
        bool resolved = true;
        for (struct ast_spec *s = pr->specs; s; s = s->next)
            resolved &= s->points.n > 0;
        if (!resolved)
            continue; /* names in the body depend on the specs */
        c->probe = pr;
        pr->nvars = 0;
        c->nfor = 0;
        strset_free(&c->var_ids);
        if (pr->filter && check_expr(c, pr->filter))
            check_want(c, pr->filter, TY_INT, "a filter");
        for (struct ast_node *s = pr->body; s; s = s->next)
            check_stmt(c, s);
    }
}

/* The plan takes every spec's points, which the runtime attaches to once
 * the tree is gone; the specs still list them, for codegen. */
static void hand_over_points(struct ast_program *p)
{
    for (struct ast_probe *pr = p->probes; pr; pr = pr->next)
        for (struct ast_spec *s = pr->specs; s; s = s->next)
            for (int i = 0; i < s->points.n; i++)
                plan_take_point(p->plan, s->points.v[i]);
}

bool check_program(struct ast_program *p, struct plan *plan, const struct check_opts *o)
{
    p->plan = plan;
    struct check c = {.prog = p, .src = p->src, .o = o};
    for (struct ast_probe *pr = p->probes; pr; pr = pr->next) {
        /* the same spec twice in one probe is attached once */
        struct strset seen = {0};
        strset_add(&seen, pr->specs->text);
        for (struct ast_spec *s = pr->specs; s; s = s->next) {
            while (s->next && !strset_add(&seen, s->next->text))
                s->next = s->next->next;
        }
        strset_free(&seen);
        for (struct ast_spec **sp = &pr->specs; *sp;) {
            struct ast_spec *s = *sp;
            size_t len = strlen(s->text);
            if (len > 1 && s->text[len - 1] == '?') {
                s->text[len - 1] = 0;
                s->optional = true;
            }
            int errors = c.src->errors;
            c.src->quiet = s->optional;
            bool ok = resolve(&c, s);
            c.src->quiet = false;
            if (!ok && s->optional) { /* not in this kernel: as if not written */
                c.src->errors = errors;
                probe_points_free(&s->points);
                *sp = s->next;
                continue;
            }
            sp = &s->next;
        }
    }
    /* a probe whose specs were all skipped ('?') is not there at all */
    for (struct ast_probe **pp = &p->probes; *pp;)
        if (!(*pp)->specs)
            *pp = (*pp)->next;
        else
            pp = &(*pp)->next;
    /* A map's type is set by its assignments, wherever they are; a first,
     * quiet pass finds them all, so the second knows every map it reads. */
    int errors = c.src->errors;
    c.src->quiet = true;
    check_pass(&c);
    c.src->quiet = false;
    c.src->errors = errors;
    c.last_pass = true;
    check_pass(&c);
    plan_layout(p->plan, o->ncpus);
    hand_over_points(p);
    strset_free(&c.var_ids);
    strset_free(&c.map_ids);
    return c.src->errors == 0;
}
