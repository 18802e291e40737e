#include "codegen/codegen.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>

#include "bpf/arch.h"
#include "bpf/probe.h"
#include "codegen/debuginfo.h"
#include "codegen/emit.h"
#include "lang/xalloc.h"

/* Per-CPU scratch is one map value; the kernel caps per-CPU values at 32 KiB. */
#define SCRATCH_MAX 32768

/* The set of base names given so far: a hash set, so that naming is linear
 * in the number of programs. */
struct names {
    const char **slot;
    size_t cap, n;
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* False when `name` was there already. `name` must outlive the set. */
static bool names_add(struct names *set, const char *name)
{
    if (2 * (set->n + 1) > set->cap) {
        struct names bigger = {.cap = set->cap ? 2 * set->cap : 64};
        bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i])
                names_add(&bigger, set->slot[i]);
        free(set->slot);
        *set = bigger;
    }
    size_t i = name_hash(name) & (set->cap - 1);
    for (; set->slot[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->slot[i], name) == 0)
            return false;
    set->slot[i] = name;
    set->n++;
    return true;
}

struct cg {
    LLVMContextRef ctx;
    LLVMModuleRef m;
    LLVMBuilderRef b;
    LLVMTypeRef i1, i8, i32, i64, ptr;
    struct di di;
    const struct cg_opts *o;
    struct cg_output *out;
    struct diag_src *src;
    LLVMValueRef map_events, map_lost, map_exit, map_scratch;
    unsigned scratch_max;
    /* the function being generated */
    LLVMValueRef fn, ctxv, key0, tmp64, scratch;
    LLVMMetadataRef sp;
    LLVMBasicBlockRef entry, out_bb;
    const struct ast_spec *spec;
    int prog;
    unsigned scratch_used;
    struct names names; /* programs' names before any suffix */
};

static LLVMValueRef gen_int(struct cg *c, const struct ast_node *n);
static void gen_str_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);

static LLVMValueRef i64c(struct cg *c, uint64_t v)
{
    return LLVMConstInt(c->i64, v, 0);
}

static LLVMBasicBlockRef block(struct cg *c, const char *name)
{
    return LLVMAppendBasicBlockInContext(c->ctx, c->fn, name);
}

static void set_loc(struct cg *c, struct tp_loc loc)
{
    LLVMSetCurrentDebugLocation2(c->b, di_loc(&c->di, c->sp, loc));
}

/* A BPF helper call is a call to the helper's number cast to a pointer. */
static LLVMValueRef helper(struct cg *c, enum bpf_func_id id, LLVMTypeRef ret, LLVMValueRef *args,
                           int n)
{
    LLVMTypeRef types[5];
    for (int i = 0; i < n; i++)
        types[i] = LLVMTypeOf(args[i]);
    LLVMTypeRef fty = LLVMFunctionType(ret, types, n, 0);
    LLVMValueRef callee = LLVMConstIntToPtr(i64c(c, id), c->ptr);
    return LLVMBuildCall2(c->b, fty, callee, args, n, "");
}

/* The value that is `a` coming from block `ab`, and `b` from `bb`. */
static LLVMValueRef phi2(struct cg *c, LLVMTypeRef t, LLVMValueRef a, LLVMBasicBlockRef ab,
                         LLVMValueRef b, LLVMBasicBlockRef bb)
{
    LLVMValueRef phi = LLVMBuildPhi(c->b, t, "");
    LLVMValueRef vals[2] = {a, b};
    LLVMBasicBlockRef from[2] = {ab, bb};
    LLVMAddIncoming(phi, vals, from, 2);
    return phi;
}

static LLVMValueRef at(struct cg *c, LLVMValueRef base, uint64_t off)
{
    if (!off)
        return base;
    LLVMValueRef idx = i64c(c, off);
    return LLVMBuildInBoundsGEP2(c->b, c->i8, base, &idx, 1, "");
}

static LLVMValueRef as_ptr(struct cg *c, LLVMValueRef v)
{
    return LLVMBuildIntToPtr(c->b, v, c->ptr, "");
}

