/* The IR helper layer: constants, blocks, helper calls, context and memory
 * reads, map lookups that bail out, and one if/else builder, so that the
 * files by concern above it read as what they generate. */
#include <string.h>

#include "codegen/cg.h"

LLVMValueRef ir_i64(struct cg *c, uint64_t v)
{
    return LLVMConstInt(c->i64, v, 0);
}

LLVMBasicBlockRef ir_block(struct cg *c, const char *name)
{
    return LLVMAppendBasicBlockInContext(c->ctx, c->fn, name);
}

void ir_loc(struct cg *c, struct tp_loc loc)
{
    LLVMSetCurrentDebugLocation2(c->b, di_loc(&c->di, c->sp, loc));
}

/* A BPF helper call is a call to the helper's number cast to a pointer. */
LLVMValueRef ir_helper(struct cg *c, enum bpf_func_id id, LLVMTypeRef ret, LLVMValueRef *args,
                       int n)
{
    LLVMTypeRef types[5];
    for (int i = 0; i < n; i++)
        types[i] = LLVMTypeOf(args[i]);
    LLVMTypeRef fty = LLVMFunctionType(ret, types, n, 0);
    LLVMValueRef callee = LLVMConstIntToPtr(ir_i64(c, id), c->ptr);
    return LLVMBuildCall2(c->b, fty, callee, args, n, "");
}

/* The value that is `a` coming from block `ab`, and `b` from `bb`. */
LLVMValueRef ir_phi2(struct cg *c, LLVMTypeRef t, LLVMValueRef a, LLVMBasicBlockRef ab,
                     LLVMValueRef b, LLVMBasicBlockRef bb)
{
    LLVMValueRef phi = LLVMBuildPhi(c->b, t, "");
    LLVMValueRef vals[2] = {a, b};
    LLVMBasicBlockRef from[2] = {ab, bb};
    LLVMAddIncoming(phi, vals, from, 2);
    return phi;
}

LLVMValueRef ir_at(struct cg *c, LLVMValueRef base, uint64_t off)
{
    if (!off)
        return base;
    LLVMValueRef idx = ir_i64(c, off);
    return LLVMBuildInBoundsGEP2(c->b, c->i8, base, &idx, 1, "");
}

LLVMValueRef ir_ptr(struct cg *c, LLVMValueRef v)
{
    return LLVMBuildIntToPtr(c->b, v, c->ptr, "");
}

/* A volatile load, as C's `const volatile`: the global is a constant of
 * zeros to LLVM, which would fold a plain load of it; its value is the
 * runtime's. */
LLVMValueRef ir_run(struct cg *c, size_t off)
{
    LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, ir_at(c, c->run, off), "");
    LLVMSetVolatile(v, 1);
    LLVMSetAlignment(v, 8);
    return v;
}

LLVMValueRef ir_map_global(struct cg *c, const char *name, int nfields)
{
    LLVMTypeRef fields[4] = {c->ptr, c->ptr, c->ptr, c->ptr};
    LLVMTypeRef st = LLVMStructTypeInContext(c->ctx, fields, nfields, 0);
    LLVMValueRef gv = LLVMAddGlobal(c->m, st, name);
    LLVMSetInitializer(gv, LLVMConstNull(st));
    LLVMSetSection(gv, ".maps");
    LLVMSetAlignment(gv, 8);
    return gv;
}

/* The scratch map's value is looked up once, at the top of the function, the
 * first time a probe needs room for a string it will not send. */
void ir_frame(struct cg *c, const char *out, struct tp_loc loc)
{
    c->entry = ir_block(c, "entry");
    c->out_bb = ir_block(c, out);
    LLVMPositionBuilderAtEnd(c->b, c->entry);
    ir_loc(c, loc);
    c->key0 = LLVMBuildAlloca(c->b, c->i32, "key0");
    LLVMBuildStore(c->b, LLVMConstInt(c->i32, 0, 0), c->key0);
    c->tmp64 = LLVMBuildAlloca(c->b, c->i64, "tmp64");
}

