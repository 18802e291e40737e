/* Integer expressions. */
#include "bpf/probe.h"
#include "codegen/cg.h"

/* a && b, a || b: b runs only when it decides the result. */
static LLVMValueRef gen_logic(struct cg *c, const struct ast_node *n)
{
    bool is_and = n->op == OP_LAND;
    LLVMValueRef l = expr_cond(c, n->a);
    LLVMBasicBlockRef lb = LLVMGetInsertBlock(c->b), rb = ir_block(c, "rhs"),
                      done = ir_block(c, "logic");
    if (is_and)
        LLVMBuildCondBr(c->b, l, rb, done);
    else
        LLVMBuildCondBr(c->b, l, done, rb);
    LLVMPositionBuilderAtEnd(c->b, rb);
    LLVMValueRef r = expr_cond(c, n->b);
    LLVMBasicBlockRef rend = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef v = ir_phi2(c, c->i1, LLVMConstInt(c->i1, !is_and, 0), lb, r, rend);
    return LLVMBuildZExt(c->b, v, c->i64, "");
}

/* Division as the BPF instruction set defines it for a zero divisor (x/0 is
 * 0, x%0 is x), rather than as LLVM's undefined behaviour; signed operands
 * divide their magnitudes, since BPF before v4 has no signed division. */
LLVMValueRef expr_divmod(struct cg *c, bool rem, bool sgn, LLVMValueRef l, LLVMValueRef r)
{
    LLVMValueRef zero = ir_i64(c, 0);
    LLVMValueRef isz = LLVMBuildICmp(c->b, LLVMIntEQ, r, zero, "");
    LLVMValueRef ln = LLVMBuildICmp(c->b, LLVMIntSLT, l, zero, "");
    LLVMValueRef rn = LLVMBuildICmp(c->b, LLVMIntSLT, r, zero, "");
    LLVMValueRef ul = l, ur = r;
    if (sgn) {
        ul = LLVMBuildSelect(c->b, ln, LLVMBuildNeg(c->b, l, ""), l, "");
        ur = LLVMBuildSelect(c->b, rn, LLVMBuildNeg(c->b, r, ""), r, "");
    }
    ur = LLVMBuildSelect(c->b, isz, ir_i64(c, 1), ur, "");
    LLVMValueRef v = rem ? LLVMBuildURem(c->b, ul, ur, "") : LLVMBuildUDiv(c->b, ul, ur, "");
    if (sgn) {
        LLVMValueRef neg = rem ? ln : LLVMBuildXor(c->b, ln, rn, "");
        v = LLVMBuildSelect(c->b, neg, LLVMBuildNeg(c->b, v, ""), v, "");
    }
    return LLVMBuildSelect(c->b, isz, rem ? l : zero, v, "");
}

/* p + i, i + p, p - i: i elements of what p points to; p - q: the
 * elements between them (the checks set the element's size in ival). */
static LLVMValueRef pointer_arith(struct cg *c, const struct ast_node *n, LLVMValueRef l,
                                  LLVMValueRef r)
{
    LLVMValueRef step = ir_i64(c, (uint64_t)n->ival);
    if (n->a->ty.kind == TY_PTR && n->b->ty.kind == TY_PTR)
        return expr_divmod(c, false, true, LLVMBuildSub(c->b, l, r, ""), step);
    if (n->a->ty.kind == TY_PTR)
        r = LLVMBuildMul(c->b, r, step, "");
    else
        l = LLVMBuildMul(c->b, l, step, "");
    return n->op == OP_ADD ? LLVMBuildAdd(c->b, l, r, "") : LLVMBuildSub(c->b, l, r, "");
}