static LLVMValueRef map_global(struct cg *c, const char *name, int nfields)
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
static LLVMValueRef scratch(struct cg *c, unsigned size)
{
    if (!c->map_scratch)
        c->map_scratch = map_global(c, CG_MAP_SCRATCH, 4);
    if (!c->scratch) {
        LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
        LLVMValueRef term = LLVMGetBasicBlockTerminator(c->entry);
        LLVMBasicBlockRef next = LLVMGetSuccessor(term, 0);
        LLVMPositionBuilderBefore(c->b, term);
        LLVMValueRef args[2] = {c->map_scratch, c->key0};
        c->scratch = helper(c, BPF_FUNC_map_lookup_elem, c->ptr, args, 2);
        LLVMValueRef isnull = LLVMBuildICmp(c->b, LLVMIntEQ, c->scratch, LLVMConstNull(c->ptr), "");
        LLVMBuildCondBr(c->b, isnull, c->out_bb, next);
        LLVMInstructionEraseFromParent(term);
        LLVMPositionBuilderAtEnd(c->b, cur);
    }
    unsigned off = c->scratch_used;
    c->scratch_used += (size + 7) & ~7u;
    if (c->scratch_used > c->scratch_max)
        c->scratch_max = c->scratch_used;
    return at(c, c->scratch, off);
}

/* min(v, max), in a form the verifier can follow: an empty asm hides v's
 * origin from LLVM, so the compare is made on the very register that is then
 * passed to a helper, not on a copy or a 32-bit half of it. */
static LLVMValueRef bounded(struct cg *c, LLVMValueRef v, uint64_t max)
{
    LLVMTypeRef fty = LLVMFunctionType(c->i64, &c->i64, 1, 0);
    LLVMValueRef barrier =
        LLVMGetInlineAsm(fty, "", 0, "=r,0", 4, 1, 0, LLVMInlineAsmDialectATT, 0);
    v = LLVMBuildCall2(c->b, fty, barrier, &v, 1, "");
    LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntUGT, v, i64c(c, max), "");
    return LLVMBuildSelect(c->b, big, i64c(c, max), v, "");
}

/* A load from the context. The verifier takes a context load only at a
 * constant offset from the context pointer itself, while LLVM may compute
 * ctx+off once into a register and load through that (the verifier then says
 * "dereference of modified ctx ptr"). An inline asm load keeps the form the
 * verifier wants; it has no side effects, so identical loads are still merged. */
static LLVMValueRef ctx_load(struct cg *c, int off, int size, bool is_signed)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "$0 = *(u%d *)($1 + %d)", size * 8, off);
    LLVMTypeRef fty = LLVMFunctionType(c->i64, &c->ptr, 1, 0);
    LLVMValueRef load = LLVMGetInlineAsm(fty, text, n, "=r,r", 4, 0, 0, LLVMInlineAsmDialectATT, 0);
    LLVMValueRef v = LLVMBuildCall2(c->b, fty, load, &c->ctxv, 1, "");
    if (size == 8 || !is_signed)
        return v; /* narrower loads zero-extend */
    LLVMTypeRef t = LLVMIntTypeInContext(c->ctx, size * 8);
    return LLVMBuildSExt(c->b, LLVMBuildTrunc(c->b, v, t, ""), c->i64, "");
}

/* Reads `len` bytes (or a string of at most len) at `addr`, from user or
 * kernel memory as the address itself says; returns the helper's result. */
static LLVMValueRef read_mem(struct cg *c, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr,
                             bool str)
{
    LLVMValueRef isk = LLVMBuildICmp(c->b, LLVMIntSLT, addr, i64c(c, 0), "");
    LLVMBasicBlockRef kb = block(c, "kernel"), ub = block(c, "user"), done = block(c, "read");
    LLVMBuildCondBr(c->b, isk, kb, ub);
    LLVMValueRef args[3] = {dst, len, NULL};
    LLVMPositionBuilderAtEnd(c->b, kb);
    args[2] = as_ptr(c, addr);
    LLVMValueRef rk = helper(c, str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel,
                             c->i64, args, 3);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, ub);
    args[2] = as_ptr(c, addr);
    LLVMValueRef ru =
        helper(c, str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user, c->i64, args, 3);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
    return phi2(c, c->i64, rk, kb, ru, ub);
}

static void store_literal(struct cg *c, const char *s, size_t n, LLVMValueRef dst, unsigned size)
{
    if (n + 1 > size)
        n = size - 1;
    for (size_t i = 0; i <= n; i++)
        LLVMBuildStore(c->b, LLVMConstInt(c->i8, i < n ? (unsigned char)s[i] : 0, 0),
                       at(c, dst, i));
}

