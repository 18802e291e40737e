#include "lang/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/probe.h"
#include "lang/builtin.h"
#include "lang/printf.h"

struct check {
    struct ast_program *prog;
    struct diag_src *src;
    const struct check_opts *o;
    struct ast_probe *probe; /* the one being checked */
};

static struct ty ty_int(bool is_signed)
{
    return (struct ty){.kind = TY_INT, .is_signed = is_signed};
}

static struct ty ty_str(int size)
{
    return (struct ty){.kind = TY_STR, .size = size};
}

static bool check_expr(struct check *c, struct ast_node *n);

struct diag_src *check_src(struct check *c)
{
    return c->src;
}

int check_str_size(struct check *c)
{
    return c->o->str_size;
}

int check_longest_spec(struct check *c)
{
    int len = 0;
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
        if ((int)strlen(s->text) > len)
            len = strlen(s->text);
    return len;
}

/* A builtin that needs what some of the probe's kinds lack: said at `n`. */
static bool check_needs(struct check *c, struct ast_node *n, const struct builtin *b)
{
    if (!b->needs)
        return true;
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next) {
        if ((s->kind->caps & b->needs) == b->needs)
            continue;
        char kinds[128];
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
    if (v > ARCH_MAX_ARGS || strlen(digits) > 2) {
        diag_error(c->src, n->loc, "%s is out of range: a kprobe can read arg1 to arg%d", n->sval,
                   ARCH_MAX_ARGS);
        return false;
    }
    const struct builtin *b = builtin_get(BI_ARG);
    if (!check_needs(c, n, b))
        return false;
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
        if (!check_needs(c, n, b))
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

static struct ty field_type(struct check *c, const struct probe_field *f)
{
    switch (f->kind) {
    case FIELD_INT: return ty_int(f->is_signed);
    case FIELD_CHARS: return (struct ty){.kind = TY_STR, .size = f->size};
    case FIELD_DATA_LOC: return (struct ty){.kind = TY_STR, .size = c->o->str_size};
    default: return (struct ty){0};
    }
}

static bool check_member(struct check *c, struct ast_node *n)
{
    if (n->a->kind != N_IDENT || strcmp(n->a->sval, "args") != 0) {
        diag_error(c->src, n->loc, "only a tracepoint's args have fields: write args.%s", n->sval);
        return false;
    }
    struct ty ty = {0};
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next) {
        if (!(s->kind->caps & PROBE_FIELDS)) {
            char kinds[128];
            probe_kinds_with(PROBE_FIELDS, kinds, sizeof(kinds));
            diag_error(c->src, n->a->loc, "args is only available in %s probes, not in %s", kinds,
                       s->kind->name);
            if (s->kind->caps & PROBE_ARGS)
                diag_note(c->src, "a kprobe reads its function's parameters as arg1 to arg%d",
                          ARCH_MAX_ARGS);
            return false;
        }
        const struct probe_field *f = probe_field(s->point, n->sval);
        if (!f) {
            struct tp_loc l = n->loc;
            l.first_column = l.last_column - (int)strlen(n->sval) + 1;
            diag_error(c->src, l, "tracepoint %s has no field '%s'", s->point->target, n->sval);
            const char *names[256];
            int nn = 0;
            char list[1024] = "";
            size_t len = 0;
            for (int i = 0; i < s->point->nfields && nn < 256; i++) {
                const char *fn = s->point->fields[i].name;
                if (strncmp(fn, "common_", 7) == 0 || strcmp(fn, "__syscall_nr") == 0)
                    continue;
                names[nn++] = fn;
                if (len < sizeof(list) - 64)
                    len += snprintf(list + len, sizeof(list) - len, "%s%s", nn > 1 ? ", " : "", fn);
            }
            const char *best = probe_closest(n->sval, names, nn);
            if (best)
                diag_note(c->src, "did you mean '%s'?", best);
            else
                diag_note(c->src, "its fields are: %s", list);
            return false;
        }
        struct ty t = field_type(c, f);
        if (t.kind == TY_NONE) {
            diag_error(c->src, n->loc, "field '%s' of %s has a type tinyprobe cannot read yet",
                       n->sval, s->point->target);
            return false;
        }
        if (ty.kind != TY_NONE && ty.kind != t.kind) {
            diag_error(c->src, n->loc, "field '%s' is a %s in one probe and a %s in another",
                       n->sval, ast_ty_name(ty), ast_ty_name(t));
            return false;
        }
        if (t.size < ty.size)
            t.size = ty.size;
        ty = t;
    }
    n->ty = ty;
    return true;
}

/* "an integer", "a string": a type as a sentence names it. */
static const char *ty_desc(struct ty t)
{
    switch (t.kind) {
    case TY_INT: return "an integer";
    case TY_STR: return "a string";
    case TY_JOIN: return "a join()";
    case TY_TIME: return "a strftime()";
    default: return "nothing";
    }
}

