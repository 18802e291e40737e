/* The checks of tuples: (a, b, ...) as a value, and $t.N, its element N.
 * A tuple is laid out as a record of the plan, as a struct kept as a value
 * is (check_access.c), so one printer serves both; its integers take 8
 * bytes and its strings their size rounded up to 8, as a map's key parts. */
#include <stdio.h>
#include <string.h>

#include "lang/check.h"

static bool same_fields(const struct plan_record *r, const struct plan_field *f, int n)
{
    if (!r->tuple || r->nfields != n)
        return false;
    for (int i = 0; i < n; i++)
        if (r->fields[i].ty.kind != f[i].ty.kind || r->fields[i].ty.size != f[i].ty.size)
            return false;
    return true;
}

/* The record of a tuple of these elements, made once: its index. */
static int tuple_record(struct check *c, const struct plan_field *f, int n, unsigned size)
{
    struct plan *p = check_plan(c);
    for (int i = 0; i < p->nrecords; i++)
        if (same_fields(&p->records[i], f, n))
            return i;
    struct plan_field *fields = arena_alloc(p->arena, (size_t)n * sizeof(*fields));
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", i);
        fields[i] = f[i];
        fields[i].name = arena_strndup(p->arena, name, strlen(name));
    }
    p->records = check_grow(p->arena, p->records, p->nrecords, &p->caprecords, sizeof(*p->records));
    p->records[p->nrecords] = (struct plan_record){
        .name = "tuple", .tuple = true, .size = size, .fields = fields, .nfields = n};
    return p->nrecords++;
}

static bool tuple_of(struct check *c, struct ast_node *n, bool check_elements);

bool check_tuple(struct check *c, struct ast_node *n)
{
    return tuple_of(c, n, true);
}

bool check_tuple_of(struct check *c, struct ast_node *n)
{
    return tuple_of(c, n, false);
}

static bool tuple_of(struct check *c, struct ast_node *n, bool check_elements)
{
    struct plan_field f[AST_TUPLE_MAX];
    int count = 0;
    unsigned off = 0;
    bool ok = true;
    char buf[256];
    for (struct ast_node *a = n->args; a; a = a->next) {
        if (check_elements && !check_expr(c, a)) {
            ok = false;
            continue;
        }
        if (count == AST_TUPLE_MAX) {
            diag_error(check_src(c), a->loc, "a tuple has at most %d elements", AST_TUPLE_MAX);
            return false;
        }
        struct ty t = a->ty;
        bool kept = (t.kind == TY_STACK && t.size == TY_STACK_SIZE) || t.kind == TY_SYM;
        if (!ty_is_scalar(t) && t.kind != TY_STR && !kept) {
            diag_error(check_src(c), a->loc,
                       "a tuple holds integers, strings, pointers, stacks and symbols, not %s",
                       check_ty_desc(t, buf, sizeof(buf)));
            ok = false;
            continue;
        }
        /* of one layout whatever the widths of its integers and the lengths
         * of its strings, as in bpftrace: ($t = (1, "a"); $t = (pid, comm))
         * assigns one tuple type twice */
        if (t.kind == TY_INT)
            t = ty_int64(t.is_signed);
        else if (t.kind == TY_STR && t.size < check_str_size(c))
            t.size = check_str_size(c);
        f[count++] = (struct plan_field){.off = off, .ty = t};
        off += t.kind == TY_STR ? ((unsigned)t.size + 7) & ~7u : (unsigned)ty_store_size(t);
    }
    if (!ok)
        return false;
    n->ty = (struct ty){.kind = TY_TUPLE, .size = (int)off, .rec = tuple_record(c, f, count, off)};
    return true;
}

const char *check_tuple_desc(struct check *c, struct ty t, char *buf, size_t len)
{
    const struct plan_record *r = &check_plan(c)->records[t.rec];
    size_t n = (size_t)snprintf(buf, len, "a tuple (");
    for (int i = 0; i < r->nfields && n < len; i++) {
        char name[64];
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
                              ty_name(r->fields[i].ty, name, sizeof(name)));
    }
    if (n < len)
        snprintf(buf + n, len - n, ")");
    return buf;
}

bool check_tuple_element(struct check *c, struct ast_node *n)
{
    char buf[256];
    if (!check_expr(c, n->a))
        return false;
    if (n->a->ty.kind != TY_TUPLE) {
        diag_error(check_src(c), n->loc, "'.%lld' is an element of a tuple, and this is %s",
                   (long long)n->ival, check_ty_desc(n->a->ty, buf, sizeof(buf)));
        return false;
    }
    if (n->a->kind != N_VAR && n->a->kind != N_MAP && n->a->kind != N_TUPLE) {
        diag_error(check_src(c), n->loc,
                   "an element is read from a tuple in a variable or a map, or written out");
        return false;
    }
    const struct plan_record *r = &check_plan(c)->records[n->a->ty.rec];
    if (n->ival < 0 || n->ival >= r->nfields) {
        diag_error(check_src(c), n->loc,
                   "this tuple has %d elements, numbered from 0: there is no .%lld", r->nfields,
                   (long long)n->ival);
        return false;
    }
    n->bit_off = r->fields[n->ival].off * 8;
    n->ty = r->fields[n->ival].ty;
    if (n->ty.kind == TY_STACK || n->ty.kind == TY_SYM) {
        diag_error(check_src(c), n->loc,
                   "element .%lld is %s: it is printed with its tuple, not read alone",
                   (long long)n->ival, check_ty_desc(n->ty, buf, sizeof(buf)));
        return false;
    }
    return true;
}