static void gen_str_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    set_loc(c, n->loc);
    switch (n->kind) {
    case N_STR: store_literal(c, n->sval, n->slen, dst, size); return;
    case N_IDENT:
        if (n->builtin == B_COMM) {
            LLVMValueRef args[2] = {dst, i64c(c, size < 16 ? size : 16)};
            helper(c, BPF_FUNC_get_current_comm, c->i64, args, 2);
        } else { /* B_PROBE */
            store_literal(c, c->spec->text, strlen(c->spec->text), dst, size);
        }
        return;
    case N_MEMBER: {
        const struct probe_field *f = probe_field(c->spec->point, n->sval);
        LLVMValueRef src;
        unsigned len = size;
        if (f->kind == FIELD_CHARS) {
            src = at(c, c->ctxv, f->offset);
            if ((unsigned)f->size < len)
                len = f->size;
        } else { /* __data_loc: the low 16 bits are the string's offset in the record */
            LLVMValueRef loc = ctx_load(c, f->offset, f->size, false);
            LLVMValueRef off = LLVMBuildAnd(c->b, loc, i64c(c, 0xffff), "");
            src = LLVMBuildGEP2(c->b, c->i8, c->ctxv, &off, 1, "");
        }
        LLVMValueRef args[3] = {dst, i64c(c, len), src};
        helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, args, 3);
        return;
    }
    case N_CALL: { /* str() */
        const struct ast_node *a = n->args;
        if (a->ty.kind == TY_STR) {
            gen_str_into(c, a, dst, size);
            return;
        }
        LLVMValueRef addr = gen_int(c, a), len = i64c(c, size);
        if (a->next) {
            /* at most n characters; the verifier must see the bound */
            LLVMValueRef want = gen_int(c, a->next);
            len = bounded(c, LLVMBuildAdd(c->b, want, i64c(c, 1), ""), size);
        }
        set_loc(c, n->loc);
        read_mem(c, dst, len, addr, true);
        return;
    }
    case N_COND: {
        LLVMValueRef cond = LLVMBuildICmp(c->b, LLVMIntNE, gen_int(c, n->a), i64c(c, 0), "");
        LLVMBasicBlockRef tb = block(c, "then"), eb = block(c, "else"), done = block(c, "fi");
        LLVMBuildCondBr(c->b, cond, tb, eb);
        LLVMPositionBuilderAtEnd(c->b, tb);
        gen_str_into(c, n->b, dst, size);
        LLVMBuildBr(c->b, done);
        LLVMPositionBuilderAtEnd(c->b, eb);
        gen_str_into(c, n->c, dst, size);
        LLVMBuildBr(c->b, done);
        LLVMPositionBuilderAtEnd(c->b, done);
        return;
    }
    default: return;
    }
}

/* A string that is compared: made in scratch, or left as a literal. */
static LLVMValueRef str_temp(struct cg *c, const struct ast_node *n)
{
    LLVMValueRef t = scratch(c, n->ty.size);
    gen_str_into(c, n, t, n->ty.size);
    return t;
}

static LLVMValueRef load_byte(struct cg *c, LLVMValueRef p, unsigned i)
{
    return LLVMBuildLoad2(c->b, c->i8, at(c, p, i), "");
}

/* String equality as i1. Against a literal it is branch-free: the xor of every
 * byte up to and including the literal's NUL. */
static LLVMValueRef gen_str_eq(struct cg *c, const struct ast_node *l, const struct ast_node *r)
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
            acc = LLVMBuildOr(c->b, acc, LLVMBuildXor(c->b, load_byte(c, p, i), ch, ""), "");
        }
        return LLVMBuildICmp(c->b, LLVMIntEQ, acc, LLVMConstInt(c->i8, 0, 0), "");
    }
    LLVMValueRef a = str_temp(c, l), b = str_temp(c, r);
    unsigned n = l->ty.size < r->ty.size ? l->ty.size : r->ty.size;
    LLVMBasicBlockRef done = block(c, "streq");
    LLVMValueRef *vals = xcalloc(2 * n + 1, sizeof(*vals));
    LLVMBasicBlockRef *from = xcalloc(2 * n + 1, sizeof(*from));
    int k = 0;
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef ca = load_byte(c, a, i), cb = load_byte(c, b, i);
        LLVMBasicBlockRef same = block(c, "same"), more = block(c, "more");
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

static LLVMValueRef gen_builtin(struct cg *c, const struct ast_node *n)
{
    switch (n->builtin) {
    case B_PID:
    case B_TID: {
        LLVMValueRef v = helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0);
        return n->builtin == B_PID ? LLVMBuildLShr(c->b, v, i64c(c, 32), "")
                                   : LLVMBuildAnd(c->b, v, i64c(c, 0xffffffff), "");
    }
    case B_UID:
    case B_GID: {
        LLVMValueRef v = helper(c, BPF_FUNC_get_current_uid_gid, c->i64, NULL, 0);
        return n->builtin == B_GID ? LLVMBuildLShr(c->b, v, i64c(c, 32), "")
                                   : LLVMBuildAnd(c->b, v, i64c(c, 0xffffffff), "");
    }
    case B_NSECS: return helper(c, BPF_FUNC_ktime_get_ns, c->i64, NULL, 0);
    case B_CPU: return helper(c, BPF_FUNC_get_smp_processor_id, c->i64, NULL, 0);
    case B_ARG:
    case B_RETVAL: return ctx_load(c, c->spec->kind->ctx_offset(n->builtin, n->ival), 8, false);
    default: return i64c(c, 0);
    }
}

