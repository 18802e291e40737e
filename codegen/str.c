/* Strings: into a slot of a given size, compared, and argv joined. */
#include <stdlib.h>
#include <string.h>

#include "bpf/probe.h"
#include "codegen/cg.h"
#include "lang/builtin.h"
#include "lang/xalloc.h"

/* In words of 8 bytes (then 4, 2, 1 at the end of a slot that is not a
 * multiple of 8), zeros after the NUL up to the word's end: a 37-byte
 * "tracepoint:syscalls:sys_enter_openat" key is 5 stores, not 38. Every slot
 * a string is written to is 8-byte aligned. */
void str_literal(struct cg *c, const char *s, size_t n, LLVMValueRef dst, unsigned size)
{
    if (n + 1 > size)
        n = size - 1;
    for (size_t at = 0; at <= n;) {
        size_t w = 8;
        while (at + w > size)
            w /= 2;
        uint64_t word = 0;
        for (size_t i = 0; i < w; i++)
            if (at + i < n)
                word |= (uint64_t)(unsigned char)s[at + i] << (8 * i);
        LLVMTypeRef t = LLVMIntTypeInContext(c->ctx, (unsigned)(8 * w));
        LLVMBuildStore(c->b, LLVMConstInt(t, word, 0), ir_at(c, dst, at));
        at += w;
    }
}

static void into(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    ir_loc(c, n->loc);
    switch (n->kind) {
    case N_STR: str_literal(c, n->sval, n->slen, dst, size); return;
    case N_IDENT:
    case N_CALL: builtins_str(c, n, dst, size); return;
    case N_VAR: maps_var_str(c, n, dst, size); return;
    case N_MAP: maps_read_str(c, n, dst, size); return;
    case N_INDEX:
    case N_DEREF: mem_str(c, n, dst, size); return;
    case N_MEMBER: {
        if (n->tuple) {
            tuple_str(c, n, dst, size);
            return;
        }
        if (!n->in_ctx) {
            mem_str(c, n, dst, size);
            return;
        }
        const struct probe_field *f = probe_field(c->point, n->sval);
        LLVMValueRef src;
        unsigned len = size;
        if (f->kind == FIELD_CHARS) {
            src = ir_at(c, c->ctxv, f->offset);
            if ((unsigned)f->size < len)
                len = f->size;
        } else { /* __data_loc: the low 16 bits are the string's offset in the record */
            LLVMValueRef loc = ir_ctx_load(c, f->offset, f->size, false);
            LLVMValueRef off = LLVMBuildAnd(c->b, loc, ir_i64(c, 0xffff), "");
            src = LLVMBuildGEP2(c->b, c->i8, c->ctxv, &off, 1, "");
        }
        LLVMValueRef args[3] = {dst, ir_i64(c, len), src};
        ir_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, args, 3);
        return;
    }
    case N_COND: {
        struct ir_if f;
        ir_if_begin(c, expr_cond(c, n->a), &f);
        str_into(c, n->b, dst, size);
        ir_if_else(c, &f);
        str_into(c, n->c, dst, size);
        ir_if_end(c, &f, NULL, NULL);
        return;
    }
    default: return;
    }
}

/* the caller's place in the script comes back after, as in expr_int */
void str_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    LLVMMetadataRef outer = LLVMGetCurrentDebugLocation2(c->b);
    into(c, n, dst, size);
    LLVMSetCurrentDebugLocation2(c->b, outer);
}

/* A string that is compared: made in scratch, or left as a literal. */
static LLVMValueRef str_temp(struct cg *c, const struct ast_node *n)
{
    LLVMValueRef t = ir_scratch(c, n->ty.size);
    str_into(c, n, t, n->ty.size);
    return t;
}

/* String equality as i1. Against a literal it is branch-free: the xor of every
 * byte up to and including the literal's NUL. */