LLVMValueRef ir_scratch(struct cg *c, unsigned size)
{
    if (!c->map_scratch)
        c->map_scratch = ir_map_global(c, CG_MAP_SCRATCH, 4);
    if (!c->scratch) {
        LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
        LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(c->b); /* as in ir_alloca */
        LLVMValueRef term = LLVMGetBasicBlockTerminator(c->entry);
        LLVMBasicBlockRef next = LLVMGetSuccessor(term, 0);
        LLVMPositionBuilderBefore(c->b, term);
        LLVMValueRef args[2] = {c->map_scratch, c->key0};
        c->scratch = ir_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, args, 2);
        LLVMValueRef isnull = LLVMBuildICmp(c->b, LLVMIntEQ, c->scratch, LLVMConstNull(c->ptr), "");
        LLVMBuildCondBr(c->b, isnull, c->out_bb, next);
        LLVMInstructionEraseFromParent(term);
        LLVMPositionBuilderAtEnd(c->b, cur);
        LLVMSetCurrentDebugLocation2(c->b, loc);
    }
    unsigned off = c->scratch_used;
    c->scratch_used += (size + 7) & ~7u;
    if (c->scratch_used > c->scratch_max)
        c->scratch_max = c->scratch_used;
    return ir_at(c, c->scratch, off);
}

LLVMValueRef ir_opaque(struct cg *c, LLVMValueRef v)
{
    LLVMTypeRef fty = LLVMFunctionType(c->i64, &c->i64, 1, 0);
    LLVMValueRef barrier =
        LLVMGetInlineAsm(fty, "", 0, "=r,0", 4, 1, 0, LLVMInlineAsmDialectATT, 0);
    return LLVMBuildCall2(c->b, fty, barrier, &v, 1, "");
}

/* min(v, max), in a form the verifier can follow: an empty asm hides v's
 * origin from LLVM, so the compare is made on the very register that is then
 * passed to a helper, not on a copy or a 32-bit half of it. */
LLVMValueRef ir_bounded(struct cg *c, LLVMValueRef v, uint64_t max)
{
    v = ir_opaque(c, v);
    LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntUGT, v, ir_i64(c, max), "");
    return LLVMBuildSelect(c->b, big, ir_i64(c, max), v, "");
}

/* A load from the context. The verifier takes a context load only at a
 * constant offset from the context pointer itself, while LLVM may compute
 * ctx+off once into a register and load through that (the verifier then says
 * "dereference of modified ctx ptr"). An inline asm load keeps the form the
 * verifier wants; it has no side effects, so identical loads are still merged. */
LLVMValueRef ir_ctx_load(struct cg *c, int off, int size, bool is_signed)
{
    return ir_load_at(c, c->ctxv, off, size, is_signed);
}

LLVMValueRef ir_load_at(struct cg *c, LLVMValueRef base, int off, int size, bool is_signed)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "$0 = *(u%d *)($1 + %d)", size * 8, off);
    LLVMTypeRef fty = LLVMFunctionType(c->i64, &c->ptr, 1, 0);
    LLVMValueRef load = LLVMGetInlineAsm(fty, text, n, "=r,r", 4, 0, 0, LLVMInlineAsmDialectATT, 0);
    LLVMValueRef v = LLVMBuildCall2(c->b, fty, load, &base, 1, "");
    if (size == 8 || !is_signed)
        return v; /* narrower loads zero-extend */
    LLVMTypeRef t = LLVMIntTypeInContext(c->ctx, size * 8);
    return LLVMBuildSExt(c->b, LLVMBuildTrunc(c->b, v, t, ""), c->i64, "");
}

/* Reads `len` bytes (or a string of at most len) at `addr`, from user or
 * kernel memory as the address itself says; returns the helper's result. */
LLVMValueRef ir_read_mem(struct cg *c, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr,
                         bool str)
{
    LLVMValueRef isk = LLVMBuildICmp(c->b, LLVMIntSLT, addr, ir_i64(c, 0), "");
    LLVMBasicBlockRef kb = ir_block(c, "kernel"), ub = ir_block(c, "user"),
                      done = ir_block(c, "read");
    LLVMBuildCondBr(c->b, isk, kb, ub);
    LLVMValueRef args[3] = {dst, len, NULL};
    LLVMPositionBuilderAtEnd(c->b, kb);
    args[2] = ir_ptr(c, addr);
    LLVMValueRef rk = ir_helper(
        c, str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel, c->i64, args, 3);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, ub);
    args[2] = ir_ptr(c, addr);
    LLVMValueRef ru = ir_helper(c, str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user,
                                c->i64, args, 3);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
    return ir_phi2(c, c->i64, rk, kb, ru, ub);
}