/* a && b, a || b: b runs only when it decides the result. */
static LLVMValueRef gen_logic(struct cg *c, const struct ast_node *n)
{
    bool is_and = n->op == OP_LAND;
    LLVMValueRef l = LLVMBuildICmp(c->b, LLVMIntNE, gen_int(c, n->a), i64c(c, 0), "");
    LLVMBasicBlockRef lb = LLVMGetInsertBlock(c->b), rb = block(c, "rhs"), done = block(c, "logic");
    if (is_and)
        LLVMBuildCondBr(c->b, l, rb, done);
    else
        LLVMBuildCondBr(c->b, l, done, rb);
    LLVMPositionBuilderAtEnd(c->b, rb);
    LLVMValueRef r = LLVMBuildICmp(c->b, LLVMIntNE, gen_int(c, n->b), i64c(c, 0), "");
    LLVMBasicBlockRef rend = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef v = phi2(c, c->i1, LLVMConstInt(c->i1, !is_and, 0), lb, r, rend);
    return LLVMBuildZExt(c->b, v, c->i64, "");
}

/* Division as the BPF instruction set defines it for a zero divisor (x/0 is
 * 0, x%0 is x), rather than as LLVM's undefined behaviour; signed operands
 * divide their magnitudes, since BPF before v4 has no signed division. */
static LLVMValueRef gen_div(struct cg *c, const struct ast_node *n, LLVMValueRef l, LLVMValueRef r)
{
    bool rem = n->op == OP_MOD, sgn = n->ty.is_signed;
    LLVMValueRef zero = i64c(c, 0);
    LLVMValueRef isz = LLVMBuildICmp(c->b, LLVMIntEQ, r, zero, "");
    LLVMValueRef ln = LLVMBuildICmp(c->b, LLVMIntSLT, l, zero, "");
    LLVMValueRef rn = LLVMBuildICmp(c->b, LLVMIntSLT, r, zero, "");
    LLVMValueRef ul = l, ur = r;
    if (sgn) {
        ul = LLVMBuildSelect(c->b, ln, LLVMBuildNeg(c->b, l, ""), l, "");
        ur = LLVMBuildSelect(c->b, rn, LLVMBuildNeg(c->b, r, ""), r, "");
    }
    ur = LLVMBuildSelect(c->b, isz, i64c(c, 1), ur, "");
    LLVMValueRef v = rem ? LLVMBuildURem(c->b, ul, ur, "") : LLVMBuildUDiv(c->b, ul, ur, "");
    if (sgn) {
        LLVMValueRef neg = rem ? ln : LLVMBuildXor(c->b, ln, rn, "");
        v = LLVMBuildSelect(c->b, neg, LLVMBuildNeg(c->b, v, ""), v, "");
    }
    return LLVMBuildSelect(c->b, isz, rem ? l : zero, v, "");
}