static LLVMValueRef gen_binary(struct cg *c, const struct ast_node *n)
{
    if (n->op == OP_LAND || n->op == OP_LOR)
        return gen_logic(c, n);
    if ((n->op == OP_EQ || n->op == OP_NE) && n->a->ty.kind == TY_STR) {
        LLVMValueRef eq = str_eq(c, n->a, n->b);
        if (n->op == OP_NE)
            eq = LLVMBuildNot(c->b, eq, "");
        return LLVMBuildZExt(c->b, eq, c->i64, "");
    }
    LLVMValueRef l = expr_int(c, n->a), r = expr_int(c, n->b);
    ir_loc(c, n->loc);
    if ((n->op == OP_ADD || n->op == OP_SUB) &&
        (n->a->ty.kind == TY_PTR || n->b->ty.kind == TY_PTR)) /* C's, scaled */
        return pointer_arith(c, n, l, r);
    bool sgn = n->a->ty.is_signed && n->b->ty.is_signed;
    LLVMIntPredicate pred;
    switch (n->op) {
    case OP_ADD: return LLVMBuildAdd(c->b, l, r, "");
    case OP_SUB: return LLVMBuildSub(c->b, l, r, "");
    case OP_MUL: return LLVMBuildMul(c->b, l, r, "");
    case OP_DIV:
    case OP_MOD: return expr_divmod(c, n->op == OP_MOD, n->ty.is_signed, l, r);
    case OP_AND: return LLVMBuildAnd(c->b, l, r, "");
    case OP_OR: return LLVMBuildOr(c->b, l, r, "");
    case OP_XOR: return LLVMBuildXor(c->b, l, r, "");
    case OP_SHL: return LLVMBuildShl(c->b, l, LLVMBuildAnd(c->b, r, ir_i64(c, 63), ""), "");
    case OP_SHR:
        r = LLVMBuildAnd(c->b, r, ir_i64(c, 63), "");
        return n->a->ty.is_signed ? LLVMBuildAShr(c->b, l, r, "") : LLVMBuildLShr(c->b, l, r, "");
    case OP_LT: pred = sgn ? LLVMIntSLT : LLVMIntULT; break;
    case OP_GT: pred = sgn ? LLVMIntSGT : LLVMIntUGT; break;
    case OP_LE: pred = sgn ? LLVMIntSLE : LLVMIntULE; break;
    case OP_GE: pred = sgn ? LLVMIntSGE : LLVMIntUGE; break;
    case OP_EQ: pred = LLVMIntEQ; break;
    default: pred = LLVMIntNE; break;
    }
    return LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, pred, l, r, ""), c->i64, "");
}

static LLVMValueRef int_of(struct cg *c, const struct ast_node *n)
{
    ir_loc(c, n->loc);
    switch (n->kind) {
    case N_INT: return ir_i64(c, (uint64_t)n->ival);
    case N_IDENT:
    case N_CALL: return builtins_int(c, n);
    case N_VAR: return maps_var_int(c, n);
    case N_MAP: return maps_read_int(c, n);
    case N_MEMBER: {
        if (n->tuple)
            return tuple_int(c, n);
        if (!n->in_ctx)
            return mem_int(c, n);
        const struct probe_field *f = probe_field(c->point, n->sval);
        return ir_ctx_load(c, f->offset, f->size, f->is_signed);
    }
    case N_INDEX:
    case N_DEREF: return mem_int(c, n);
    case N_CAST: return mem_cast(c, n);
    case N_UNARY: {
        LLVMValueRef v = expr_int(c, n->a);
        switch (n->op) {
        case OP_NEG: return LLVMBuildNeg(c->b, v, "");
        case OP_BNOT: return LLVMBuildNot(c->b, v, "");
        default:
            return LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, v, ir_i64(c, 0), ""), c->i64,
                                 "");
        }
    }
    case N_BINARY: return gen_binary(c, n);
    case N_COND: {
        struct ir_if f;
        ir_if_begin(c, expr_cond(c, n->a), &f);
        LLVMValueRef tv = expr_int(c, n->b);
        ir_if_else(c, &f);
        LLVMValueRef ev = expr_int(c, n->c);
        return ir_if_end(c, &f, tv, ev);
    }
    default: return ir_i64(c, 0);
    }
}

/* An expression sets its own place in the script for its code; what the
 * caller makes next is the caller's, so its place comes back. */
LLVMValueRef expr_int(struct cg *c, const struct ast_node *n)
{
    LLVMMetadataRef outer = LLVMGetCurrentDebugLocation2(c->b);
    LLVMValueRef v = int_of(c, n);
    LLVMSetCurrentDebugLocation2(c->b, outer);
    return v;
}

LLVMValueRef expr_cond(struct cg *c, const struct ast_node *n)
{
    return LLVMBuildICmp(c->b, LLVMIntNE, expr_int(c, n), ir_i64(c, 0), "");
}
