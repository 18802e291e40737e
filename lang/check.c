#include "lang/check.h"

#include <stdlib.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/probe.h"
#include "lang/printf.h"

struct checker {
    struct ast_program *prog;
    struct diag_src *src;
    const struct check_opts *o;
    struct ast_probe *probe; /* the one being checked */
};

static const struct {
    const char *name;
    enum ast_builtin b;
} builtins[] = {
    {"pid", B_PID},     {"tid", B_TID}, {"uid", B_UID},     {"gid", B_GID},       {"comm", B_COMM},
    {"nsecs", B_NSECS}, {"cpu", B_CPU}, {"probe", B_PROBE}, {"retval", B_RETVAL},
};

static const struct {
    const char *name;
    enum ast_func f;
    int min, max;
} funcs[] = {
    {"str", F_STR, 1, 2},
    {"join", F_JOIN, 1, 2},
    {"strftime", F_STRFTIME, 2, 2},
};

static struct ty ty_int(bool is_signed)
{
    return (struct ty){.kind = TY_INT, .is_signed = is_signed};
}

static struct ty ty_str(int size)
{
    return (struct ty){.kind = TY_STR, .size = size};
}

static bool check_expr(struct checker *c, struct ast_node *n);

/* The first spec of the probe whose kind lacks `b`, or NULL if all have it. */
static const struct ast_spec *spec_without(struct checker *c, enum ast_builtin b)
{
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
        if (!(s->kind->builtins & (1u << b)))
            return s;
    return NULL;
}

static bool check_arg(struct checker *c, struct ast_node *n, const char *digits)
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
    const struct ast_spec *s = spec_without(c, B_ARG);
    if (s) {
        diag_error(c->src, n->loc, "%s is only available in kprobe probes, not in %s", n->sval,
                   s->kind->name);
        if (s->kind->has_fields)
            diag_note(c->src, "a tracepoint's arguments are its fields: args.FIELD");
        return false;
    }
    n->builtin = B_ARG;
    n->ival = v;
    n->ty = ty_int(false);
    return true;
}

static bool check_ident(struct checker *c, struct ast_node *n)
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
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strcmp(name, builtins[i].name) != 0)
            continue;
        n->builtin = builtins[i].b;
        switch (n->builtin) {
        case B_RETVAL: {
            const struct ast_spec *s = spec_without(c, B_RETVAL);
            if (s) {
                diag_error(c->src, n->loc,
                           "retval is only available in kretprobe probes, not in %s",
                           s->kind->name);
                return false;
            }
            n->ty = ty_int(true);
            return true;
        }
        case B_COMM: n->ty = ty_str(16); return true;
        case B_PROBE: {
            int len = 0;
            for (const struct ast_spec *s = c->probe->specs; s; s = s->next)
                if ((int)strlen(s->text) > len)
                    len = strlen(s->text);
            n->ty = ty_str(len + 1);
            return true;
        }
        default: n->ty = ty_int(false); return true;
        }
    }
    const char *names[sizeof(builtins) / sizeof(builtins[0]) + 2];
    int nn = 0;
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
        names[nn++] = builtins[i].name;
    names[nn++] = "args";
    names[nn++] = "arg1";
    diag_error(c->src, n->loc, "unknown name '%s'", name);
    const char *best = probe_closest(name, names, nn);
    if (best)
        diag_note(c->src, "did you mean '%s'?", best);
    return false;
}

static struct ty field_type(struct checker *c, const struct probe_field *f)
{
    switch (f->kind) {
    case FIELD_INT: return ty_int(f->is_signed);
    case FIELD_CHARS: return ty_str(f->size);
    case FIELD_DATA_LOC: return ty_str(c->o->str_size);
    default: return (struct ty){0};
    }
}