static LLVMValueRef gen_binary(struct cg *c, const struct ast_node *n)
{
    if (n->op == OP_LAND || n->op == OP_LOR)
        return gen_logic(c, n);
    if ((n->op == OP_EQ || n->op == OP_NE) && n->a->ty.kind == TY_STR) {
        LLVMValueRef eq = gen_str_eq(c, n->a, n->b);
        if (n->op == OP_NE)
            eq = LLVMBuildNot(c->b, eq, "");
        return LLVMBuildZExt(c->b, eq, c->i64, "");
    }
    LLVMValueRef l = gen_int(c, n->a), r = gen_int(c, n->b);
    set_loc(c, n->loc);
    bool sgn = n->a->ty.is_signed && n->b->ty.is_signed;
    LLVMIntPredicate pred;
    switch (n->op) {
    case OP_ADD: return LLVMBuildAdd(c->b, l, r, "");
    case OP_SUB: return LLVMBuildSub(c->b, l, r, "");
    case OP_MUL: return LLVMBuildMul(c->b, l, r, "");
    case OP_DIV:
    case OP_MOD: return gen_div(c, n, l, r);
    case OP_AND: return LLVMBuildAnd(c->b, l, r, "");
    case OP_OR: return LLVMBuildOr(c->b, l, r, "");
    case OP_XOR: return LLVMBuildXor(c->b, l, r, "");
    case OP_SHL: return LLVMBuildShl(c->b, l, LLVMBuildAnd(c->b, r, i64c(c, 63), ""), "");
    case OP_SHR:
        r = LLVMBuildAnd(c->b, r, i64c(c, 63), "");
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

static LLVMValueRef gen_int(struct cg *c, const struct ast_node *n)
{
    set_loc(c, n->loc);
    switch (n->kind) {
    case N_INT: return i64c(c, (uint64_t)n->ival);
    case N_IDENT: return gen_builtin(c, n);
    case N_MEMBER: {
        const struct probe_field *f = probe_field(c->spec->point, n->sval);
        return ctx_load(c, f->offset, f->size, f->is_signed);
    }
    case N_UNARY: {
        LLVMValueRef v = gen_int(c, n->a);
        switch (n->op) {
        case OP_NEG: return LLVMBuildNeg(c->b, v, "");
        case OP_BNOT: return LLVMBuildNot(c->b, v, "");
        default:
            return LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, v, i64c(c, 0), ""), c->i64,
                                 "");
        }
    }
    case N_BINARY: return gen_binary(c, n);
    case N_COND: {
        LLVMValueRef cond = LLVMBuildICmp(c->b, LLVMIntNE, gen_int(c, n->a), i64c(c, 0), "");
        LLVMBasicBlockRef tb = block(c, "then"), eb = block(c, "else"), done = block(c, "fi");
        LLVMBuildCondBr(c->b, cond, tb, eb);
        LLVMPositionBuilderAtEnd(c->b, tb);
        LLVMValueRef tv = gen_int(c, n->b);
        LLVMBasicBlockRef tend = LLVMGetInsertBlock(c->b);
        LLVMBuildBr(c->b, done);
        LLVMPositionBuilderAtEnd(c->b, eb);
        LLVMValueRef ev = gen_int(c, n->c);
        LLVMBasicBlockRef eend = LLVMGetInsertBlock(c->b);
        LLVMBuildBr(c->b, done);
        LLVMPositionBuilderAtEnd(c->b, done);
        return phi2(c, c->i64, tv, tend, ev, eend);
    }
    default: return i64c(c, 0);
    }
}

/* join(): the count, then each argv string in its own slot. Unrolled, so the
 * verifier sees constant offsets and no loop. */
static void gen_join(struct cg *c, const struct ast_node *n, LLVMValueRef slot, unsigned size)
{
    LLVMValueRef base = gen_int(c, n->args);
    LLVMBasicBlockRef done = block(c, "joined");
    LLVMValueRef vals[EV_JOIN_MAX + 2];
    LLVMBasicBlockRef from[EV_JOIN_MAX + 2];
    int k = 0;
    for (unsigned i = 0; i <= EV_JOIN_MAX; i++) {
        LLVMValueRef rd =
            read_mem(c, c->tmp64, i64c(c, 8), LLVMBuildAdd(c->b, base, i64c(c, 8 * i), ""), false);
        LLVMValueRef p = LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
        LLVMValueRef end = LLVMBuildOr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, rd, i64c(c, 0), ""),
                                       LLVMBuildICmp(c->b, LLVMIntEQ, p, i64c(c, 0), ""), "");
        if (i == EV_JOIN_MAX) {
            /* one entry more than fits: the list was cut off unless it ends here */
            LLVMValueRef cut = LLVMBuildSelect(c->b, end, i64c(c, 0), i64c(c, EV_JOIN_CUT), "");
            vals[k] = LLVMBuildOr(c->b, cut, i64c(c, EV_JOIN_MAX), "");
            from[k++] = LLVMGetInsertBlock(c->b);
            LLVMBuildBr(c->b, done);
            break;
        }
        LLVMBasicBlockRef more = block(c, "arg");
        vals[k] = i64c(c, i);
        from[k++] = LLVMGetInsertBlock(c->b);
        LLVMBuildCondBr(c->b, end, done, more);
        LLVMPositionBuilderAtEnd(c->b, more);
        read_mem(c, at(c, slot, 8 + i * size), i64c(c, size), p, true);
    }
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef count = LLVMBuildPhi(c->b, c->i64, "");
    LLVMAddIncoming(count, vals, from, k);
    LLVMBuildStore(c->b, count, slot);
}

static void map_bump(struct cg *c, LLVMValueRef map)
{
    LLVMValueRef args[2] = {map, c->key0};
    LLVMValueRef p = helper(c, BPF_FUNC_map_lookup_elem, c->ptr, args, 2);
    LLVMBasicBlockRef yes = block(c, "bump"), done = block(c, "bumped");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, p, LLVMConstNull(c->ptr), ""), done, yes);
    LLVMPositionBuilderAtEnd(c->b, yes);
    LLVMBuildAtomicRMW(c->b, LLVMAtomicRMWBinOpAdd, p, i64c(c, 1), LLVMAtomicOrderingMonotonic, 0);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
}