LLVMValueRef str_eq(struct cg *c, const struct ast_node *l, const struct ast_node *r)
{
    if (l->kind == N_STR && r->kind == N_STR)
        return LLVMConstInt(c->i1, l->slen == r->slen && !memcmp(l->sval, r->sval, l->slen), 0);
    if (l->kind == N_STR) {
        const struct ast_node *t = l;
        l = r;
        r = t;
    }
    if (r->kind == N_STR) {
        if (r->slen + 1 > (size_t)l->ty.size)
            return LLVMConstInt(c->i1, 0, 0); /* longer than the other can hold */
        LLVMValueRef p = str_temp(c, l), acc = LLVMConstInt(c->i8, 0, 0);
        for (size_t i = 0; i <= r->slen; i++) {
            LLVMValueRef ch = LLVMConstInt(c->i8, i < r->slen ? (unsigned char)r->sval[i] : 0, 0);
            acc = LLVMBuildOr(c->b, acc, LLVMBuildXor(c->b, ir_load_byte(c, p, i), ch, ""), "");
        }
        return LLVMBuildICmp(c->b, LLVMIntEQ, acc, LLVMConstInt(c->i8, 0, 0), "");
    }
    LLVMValueRef a = str_temp(c, l), b = str_temp(c, r);
    unsigned n = l->ty.size < r->ty.size ? l->ty.size : r->ty.size;
    LLVMBasicBlockRef done = ir_block(c, "streq");
    LLVMValueRef *vals = xcalloc(2 * n + 1, sizeof(*vals));
    LLVMBasicBlockRef *from = xcalloc(2 * n + 1, sizeof(*from));
    int k = 0;
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef ca = ir_load_byte(c, a, i), cb = ir_load_byte(c, b, i);
        LLVMBasicBlockRef same = ir_block(c, "same"), more = ir_block(c, "more");
        vals[k] = LLVMConstInt(c->i1, 0, 0);
        from[k++] = LLVMGetInsertBlock(c->b);
        LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, ca, cb, ""), done, same);
        LLVMPositionBuilderAtEnd(c->b, same);
        vals[k] = LLVMConstInt(c->i1, 1, 0);
        from[k++] = same;
        LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, ca, LLVMConstInt(c->i8, 0, 0), ""),
                        done, more);
        LLVMPositionBuilderAtEnd(c->b, more);
    }
    vals[k] = LLVMConstInt(c->i1, 1, 0);
    from[k++] = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef phi = LLVMBuildPhi(c->b, c->i1, "");
    LLVMAddIncoming(phi, vals, from, k);
    free(vals);
    free(from);
    return phi;
}

/* join(): the count, then each argv string in its own slot. Unrolled, so the
 * verifier sees constant offsets and no loop. */
void str_join(struct cg *c, const struct ast_node *n, LLVMValueRef slot, unsigned size)
{
    LLVMValueRef base = expr_int(c, n->args);
    LLVMBasicBlockRef done = ir_block(c, "joined");
    LLVMValueRef vals[TY_JOIN_MAX + 2];
    LLVMBasicBlockRef from[TY_JOIN_MAX + 2];
    int k = 0;
    for (unsigned i = 0; i <= TY_JOIN_MAX; i++) {
        LLVMValueRef rd = ir_read_mem(c, c->tmp64, ir_i64(c, 8),
                                      LLVMBuildAdd(c->b, base, ir_i64(c, 8 * i), ""), false);
        LLVMValueRef p = LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
        LLVMValueRef end = LLVMBuildOr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, rd, ir_i64(c, 0), ""),
                                       LLVMBuildICmp(c->b, LLVMIntEQ, p, ir_i64(c, 0), ""), "");
        if (i == TY_JOIN_MAX) {
            /* one entry more than fits: the list was cut off unless it ends here */
            LLVMValueRef cut = LLVMBuildSelect(c->b, end, ir_i64(c, 0), ir_i64(c, TY_JOIN_CUT), "");
            vals[k] = LLVMBuildOr(c->b, cut, ir_i64(c, TY_JOIN_MAX), "");
            from[k++] = LLVMGetInsertBlock(c->b);
            LLVMBuildBr(c->b, done);
            break;
        }
        LLVMBasicBlockRef more = ir_block(c, "arg");
        vals[k] = ir_i64(c, i);
        from[k++] = LLVMGetInsertBlock(c->b);
        LLVMBuildCondBr(c->b, end, done, more);
        LLVMPositionBuilderAtEnd(c->b, more);
        ir_read_mem(c, ir_at(c, slot, 8 + i * size), ir_i64(c, size), p, true);
    }
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef count = LLVMBuildPhi(c->b, c->i64, "");
    LLVMAddIncoming(count, vals, from, k);
    LLVMBuildStore(c->b, count, slot);
}