static bool check_member(struct checker *c, struct ast_node *n)
{
    if (n->a->kind != N_IDENT || strcmp(n->a->sval, "args") != 0) {
        diag_error(c->src, n->loc, "only a tracepoint's args have fields: write args.%s", n->sval);
        return false;
    }
    struct ty ty = {0};
    for (const struct ast_spec *s = c->probe->specs; s; s = s->next) {
        if (!s->kind->has_fields) {
            diag_error(c->src, n->a->loc, "args is only available in tracepoint probes, not in %s",
                       s->kind->name);
            if (s->kind->builtins & (1u << B_ARG))
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

static bool want(struct checker *c, struct ast_node *n, enum ty_kind k, const char *what)
{
    if (n->ty.kind == k)
        return true;
    diag_error(c->src, n->loc, "%s must be %s, not %s", what, ty_desc((struct ty){.kind = k}),
               ty_desc(n->ty));
    return false;
}

static bool check_call(struct checker *c, struct ast_node *n)
{
    size_t i = 0;
    while (i < sizeof(funcs) / sizeof(funcs[0]) && strcmp(funcs[i].name, n->sval) != 0)
        i++;
    if (i == sizeof(funcs) / sizeof(funcs[0])) {
        diag_error(c->src, n->loc, "unknown function '%s'", n->sval);
        const char *names[] = {"str", "join", "strftime", "printf", "print", "exit"};
        const char *best = probe_closest(n->sval, names, 6);
        if (best)
            diag_note(c->src, "did you mean '%s'?", best);
        return false;
    }
    int nargs = 0;
    bool ok = true;
    for (struct ast_node *a = n->args; a; a = a->next, nargs++)
        ok = check_expr(c, a) && ok;
    if (nargs < funcs[i].min || nargs > funcs[i].max) {
        if (funcs[i].min == funcs[i].max)
            diag_error(c->src, n->loc, "%s() takes %d arguments, not %d", n->sval, funcs[i].min,
                       nargs);
        else
            diag_error(c->src, n->loc, "%s() takes %d or %d arguments, not %d", n->sval,
                       funcs[i].min, funcs[i].max, nargs);
        return false;
    }
    if (!ok)
        return false;
    n->func = funcs[i].f;
    struct ast_node *a0 = n->args, *a1 = a0->next;
    switch (n->func) {
    case F_STR:
        if (a0->ty.kind == TY_STR && !a1) { /* already a string: str() changes nothing */
            n->ty = a0->ty;
            return true;
        }
        if (!want(c, a0, TY_INT, "str()'s address") ||
            (a1 && !want(c, a1, TY_INT, "str()'s length")))
            return false;
        n->ty = ty_str(c->o->str_size);
        return true;
    case F_JOIN:
        if (!want(c, a0, TY_INT, "join()'s address"))
            return false;
        if (a1 && a1->kind != N_STR) {
            diag_error(c->src, a1->loc, "join()'s separator must be a string literal");
            return false;
        }
        n->ty = (struct ty){.kind = TY_JOIN, .size = c->o->str_size};
        return true;
    case F_STRFTIME:
        if (a0->kind != N_STR) {
            diag_error(c->src, a0->loc, "strftime()'s format must be a string literal");
            return false;
        }
        if (a0->slen > STRFTIME_FMT_MAX) {
            diag_error(c->src, a0->loc, "strftime()'s format is %zu bytes long: the most is %d",
                       a0->slen, STRFTIME_FMT_MAX);
            return false;
        }
        if (!want(c, a1, TY_INT, "strftime()'s time"))
            return false;
        n->ty = (struct ty){.kind = TY_TIME};
        return true;
    default: return false;
    }
}

static bool check_binary(struct checker *c, struct ast_node *n)
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

static bool check_expr(struct checker *c, struct ast_node *n)
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
        if (!want(c, n->a, TY_INT,
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
        if (!ok || !want(c, n->a, TY_INT, "the condition of '?:'"))
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

static bool check_printf(struct checker *c, struct ast_node *n)
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

static bool check_stmt(struct checker *c, struct ast_node *n)
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
    case S_EXIT: return !n->a || (check_expr(c, n->a) && want(c, n->a, TY_INT, "exit's code"));
    default: return false;
    }
}

bool check_program(struct ast_program *p, const struct check_opts *o)
{
    struct checker c = {.prog = p, .src = p->src, .o = o};
    for (struct ast_probe *pr = p->probes; pr; pr = pr->next) {
        bool specs_ok = true;
        for (struct ast_spec *s = pr->specs; s; s = s->next)
            specs_ok = probe_resolve(s, c.src) && specs_ok;
        if (!specs_ok)
            continue; /* names in the body depend on the specs */
        c.probe = pr;
        if (pr->filter && check_expr(&c, pr->filter))
            want(&c, pr->filter, TY_INT, "a filter");
        for (struct ast_node *s = pr->body; s; s = s->next)
            check_stmt(&c, s);
    }
    return c.src->errors == 0;
}