static void gen_event(struct cg *c, const struct ast_node *s)
{
    struct ev_desc *d = &c->out->descs[s->id];
    if (!d->stmt) {
        ev_layout(d, s);
        /* the ring buffer keeps an 8-byte header with each record */
        if ((uint64_t)d->size + 8 > c->o->ringbuf_size) {
            diag_error(c->src, s->loc,
                       "this %s's event is %u bytes, more than the event buffer holds (%u bytes)",
                       s->kind == S_PRINTF ? "printf" : "print", d->size, c->o->ringbuf_size - 8);
            diag_note(c->src, "raise --buffer-size, or make strings shorter with --str-size");
        }
    }
    set_loc(c, s->loc);
    if (c->o->inject_fault == CG_FAULT_EVERY || (c->o->inject_fault == CG_FAULT_LAST && !s->next)) {
        /* for tests of how verifier refusals are reported: a read far past
         * the end of the context, which no kernel allows */
        LLVMValueRef bad = LLVMBuildLoad2(c->b, c->i64, at(c, c->ctxv, 1 << 20), "");
        LLVMSetVolatile(bad, 1);
    }
    LLVMValueRef args[3] = {c->map_events, i64c(c, d->size), i64c(c, 0)};
    LLVMValueRef ev = helper(c, BPF_FUNC_ringbuf_reserve, c->ptr, args, 3);
    LLVMBasicBlockRef full = block(c, "lost"), fill = block(c, "fill"), next = block(c, "next");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, ev, LLVMConstNull(c->ptr), ""), full,
                    fill);
    LLVMPositionBuilderAtEnd(c->b, full);
    map_bump(c, c->map_lost);
    LLVMBuildBr(c->b, next);

    LLVMPositionBuilderAtEnd(c->b, fill);
    uint64_t hdr = (uint64_t)s->id | (uint64_t)c->prog << 32; /* struct ev_header, little-endian */
    LLVMBuildStore(c->b, i64c(c, hdr), ev);
    const struct ast_node *a = s->kind == S_PRINTF ? s->args->next : s->args;
    for (int i = 0; i < d->nargs; i++, a = a->next) {
        const struct ev_arg *e = &d->args[i];
        LLVMValueRef slot = at(c, ev, e->off);
        switch (e->kind) {
        case EA_INT:
        case EA_UINT: LLVMBuildStore(c->b, gen_int(c, a), slot); break;
        case EA_TIME: LLVMBuildStore(c->b, gen_int(c, a->args->next), slot); break;
        case EA_STR: gen_str_into(c, a, slot, e->size); break;
        case EA_JOIN: gen_join(c, a, slot, e->size); break;
        default: break;
        }
    }
    /* Waking the reader costs more than the rest of the event: leave it to
     * its 10 ms timer unless the buffer is filling up. */
    set_loc(c, s->loc);
    LLVMValueRef q[2] = {c->map_events, i64c(c, BPF_RB_AVAIL_DATA)};
    LLVMValueRef avail = helper(c, BPF_FUNC_ringbuf_query, c->i64, q, 2);
    LLVMValueRef busy = LLVMBuildICmp(c->b, LLVMIntUGT, avail, i64c(c, c->o->ringbuf_size / 4), "");
    LLVMValueRef flags =
        LLVMBuildSelect(c->b, busy, i64c(c, BPF_RB_FORCE_WAKEUP), i64c(c, BPF_RB_NO_WAKEUP), "");
    LLVMValueRef sub[2] = {ev, flags};
    helper(c, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(c->ctx), sub, 2);
    LLVMBuildBr(c->b, next);
    LLVMPositionBuilderAtEnd(c->b, next);
}

static void gen_exit(struct cg *c, const struct ast_node *s)
{
    LLVMValueRef code = s->a ? gen_int(c, s->a) : i64c(c, 0);
    set_loc(c, s->loc);
    code = LLVMBuildOr(c->b, LLVMBuildAnd(c->b, code, i64c(c, 0xff), ""), i64c(c, CG_EXIT_SET), "");
    LLVMValueRef args[2] = {c->map_exit, c->key0};
    LLVMValueRef p = helper(c, BPF_FUNC_map_lookup_elem, c->ptr, args, 2);
    LLVMBasicBlockRef yes = block(c, "exit");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, p, LLVMConstNull(c->ptr), ""), c->out_bb,
                    yes);
    LLVMPositionBuilderAtEnd(c->b, yes);
    LLVMBuildStore(c->b, code, p);
    LLVMBuildBr(c->b, c->out_bb);
    /* statements after exit are dead; give them a block nothing jumps to */
    LLVMPositionBuilderAtEnd(c->b, block(c, "dead"));
}

