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

void str_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    ir_loc(c, n->loc);
    switch (n->kind) {
    case N_STR: str_literal(c, n->sval, n->slen, dst, size); return;
    case N_IDENT:
    case N_CALL: builtins_str(c, n, dst, size); return;
    case N_VAR: maps_var_str(c, n, dst, size); return;
    case N_MAP: maps_read_str(c, n, dst, size); return;
    case N_MEMBER: {
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

/* Byte i of p, loaded again at each use: a comparison of every pair of
 * bytes would otherwise keep them all in registers, and spill past BPF's
 * 512-byte stack. */
static LLVMValueRef byte_at(struct cg *c, LLVMValueRef p, unsigned i)
{
    LLVMValueRef v = ir_load_byte(c, p, i);
    LLVMSetVolatile(v, 1);
    return v;
}

/* Branch-free: a difference counts only while the first string has not
 * ended (where both have, they are equal). A byte past a string's slot is
 * its NUL. */
LLVMValueRef str_ncmp(struct cg *c, const struct ast_node *a, const struct ast_node *b, uint64_t n)
{
    unsigned sa = (unsigned)a->ty.size, sb = (unsigned)b->ty.size, most = sa > sb ? sa : sb;
    if (n > most)
        n = most;
    LLVMValueRef pa = str_temp(c, a), pb = str_temp(c, b), zero = LLVMConstInt(c->i8, 0, 0);
    LLVMValueRef alive = LLVMConstInt(c->i1, 1, 0), differ = LLVMConstInt(c->i1, 0, 0);
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef ca = i < sa ? byte_at(c, pa, i) : zero, cb = i < sb ? byte_at(c, pb, i) : zero;
        LLVMValueRef ne = LLVMBuildICmp(c->b, LLVMIntNE, ca, cb, "");
        differ = LLVMBuildOr(c->b, differ, LLVMBuildAnd(c->b, alive, ne, ""), "");
        alive = LLVMBuildAnd(c->b, alive, LLVMBuildICmp(c->b, LLVMIntNE, ca, zero, ""), "");
    }
    return LLVMBuildZExt(c->b, differ, c->i64, "");
}

/* Whether t starts at some i of s before s ends: every byte of t up to its
 * NUL equal to s's from i. Unrolled and branch-free over every (i, j), which
 * the checks bound (BI_CONTAINS_MAX); against a literal t, its bytes and
 * where it ends are constants. */
LLVMValueRef str_contains(struct cg *c, const struct ast_node *s, const struct ast_node *t)
{
    unsigned hs = (unsigned)s->ty.size, ts = (unsigned)t->ty.size;
    LLVMValueRef hp = str_temp(c, s), tp = t->kind == N_STR ? NULL : str_temp(c, t);
    LLVMValueRef zero = LLVMConstInt(c->i8, 0, 0), yes = LLVMConstInt(c->i1, 1, 0);
    LLVMValueRef found = LLVMConstInt(c->i1, 0, 0), alive = yes;
    for (unsigned i = 0; i < hs; i++) {
        LLVMValueRef all = alive, ended = LLVMConstInt(c->i1, 0, 0);
        for (unsigned j = 0; j < ts; j++) {
            LLVMValueRef cb =
                tp ? byte_at(c, tp, j)
                   : LLVMConstInt(c->i8, j < t->slen ? (unsigned char)t->sval[j] : 0, 0);
            ended = LLVMBuildOr(c->b, ended, LLVMBuildICmp(c->b, LLVMIntEQ, cb, zero, ""), "");
            if (LLVMIsConstant(ended) && LLVMConstIntGetZExtValue(ended))
                break; /* a literal's end: the rest cannot matter */
            LLVMValueRef eq = i + j < hs
                                  ? LLVMBuildICmp(c->b, LLVMIntEQ, byte_at(c, hp, i + j), cb, "")
                                  : LLVMConstInt(c->i1, 0, 0);
            all = LLVMBuildAnd(c->b, all, LLVMBuildOr(c->b, ended, eq, ""), "");
        }
        found = LLVMBuildOr(c->b, found, all, "");
        alive = LLVMBuildAnd(c->b, alive,
                             LLVMBuildICmp(c->b, LLVMIntNE, byte_at(c, hp, i), zero, ""), "");
    }
    return LLVMBuildZExt(c->b, found, c->i64, "");
}