/* Byte i of p as an i64 LLVM knows nothing of: BPF has no set-on-compare,
 * so a compare whose result is a value becomes a branch, and a run of them
 * as many paths for the verifier to walk as their combinations. Arithmetic
 * on the bytes keeps such code straight; hidden from LLVM, the bytes cannot
 * be turned back into compares. */
static LLVMValueRef byte_of(struct cg *c, LLVMValueRef p, LLVMValueRef i)
{
    LLVMValueRef v = LLVMBuildLoad2(c->b, c->i8, LLVMBuildGEP2(c->b, c->i8, p, &i, 1, ""), "");
    return ir_opaque(c, LLVMBuildZExt(c->b, v, c->i64, ""));
}

/* 1 where the byte (or an or of bytes) b is 0, else 0, without a compare */
static LLVMValueRef is_zero(struct cg *c, LLVMValueRef b)
{
    return LLVMBuildLShr(c->b, LLVMBuildSub(c->b, b, ir_i64(c, 1), ""), ir_i64(c, 63), "");
}

/* A difference counts only while the first string has not ended (where
 * both have, they are equal); a byte past a string's slot is its NUL. */
LLVMValueRef str_ncmp(struct cg *c, const struct ast_node *a, const struct ast_node *b, uint64_t n)
{
    unsigned sa = (unsigned)a->ty.size, sb = (unsigned)b->ty.size, most = sa > sb ? sa : sb;
    if (n > most)
        n = most;
    LLVMValueRef pa = str_temp(c, a), pb = str_temp(c, b);
    LLVMValueRef alive = ir_i64(c, 1), differ = ir_i64(c, 0);
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef ca = i < sa ? byte_of(c, pa, ir_i64(c, i)) : ir_i64(c, 0);
        LLVMValueRef cb = i < sb ? byte_of(c, pb, ir_i64(c, i)) : ir_i64(c, 0);
        LLVMValueRef ne =
            LLVMBuildXor(c->b, is_zero(c, LLVMBuildXor(c->b, ca, cb, "")), ir_i64(c, 1), "");
        differ = LLVMBuildOr(c->b, differ, LLVMBuildAnd(c->b, alive, ne, ""), "");
        alive = LLVMBuildAnd(c->b, alive, LLVMBuildXor(c->b, is_zero(c, ca), ir_i64(c, 1), ""), "");
    }
    return differ;
}

/* A counted loop: `*i` runs from 0 to n - 1 in the blocks built between
 * loop_begin and loop_end. The verifier walks each turn (Linux 5.3's
 * bounded loops), with i a constant in each. */
struct loop {
    LLVMBasicBlockRef head, body_end;
    LLVMValueRef i;
};

static void loop_begin(struct cg *c, struct loop *l)
{
    LLVMBasicBlockRef from = LLVMGetInsertBlock(c->b);
    l->head = ir_block(c, "loop");
    LLVMBuildBr(c->b, l->head);
    LLVMPositionBuilderAtEnd(c->b, l->head);
    l->i = LLVMBuildPhi(c->b, c->i64, "");
    LLVMValueRef zero = ir_i64(c, 0);
    LLVMAddIncoming(l->i, &zero, &from, 1);
}

/* A value carried from turn to turn: `first` on entry (made before the
 * loop), its next value given at loop_end. */
static LLVMValueRef loop_var(struct cg *c, struct loop *l, LLVMValueRef first,
                             LLVMBasicBlockRef from)
{
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(c->b); /* as in ir_alloca */
    LLVMPositionBuilderBefore(c->b, LLVMGetFirstInstruction(l->head));
    LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "");
    LLVMAddIncoming(phi, &first, &from, 1);
    LLVMPositionBuilderAtEnd(c->b, cur);
    LLVMSetCurrentDebugLocation2(c->b, loc);
    return phi;
}