static void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            *s = '_';
}

static void gen_prog(struct cg *c, const struct ast_probe *pr, const struct ast_spec *sp)
{
    struct cg_prog *p = &c->out->progs[c->out->nprogs];
    c->prog = c->out->nprogs++;
    c->spec = sp;
    p->probe = pr;
    p->spec = sp;
    const struct probe_point *pt = sp->point;
    snprintf(p->name, sizeof(p->name), "%s",
             pt->name      ? pt->name
             : *pt->target ? pt->target
                           : sp->kind->name);
    sanitize(p->name);
    /* Two probes on one event: the later gets its index after a '.', which no
     * sanitized name has (so kprobe:BEGIN_2 stays apart from a second BEGIN),
     * cut to the 15 characters the kernel keeps of a name. */
    if (!names_add(&c->names, p->name)) {
        char suffix[16];
        int n = snprintf(suffix, sizeof(suffix), ".%d", c->prog);
        size_t len = strlen(p->name);
        if (len > 15 - (size_t)n)
            len = 15 - n;
        snprintf(p->name + len, sizeof(p->name) - len, "%s", suffix);
    }
    sp->kind->section(pt, p->section, sizeof(p->section));

    LLVMTypeRef fty = LLVMFunctionType(c->i32, &c->ptr, 1, 0);
    c->fn = LLVMAddFunction(c->m, p->name, fty);
    LLVMSetSection(c->fn, p->section);
    LLVMAddAttributeAtIndex(
        c->fn, LLVMAttributeFunctionIndex,
        LLVMCreateEnumAttribute(c->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
    c->ctxv = LLVMGetParam(c->fn, 0);
    LLVMSetValueName2(c->ctxv, "ctx", 3);
    c->sp = di_function(&c->di, c->fn, p->name, pr->loc.first_line);
    c->scratch = NULL;
    c->scratch_used = 0;

    c->entry = block(c, "entry");
    c->out_bb = block(c, "out");
    LLVMBasicBlockRef body = block(c, "body");
    LLVMPositionBuilderAtEnd(c->b, c->entry);
    set_loc(c, sp->loc);
    c->key0 = LLVMBuildAlloca(c->b, c->i32, "key0");
    LLVMBuildStore(c->b, LLVMConstInt(c->i32, 0, 0), c->key0);
    c->tmp64 = LLVMBuildAlloca(c->b, c->i64, "tmp64");
    LLVMBuildBr(c->b, body);
    LLVMPositionBuilderAtEnd(c->b, c->out_bb);
    LLVMBuildRet(c->b, LLVMConstInt(c->i32, 0, 0));

    LLVMPositionBuilderAtEnd(c->b, body);
    if (pr->filter) {
        LLVMValueRef v = gen_int(c, pr->filter);
        LLVMBasicBlockRef pass = block(c, "pass");
        LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, v, i64c(c, 0), ""), pass, c->out_bb);
        LLVMPositionBuilderAtEnd(c->b, pass);
    }
    for (const struct ast_node *s = pr->body; s; s = s->next) {
        if (s->kind == S_EXIT)
            gen_exit(c, s);
        else
            gen_event(c, s);
    }
    LLVMBuildBr(c->b, c->out_bb);
}

/* LLVM's BPF backend copies each source line into BTF's line info, which the
 * verifier quotes in its log, and it reads those lines from the file that the
 * debug info names. A script may have no file (-e, stdin, a built-in), so it
 * gets one in memory. */