LLVMValueRef ir_load_byte(struct cg *c, LLVMValueRef p, unsigned i)
{
    return LLVMBuildLoad2(c->b, c->i8, ir_at(c, p, i), "");
}

void ir_map_bump(struct cg *c, LLVMValueRef map, LLVMValueRef idx)
{
    LLVMValueRef key = c->key0;
    if (idx && !(LLVMIsConstant(idx) && LLVMConstIntGetZExtValue(idx) == 0))
        key = ir_index(c, idx);
    LLVMBasicBlockRef done = ir_block(c, "bumped");
    LLVMValueRef p = ir_lookup(c, map, key, done);
    LLVMBuildAtomicRMW(c->b, LLVMAtomicRMWBinOpAdd, p, ir_i64(c, 1), LLVMAtomicOrderingMonotonic,
                       0);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
}

LLVMValueRef ir_event_header(struct cg *c, uint32_t id)
{
    /* little-endian: the id, then the entry that fired */
    return LLVMBuildOr(
        c->b, ir_i64(c, id),
        LLVMBuildShl(c->b, LLVMBuildZExt(c->b, c->entry_idx, c->i64, ""), ir_i64(c, 32), ""), "");
}

void ir_if_begin(struct cg *c, LLVMValueRef cond, struct ir_if *f)
{
    f->then_bb = ir_block(c, "then");
    f->else_bb = ir_block(c, "else");
    f->done = ir_block(c, "fi");
    LLVMBuildCondBr(c->b, cond, f->then_bb, f->else_bb);
    LLVMPositionBuilderAtEnd(c->b, f->then_bb);
}

void ir_if_else(struct cg *c, struct ir_if *f)
{
    f->then_end = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, f->done);
    LLVMPositionBuilderAtEnd(c->b, f->else_bb);
}

LLVMValueRef ir_if_end(struct cg *c, struct ir_if *f, LLVMValueRef then_v, LLVMValueRef else_v)
{
    LLVMBasicBlockRef else_end = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, f->done);
    LLVMPositionBuilderAtEnd(c->b, f->done);
    if (!then_v)
        return NULL;
    return ir_phi2(c, LLVMTypeOf(then_v), then_v, f->then_end, else_v, else_end);
}

LLVMValueRef ir_lookup(struct cg *c, LLVMValueRef map, LLVMValueRef key, LLVMBasicBlockRef miss)
{
    LLVMValueRef args[2] = {map, key};
    LLVMValueRef p = ir_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, args, 2);
    LLVMBasicBlockRef hit = ir_block(c, "found");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, p, LLVMConstNull(c->ptr), ""), miss, hit);
    LLVMPositionBuilderAtEnd(c->b, hit);
    return p;
}

LLVMValueRef ir_alloca(struct cg *c, LLVMTypeRef t)
{
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    /* placing the builder before an instruction takes that instruction's
     * place in the script too: keep the statement's */
    LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(c->b);
    LLVMPositionBuilderBefore(c->b, LLVMGetBasicBlockTerminator(c->entry));
    LLVMValueRef p = LLVMBuildAlloca(c->b, t, "");
    LLVMPositionBuilderAtEnd(c->b, cur);
    LLVMSetCurrentDebugLocation2(c->b, loc);
    return p;
}

LLVMValueRef ir_index(struct cg *c, LLVMValueRef idx)
{
    if (!c->idx32)
        c->idx32 = ir_alloca(c, c->i32);
    LLVMBuildStore(c->b, idx, c->idx32);
    return c->idx32;
}

/* Stack given out for keys and values: well under BPF's 512 bytes, so that
 * LLVM's own spills fit beside it. */
#define STACK_BUDGET 256

LLVMValueRef ir_room(struct cg *c, unsigned size)
{
    size = (size + 7) & ~7u;
    if (size > 64 || c->stack_used + size > STACK_BUDGET)
        return ir_scratch(c, size);
    c->stack_used += size;
    LLVMValueRef p = ir_alloca(c, LLVMArrayType(c->i64, size / 8));
    return p;
}
