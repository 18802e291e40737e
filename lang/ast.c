#include "lang/ast.h"

#include <stdlib.h>
#include <string.h>

#include "bpf/probe.h"

struct ast_node *ast_node(struct arena *a, enum ast_kind k, struct tp_loc loc)
{
    struct ast_node *n = arena_alloc(a, sizeof(*n));
    n->kind = k;
    n->loc = loc;
    return n;
}

struct ast_node *ast_binary(struct arena *a, enum ast_op op, struct ast_node *l, struct ast_node *r,
                            struct tp_loc loc)
{
    struct ast_node *n = ast_node(a, N_BINARY, loc);
    n->op = op;
    n->a = l;
    n->b = r;
    return n;
}

struct ast_node *ast_unary(struct arena *a, enum ast_op op, struct ast_node *e, struct tp_loc loc)
{
    struct ast_node *n = ast_node(a, N_UNARY, loc);
    n->op = op;
    n->a = e;
    return n;
}

struct ast_node *ast_step(struct arena *a, struct ast_node *lv, enum ast_op op, struct tp_loc loc,
                          struct tp_loc oploc)
{
    struct ast_node *n = ast_node(a, S_ASSIGN, loc);
    n->a = lv;
    n->op = op;
    n->compound = true;
    n->b = ast_node(a, N_INT, oploc);
    n->b->ival = 1;
    return n;
}

bool ast_print_is_map(const struct ast_node *s)
{
    const struct ast_node *a = s->args;
    return s->kind == S_PRINT && a->kind == N_MAP && !a->args && (!a->next || s->compound);
}

const char *ast_op_name(enum ast_op op)
{
    static const char *const names[] = {
        [OP_ADD] = "+",  [OP_SUB] = "-",   [OP_MUL] = "*",  [OP_DIV] = "/",  [OP_MOD] = "%",
        [OP_AND] = "&",  [OP_OR] = "|",    [OP_XOR] = "^",  [OP_SHL] = "<<", [OP_SHR] = ">>",
        [OP_LT] = "<",   [OP_GT] = ">",    [OP_LE] = "<=",  [OP_GE] = ">=",  [OP_EQ] = "==",
        [OP_NE] = "!=",  [OP_LAND] = "&&", [OP_LOR] = "||", [OP_NEG] = "-",  [OP_NOT] = "!",
        [OP_BNOT] = "~",
    };
    return names[op];
}

static void dump_str(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 32 || c >= 127)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static bool is_args(const struct ast_node *n)
{
    return n->kind == N_IDENT && strcmp(n->sval, "args") == 0;
}

static void dump_tname(FILE *out, const struct ast_tname *t)
{
    if (t->kind == TN_INT)
        fprintf(out, "%sint%d", t->is_signed ? "" : "u", t->size * 8);
    else
        fprintf(out, "%s %s", t->kind == TN_STRUCT ? "struct" : "union", t->name);
    if (t->stars)
        fprintf(out, " %.*s", t->stars, "****************************************");
}

static void dump_node(const struct ast_node *n, int depth, FILE *out)
{
    for (; n; n = n->next) {
        fprintf(out, "%*s", depth * 2, "");
        switch (n->kind) {
        case N_INT: fprintf(out, "int %lld", (long long)n->ival); break;
        case N_STR:
            fputs("string ", out);
            dump_str(out, n->sval, n->slen);
            break;
        case N_IDENT: fprintf(out, "builtin %s", n->sval); break;
        case N_MEMBER:
            if (n->tuple)
                fprintf(out, "element %lld", (long long)n->ival);
            else if (is_args(n->a))
                fprintf(out, "field %s", n->sval);
            else
                fprintf(out, "member %s%s", n->arrow ? "->" : ".", n->sval);
            break;
        case N_INDEX: fputs("index", out); break;
        case N_TUPLE: fputs("tuple", out); break;
        case N_DEREF: fputs("deref", out); break;
        case N_CAST:
            fputs("cast ", out);
            dump_tname(out, n->tname);
            break;
        case N_SIZEOF:
            fputs("sizeof", out);
            if (n->tname) {
                fputc(' ', out);
                dump_tname(out, n->tname);
            }
            break;
        case N_OFFSETOF:
            fputs("offsetof ", out);
            dump_tname(out, n->tname);
            fprintf(out, ", %s", n->sval);
            break;
        case N_CALL: fprintf(out, "call %s", n->sval); break;
        case N_UNARY: fprintf(out, "unary %s", ast_op_name(n->op)); break;
        case N_BINARY: fprintf(out, "binary %s", ast_op_name(n->op)); break;
        case N_COND: fputs("cond ?:", out); break;
        case S_PRINT: fputs("print", out); break;
        case S_PRINTF: fputs("printf", out); break;
        case S_EXIT: fputs("exit", out); break;
        case N_VAR: fprintf(out, "variable %s", n->sval); break;
        case N_MAP: fprintf(out, "map %s", n->sval); break;
        case N_PARAM:
            if (n->ival >= 0)
                fprintf(out, "parameter $%lld", (long long)n->ival);
            else
                fprintf(out, "parameter count $#");
            break;
        case S_ASSIGN:
            fprintf(out, "assign %s%s", n->compound ? ast_op_name(n->op) : "", "=");
            break;
        case S_IF: fputs("if", out); break;
        case S_CALL: fputs("call statement", out); break;
        case S_WHILE: fputs("while", out); break;
        case S_UNROLL: fputs("unroll", out); break;
        case S_BREAK: fputs("break", out); break;
        case S_CONTINUE: fputs("continue", out); break;
        case S_FOR: fputs("for", out); break;
        }
        if (n->ty.kind == TY_STR)
            fprintf(out, " : string[%d]", n->ty.size);
        else if (n->ty.kind != TY_NONE && n->kind < S_PRINT) {
            char tn[256];
            fprintf(out, " : %s", ty_name(n->ty, tn, sizeof(tn)));
        }
        fprintf(out, "  @%d:%d\n", n->loc.first_line, n->loc.first_column);
        if (n->kind == N_MEMBER && is_args(n->a))
            continue;
        dump_node(n->a, depth + 1, out);
        if (n->b)
            dump_node(n->b, depth + 1, out);
        if (n->c)
            dump_node(n->c, depth + 1, out);
        dump_node(n->args, depth + 1, out);
    }
}

void ast_dump(const struct ast_program *p, FILE *out)
{
    for (const struct ast_probe *pr = p->probes; pr; pr = pr->next) {
        fprintf(out, "probe  @%d:%d\n", pr->loc.first_line, pr->loc.first_column);
        for (const struct ast_spec *s = pr->specs; s; s = s->next)
            fprintf(out, "  spec %s  @%d:%d\n", s->text, s->loc.first_line, s->loc.first_column);
        if (pr->filter) {
            fputs("  filter\n", out);
            dump_node(pr->filter, 2, out);
        }
        fputs("  body\n", out);
        dump_node(pr->body, 2, out);
    }
}

void ast_program_free(struct ast_program *p)
{
    if (!p)
        return;
    /* the points themselves are the plan's */
    for (struct ast_probe *pr = p->probes; pr; pr = pr->next)
        for (struct ast_spec *s = pr->specs; s; s = s->next)
            free(s->points.v);
    arena_free(p->arena);
}