static int script_file(const char *text, char *path, size_t n)
{
    int fd = memfd_create("tinyprobe-script", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return fd;
}

int cg_compile(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out)
{
    memset(out, 0, sizeof(*out));
    struct cg c = {.o = o, .out = out, .src = p->src};
    char err[1024] = "";
    size_t errlen = sizeof(err);
    int errors = p->src->errors;
    struct emit_diags diags = {0};
    int rc = -1, srcfd = -1;
    LLVMTargetMachineRef tm = emit_target(err, errlen);
    if (!tm) {
        diag_file_error(p->src, "%s", err);
        return -1;
    }
    c.ctx = LLVMContextCreate();
    LLVMContextSetDiagnosticHandler(c.ctx, emit_diag_handler, &diags);
    c.m = LLVMModuleCreateWithNameInContext("tinyprobe", c.ctx);
    LLVMSetTarget(c.m, "bpfel");
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(c.m, td);
    LLVMDisposeTargetData(td);
    c.b = LLVMCreateBuilderInContext(c.ctx);
    c.i1 = LLVMInt1TypeInContext(c.ctx);
    c.i8 = LLVMInt8TypeInContext(c.ctx);
    c.i32 = LLVMInt32TypeInContext(c.ctx);
    c.i64 = LLVMInt64TypeInContext(c.ctx);
    c.ptr = LLVMPointerTypeInContext(c.ctx, 0);
    char path[64];
    srcfd = script_file(p->src->text, path, sizeof(path));
    di_init(&c.di, c.m, srcfd >= 0 ? path : p->src->name);

    c.map_events = map_global(&c, CG_MAP_EVENTS, 2);
    c.map_lost = map_global(&c, CG_MAP_LOST, 4);
    c.map_exit = map_global(&c, CG_MAP_EXIT, 4);
    LLVMTypeRef lic_t = LLVMArrayType(c.i8, 4);
    LLVMValueRef lic = LLVMAddGlobal(c.m, lic_t, "_license");
    LLVMSetInitializer(lic, LLVMConstStringInContext(c.ctx, "GPL", 3, 0));
    LLVMSetSection(lic, "license");

    int nprogs = 0;
    for (const struct ast_probe *pr = p->probes; pr; pr = pr->next)
        for (const struct ast_spec *s = pr->specs; s; s = s->next)
            nprogs++;
    out->progs = xcalloc(nprogs, sizeof(*out->progs));
    out->ndescs = p->nstmts;
    out->descs = xcalloc(p->nstmts, sizeof(*out->descs));
    for (const struct ast_probe *pr = p->probes; pr; pr = pr->next)
        for (const struct ast_spec *s = pr->specs; s; s = s->next)
            gen_prog(&c, pr, s);

    di_map(&c.di, c.map_events, CG_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF, o->ringbuf_size, 0);
    di_map(&c.di, c.map_lost, CG_MAP_LOST, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 8);
    di_map(&c.di, c.map_exit, CG_MAP_EXIT, BPF_MAP_TYPE_ARRAY, 1, 8);
    if (c.map_scratch && c.scratch_max <= SCRATCH_MAX)
        di_map(&c.di, c.map_scratch, CG_MAP_SCRATCH, BPF_MAP_TYPE_PERCPU_ARRAY, 1, c.scratch_max);
    di_finish(&c.di);
    if (p->src->errors > errors)
        goto out;
    if (c.scratch_max > SCRATCH_MAX) {
        snprintf(err, errlen,
                 "a probe compares more strings than fit in its %d bytes of scratch "
                 "space; use shorter strings",
                 SCRATCH_MAX);
        goto out;
    }

    char *msg = NULL;
    if (LLVMVerifyModule(c.m, LLVMReturnStatusAction, &msg)) {
        snprintf(err, errlen, "internal error: the generated IR is invalid: %s", msg);
        if (o->dump_ir) {
            char *ir = LLVMPrintModuleToString(c.m);
            fputs(ir, o->dump_ir);
            LLVMDisposeMessage(ir);
        }
        LLVMDisposeMessage(msg);
        goto out;
    }
    LLVMDisposeMessage(msg);
    if (emit_optimize(c.m, tm, err, errlen))
        goto out;
    if (o->dump_ir) {
        char *ir = LLVMPrintModuleToString(c.m);
        fputs(ir, o->dump_ir);
        LLVMDisposeMessage(ir);
    }
    if (o->dump_asm) {
        /* emitting runs passes over the module: work on a copy */
        LLVMModuleRef copy = LLVMCloneModule(c.m);
        void *text;
        size_t len;
        int e = emit_buffer(copy, tm, LLVMAssemblyFile, &text, &len, err, errlen);
        LLVMDisposeModule(copy);
        if (e)
            goto out;
        fwrite(text, 1, len, o->dump_asm);
        free(text);
    }
    if (emit_buffer(c.m, tm, LLVMObjectFile, &out->obj, &out->objlen, err, errlen))
        goto out;
    if (diags.errors) {
        snprintf(err, errlen, "LLVM's BPF backend failed: %s", diags.msg);
        goto out;
    }
    rc = 0;
out:
    if (rc && *err)
        diag_file_error(p->src, "%s", err);
    free(c.names.slot);
    if (srcfd >= 0)
        close(srcfd);
    LLVMDisposeBuilder(c.b);
    LLVMDisposeModule(c.m);
    LLVMContextDispose(c.ctx);
    LLVMDisposeTargetMachine(tm);
    return rc;
}

void cg_output_free(struct cg_output *out)
{
    for (int i = 0; i < out->ndescs; i++)
        free(out->descs[i].args);
    free(out->descs);
    free(out->progs);
    free(out->obj);
    memset(out, 0, sizeof(*out));
}
