/* USDT arguments, read as libbpf's usdt.bpf.h reads them. libbpf attaches
 * each USDT probe with a cookie, the index of a spec it writes into
 * __bpf_usdt_specs: for each argument, where it is (a constant, a register,
 * or memory at a register plus an offset) and how to widen it. The maps are
 * found by name when libbpf attaches, so they keep libbpf's names and
 * layouts (struct __bpf_usdt_spec). */
#include "codegen/cg.h"

#define USDT_SPECS     "__bpf_usdt_specs"
#define USDT_IPS       "__bpf_usdt_ip_to_spec_id"
#define USDT_MAX_SPECS 256
#define USDT_ARG_SIZE  16  /* val_off (u64), arg_type (u32), reg_off (s16), signed, bitshift */
#define USDT_SPEC_SIZE 208 /* 12 arguments, the cookie (u64), arg_cnt (s16), padding */
enum { USDT_CONST, USDT_REG, USDT_REG_DEREF };

LLVMValueRef usdt_arg(struct cg *c, int n)
{
    if (!c->map_usdt_specs) {
        c->map_usdt_specs = ir_map_global(c, USDT_SPECS, 4);
        c->map_usdt_ips = ir_map_global(c, USDT_IPS, 4);
    }
    LLVMValueRef cookie = ir_helper(c, BPF_FUNC_get_attach_cookie, c->i64, &c->ctxv, 1);
    LLVMValueRef key = ir_alloca(c, c->i32);
    LLVMBuildStore(c->b, LLVMBuildTrunc(c->b, cookie, c->i32, ""), key);
    /* no spec reads as 0: bailing out could leave an event reserved */
    LLVMValueRef largs[2] = {c->map_usdt_specs, key};
    LLVMValueRef spec = ir_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, largs, 2);
    struct ir_if found;
    ir_if_begin(c, LLVMBuildICmp(c->b, LLVMIntNE, spec, LLVMConstNull(c->ptr), ""), &found);
    LLVMValueRef arg = ir_at(c, spec, (uint64_t)USDT_ARG_SIZE * (n - 1));
    LLVMValueRef val_off = LLVMBuildLoad2(c->b, c->i64, arg, "");
    LLVMValueRef type = LLVMBuildLoad2(c->b, c->i32, ir_at(c, arg, 8), "");
    LLVMValueRef reg_off = LLVMBuildSExt(
        c->b, LLVMBuildLoad2(c->b, LLVMInt16TypeInContext(c->ctx), ir_at(c, arg, 12), ""), c->i64,
        "");
    LLVMValueRef is_signed = LLVMBuildLoad2(c->b, c->i8, ir_at(c, arg, 14), "");
    LLVMValueRef shift = LLVMBuildAnd(
        c->b, LLVMBuildZExt(c->b, LLVMBuildLoad2(c->b, c->i8, ir_at(c, arg, 15), ""), c->i64, ""),
        ir_i64(c, 63), "");

    struct ir_if konst;
    ir_if_begin(c, LLVMBuildICmp(c->b, LLVMIntEQ, type, LLVMConstInt(c->i32, USDT_CONST, 0), ""),
                &konst);
    ir_if_else(c, &konst);
    /* the register, as the probed instruction saw it, from pt_regs */
    LLVMValueRef regp = LLVMBuildGEP2(c->b, c->i8, c->ctxv, &reg_off, 1, "");
    LLVMValueRef rargs[3] = {c->tmp64, ir_i64(c, 8), regp};
    ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, rargs, 3);
    LLVMValueRef reg = LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
    struct ir_if deref;
    ir_if_begin(c,
                LLVMBuildICmp(c->b, LLVMIntEQ, type, LLVMConstInt(c->i32, USDT_REG_DEREF, 0), ""),
                &deref);
    LLVMValueRef uargs[3] = {c->tmp64, ir_i64(c, 8),
                             ir_ptr(c, LLVMBuildAdd(c->b, reg, val_off, ""))};
    ir_helper(c, BPF_FUNC_probe_read_user, c->i64, uargs, 3);
    LLVMValueRef mem = LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
    ir_if_else(c, &deref);
    LLVMValueRef in_reg = ir_if_end(c, &deref, mem, reg);
    LLVMValueRef v = ir_if_end(c, &konst, val_off, in_reg);

    /* 1, 2 or 4 bytes widened to 8: shifted up, then down with or without the sign */
    v = LLVMBuildShl(c->b, v, shift, "");
    LLVMValueRef s = LLVMBuildAShr(c->b, v, shift, ""), u = LLVMBuildLShr(c->b, v, shift, "");
    v = LLVMBuildSelect(
        c->b, LLVMBuildICmp(c->b, LLVMIntNE, is_signed, LLVMConstInt(c->i8, 0, 0), ""), s, u, "");
    ir_if_else(c, &found);
    return ir_if_end(c, &found, v, ir_i64(c, 0));
}

void usdt_finish(struct cg *c)
{
    if (!c->map_usdt_specs)
        return;
    di_map(&c->di, c->map_usdt_specs, USDT_SPECS, BPF_MAP_TYPE_ARRAY, USDT_MAX_SPECS, 4,
           USDT_SPEC_SIZE);
    di_map(&c->di, c->map_usdt_ips, USDT_IPS, BPF_MAP_TYPE_HASH, 4 * USDT_MAX_SPECS, 8, 4);
}