bool check_want(struct check *c, struct ast_node *n, enum ty_kind k, const char *what)
{
    if (n->ty.kind == k)
        return true;
    diag_error(c->src, n->loc, "%s must be %s, not %s", what, ty_desc((struct ty){.kind = k}),
               ty_desc(n->ty));
    return false;
}

static bool check_call(struct check *c, struct ast_node *n)
{
    enum bi_id id = builtin_find(n->sval, BK_FUNC);
    if (id == BI_NONE) {
        diag_error(c->src, n->loc, "unknown function '%s'", n->sval);
        const char *names[BI__COUNT + 3] = {"printf", "print", "exit"};
        int nn = 3 + builtin_names(BK_FUNC, names + 3, BI__COUNT);
        const char *best = probe_closest(n->sval, names, nn);
        if (best)
            diag_note(c->src, "did you mean '%s'?", best);
        return false;
    }
    const struct builtin *b = builtin_get(id);
    int nargs = 0;
    bool ok = true;
    for (struct ast_node *a = n->args; a; a = a->next, nargs++)
        ok = check_expr(c, a) && ok;
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
        n->ty = ty_int(true);
        return true;
    }
    if (l->ty.kind != TY_INT || r->ty.kind != TY_INT) {
        struct ast_node *bad = l->ty.kind != TY_INT ? l : r;
        if (eq && (l->ty.kind == TY_STR || r->ty.kind == TY_STR))
            diag_error(c->src, n->loc, "cannot compare %s with %s", ty_desc(l->ty), ty_desc(r->ty));
        else
            diag_error(c->src, bad->loc, "operator '%s' needs integers, not %s", ast_op_name(n->op),
                       ty_desc(bad->ty));
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
    case OP_LOR: n->ty = ty_int(true); break;
    case OP_SHL:
    case OP_SHR: n->ty = l->ty; break;
    default: n->ty = ty_int(l->ty.is_signed && r->ty.is_signed); break;
    }
    return true;
}

static bool check_expr(struct check *c, struct ast_node *n)
{
    switch (n->kind) {
    case N_INT: n->ty = ty_int(true); return true;
    case N_STR: n->ty = ty_str((int)n->slen + 1); return true;
    case N_IDENT: return check_ident(c, n);
    case N_MEMBER: return check_member(c, n);
    case N_CALL: return check_call(c, n);
    case N_UNARY:
        if (!check_expr(c, n->a))
            return false;
        if (!check_want(c, n->a, TY_INT,
                        n->op == OP_NOT ? "the operand of '!'" : "the operand of '-' and '~'"))
            return false;
        n->ty = n->op == OP_NOT ? ty_int(true) : n->a->ty;
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
        if (b.kind != e.kind || (b.kind != TY_INT && b.kind != TY_STR)) {
            diag_error(c->src, n->loc,
                       "the two sides of '?:' must both be integers or both "
                       "strings, not %s and %s",
                       ast_ty_name(b), ast_ty_name(e));
            return false;
        }
        n->ty = b.kind == TY_INT ? ty_int(b.is_signed && e.is_signed)
                                 : ty_str(b.size > e.size ? b.size : e.size);
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
        bool str = a->ty.kind == TY_STR || a->ty.kind == TY_JOIN || a->ty.kind == TY_TIME;
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

static bool check_stmt(struct check *c, struct ast_node *n)
{
    switch (n->kind) {
    case S_PRINT: {
        bool ok = true;
        for (struct ast_node *a = n->args; a; a = a->next)
            ok = check_expr(c, a) && ok;
        n->id = c->prog->nstmts++;
        return ok;
    }
    case S_PRINTF: n->id = c->prog->nstmts++; return check_printf(c, n);
    case S_EXIT:
        return !n->a || (check_expr(c, n->a) && check_want(c, n->a, TY_INT, "exit's code"));
    default: return false;
    }
}

bool check_program(struct ast_program *p, const struct check_opts *o)
{
    struct check c = {.prog = p, .src = p->src, .o = o};
    for (struct ast_probe *pr = p->probes; pr; pr = pr->next) {
        bool specs_ok = true;
        for (struct ast_spec *s = pr->specs; s; s = s->next)
            specs_ok = probe_resolve(s, c.src) && specs_ok;
        if (!specs_ok)
            continue; /* names in the body depend on the specs */
        c.probe = pr;
        if (pr->filter && check_expr(&c, pr->filter))
            check_want(&c, pr->filter, TY_INT, "a filter");
        for (struct ast_node *s = pr->body; s; s = s->next)
            check_stmt(&c, s);
    }
    return c.src->errors == 0;
}