static void loop_end(struct cg *c, struct loop *l, uint64_t n, LLVMValueRef *vars,
                     LLVMValueRef *next, int nvars)
{
    LLVMBasicBlockRef end = LLVMGetInsertBlock(c->b), out = ir_block(c, "looped");
    LLVMValueRef i1 = LLVMBuildAdd(c->b, l->i, ir_i64(c, 1), "");
    LLVMAddIncoming(l->i, &i1, &end, 1);
    for (int k = 0; k < nvars; k++)
        LLVMAddIncoming(vars[k], &next[k], &end, 1);
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, i1, ir_i64(c, n), ""), l->head, out);
    LLVMPositionBuilderAtEnd(c->b, out);
}

/* Whether t starts at some i of s before s ends: every byte of t up to its
 * NUL equal to s's from i. Two counted loops over (i, j), with no branch on
 * the bytes (byte_of): the verifier's work is their product, which the
 * checks bound (BI_CONTAINS_MAX). s is made in a slot long enough that
 * s[i + j] is in it for every i and j. */
LLVMValueRef str_contains(struct cg *c, const struct ast_node *s, const struct ast_node *t)
{
    unsigned hs = (unsigned)s->ty.size, ts = (unsigned)t->ty.size;
    LLVMValueRef hp = ir_scratch(c, hs + ts), tp = str_temp(c, t);
    for (unsigned off = hs & ~7u; off < ((hs + ts + 7) & ~7u); off += 8)
        LLVMBuildStore(c->b, ir_i64(c, 0), ir_at(c, hp, off));
    str_into(c, s, hp, hs);
    LLVMBasicBlockRef entry = LLVMGetInsertBlock(c->b);
    struct loop outer, inner;
    loop_begin(c, &outer);
    LLVMValueRef found = loop_var(c, &outer, ir_i64(c, 0), entry);
    LLVMValueRef alive = loop_var(c, &outer, ir_i64(c, 1), entry); /* s has not ended before i */
    LLVMBasicBlockRef outer_top = LLVMGetInsertBlock(c->b);
    loop_begin(c, &inner);
    LLVMValueRef acc = loop_var(c, &inner, ir_i64(c, 0), outer_top);  /* bytes that differ */
    LLVMValueRef live = loop_var(c, &inner, ir_i64(c, 1), outer_top); /* t has not ended */
    LLVMValueRef tb = byte_of(c, tp, inner.i);
    LLVMValueRef hb = byte_of(c, hp, LLVMBuildAdd(c->b, outer.i, inner.i, ""));
    LLVMValueRef live1 =
        LLVMBuildAnd(c->b, live, LLVMBuildXor(c->b, is_zero(c, tb), ir_i64(c, 1), ""), "");
    LLVMValueRef mask = LLVMBuildSub(c->b, ir_i64(c, 0), live1, ""); /* all ones while t lasts */
    LLVMValueRef acc1 =
        LLVMBuildOr(c->b, acc, LLVMBuildAnd(c->b, LLVMBuildXor(c->b, hb, tb, ""), mask, ""), "");
    LLVMValueRef ivars[2] = {acc, live}, inext[2] = {acc1, live1};
    loop_end(c, &inner, ts, ivars, inext, 2);
    acc1 = ir_opaque(c, acc1);
    LLVMValueRef here = LLVMBuildAnd(c->b, is_zero(c, acc1), alive, "");
    LLVMValueRef found1 = LLVMBuildOr(c->b, found, here, "");
    LLVMValueRef alive1 = LLVMBuildAnd(
        c->b, alive, LLVMBuildXor(c->b, is_zero(c, byte_of(c, hp, outer.i)), ir_i64(c, 1), ""), "");
    LLVMValueRef ovars[2] = {found, alive}, onext[2] = {found1, alive1};
    loop_end(c, &outer, hs, ovars, onext, 2);
    return found1;
}
