/* Tuples: written out element by element, copied whole from a variable or
 * a map, and read an element at a time. The layout is the plan's record of
 * the tuple (lang/check_tuple.c). */
#include "codegen/cg.h"

/* Zeros over `size` bytes (a multiple of 8) at p. */
static void zero(struct cg *c, LLVMValueRef p, unsigned size)
{
    for (unsigned off = 0; off < size; off += 8)
        LLVMBuildStore(c->b, ir_i64(c, 0), ir_at(c, p, off));
}

void tuple_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    const struct plan_record *r = &c->plan->records[n->ty.rec];
    unsigned size = (unsigned)n->ty.size;
    switch (n->kind) {
    case N_TUPLE: {
        const struct ast_node *a = n->args;
        for (int i = 0; i < r->nfields && a; i++, a = a->next) {
            LLVMValueRef at = ir_at(c, dst, r->fields[i].off);
            if (r->fields[i].ty.kind == TY_STR)
                str_into(c, a, at, (unsigned)r->fields[i].ty.size);
            else if (!ty_is_word(r->fields[i].ty)) /* a stack, a usym() */
                bytes_into(c, a, at);
            else
                LLVMBuildStore(c->b, expr_int(c, a), at);
        }
        return;
    }
    case N_VAR: {
        /* both are scratch: a copy the verifier checks once, not a load
         * and a store a word */
        LLVMValueRef args[3] = {dst, ir_i64(c, size), maps_var_slot(c, n)};
        ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, args, 3);
        return;
    }
    case N_MAP:
        zero(c, dst, size); /* a key not in the map: a tuple of zeros */
        maps_read_bytes(c, n, dst);
        return;
    default: return; /* the checks allow nothing else */
    }
}

/* Where element n->ival of n->a is: a pointer to its bytes. */
static LLVMValueRef element_at(struct cg *c, const struct ast_node *n)
{
    const struct ast_node *t = n->a;
    LLVMValueRef base;
    if (t->kind == N_VAR) {
        base = maps_var_slot(c, t);
    } else {
        base = ir_scratch(c, (unsigned)t->ty.size);
        tuple_into(c, t, base);
    }
    return ir_at(c, base, n->bit_off / 8);
}

/* A literal tuple's element is its expression. */
static const struct ast_node *literal(const struct ast_node *n)
{
    if (n->a->kind != N_TUPLE)
        return NULL;
    const struct ast_node *a = n->a->args;
    for (int64_t i = 0; i < n->ival && a; i++)
        a = a->next;
    return a;
}

LLVMValueRef tuple_int(struct cg *c, const struct ast_node *n)
{
    const struct ast_node *e = literal(n);
    if (e)
        return expr_int(c, e);
    return LLVMBuildLoad2(c->b, c->i64, element_at(c, n), "");
}

void tuple_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    const struct ast_node *e = literal(n);
    if (e) {
        str_into(c, e, dst, size);
        return;
    }
    unsigned len = size < (unsigned)n->ty.size ? size : (unsigned)n->ty.size;
    LLVMValueRef args[3] = {dst, ir_i64(c, len), element_at(c, n)};
    ir_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, args, 3);
}
