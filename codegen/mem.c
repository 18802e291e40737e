/* Reads from memory at the offsets the checks fixed (lang/check_access.c):
 * member chains, elements, what a pointer points to. A chain computes one
 * address for each pointer it goes through, and reads it with one helper
 * call: kernel memory with probe_read_kernel, user memory (a uprobe's
 * arguments, a syscall's) with probe_read_user, as the type says. */
#include "bpf/feature.h"
#include "codegen/cg.h"
#include "lang/builtin.h"

/* Whether what n reads is in user memory: its base's address space. */
static bool base_user(const struct ast_node *n)
{
    return n->a->ty.user;
}

LLVMValueRef mem_addr(struct cg *c, const struct ast_node *n)
{
    ir_loc(c, n->loc);
    switch (n->kind) {
    case N_MEMBER: {
        LLVMValueRef base = n->arrow ? expr_int(c, n->a) : mem_addr(c, n->a);
        return LLVMBuildAdd(c->b, base, ir_i64(c, n->bit_off / 8), "");
    }
    case N_INDEX: {
        LLVMValueRef base = n->a->ty.kind == TY_PTR ? expr_int(c, n->a) : mem_addr(c, n->a);
        LLVMValueRef off = LLVMBuildMul(c->b, expr_int(c, n->b), ir_i64(c, ty_mem_size(n->ty)), "");
        return LLVMBuildAdd(c->b, base, off, "");
    }
    case N_DEREF: return expr_int(c, n->a);
    default: return ir_i64(c, 0); /* the checks allow nothing else */
    }
}

/* `size` bytes at addr into dst, from user or kernel memory; on a fault
 * the helper leaves zeros. */
static void read_into(struct cg *c, LLVMValueRef dst, unsigned size, LLVMValueRef addr, bool user,
                      bool str)
{
    enum bpf_func_id id = user
                              ? (str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user)
                              : (str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel);
    LLVMValueRef args[3] = {dst, ir_i64(c, size), ir_ptr(c, addr)};
    ir_helper(c, id, c->i64, args, 3);
}

/* An integer of `size` bytes at addr, extended to 64 bits. */
static LLVMValueRef read_int(struct cg *c, LLVMValueRef addr, unsigned size, bool is_signed,
                             bool user)
{
    read_into(c, c->tmp64, size, addr, user, false);
    LLVMTypeRef t = LLVMIntTypeInContext(c->ctx, size * 8);
    LLVMValueRef v = LLVMBuildLoad2(c->b, t, c->tmp64, "");
    if (size == 8)
        return v;
    return is_signed ? LLVMBuildSExt(c->b, v, c->i64, "") : LLVMBuildZExt(c->b, v, c->i64, "");
}

/* A bitfield: the integer it is declared as, read where it holds the
 * field's bits (little-endian: the field's low bit is bit_off's), shifted
 * down and masked, its sign extended. */
static LLVMValueRef read_bitfield(struct cg *c, const struct ast_node *n)
{
    unsigned size = (unsigned)n->ty.size;
    unsigned start = n->bit_off / 8 & ~(size - 1), shift = n->bit_off - start * 8;
    LLVMValueRef base = n->arrow ? expr_int(c, n->a) : mem_addr(c, n->a);
    LLVMValueRef addr = LLVMBuildAdd(c->b, base, ir_i64(c, start), "");
    /* a field that crosses its container is read in 8 bytes */
    if (shift + n->bit_size > size * 8)
        size = 8;
    LLVMValueRef v = read_int(c, addr, size, false, base_user(n));
    unsigned up = 64 - shift - n->bit_size;
    v = LLVMBuildShl(c->b, v, ir_i64(c, up), "");
    return n->ty.is_signed ? LLVMBuildAShr(c->b, v, ir_i64(c, up + shift), "")
                           : LLVMBuildLShr(c->b, v, ir_i64(c, up + shift), "");
}

/* Typed loads: a chain from curtask of the kernel's pointers, member by
 * member, needs no helper call a hop. bpf_get_current_task_btf gives a
 * pointer the verifier knows the type of, and a load of one of its members
 * at that member's offset is checked against BTF; a pointer so loaded is
 * typed in turn, and a load through it that faults gives 0, as the helper
 * leaves. So a chain with no cast, index or deref in it, only kernel
 * memory, costs a load a hop. */
static bool typed_ptr_ok(const struct ast_node *n);

/* n, a member (n->a->...), is at a place typed loads reach. */
static bool typed_at_ok(const struct ast_node *n)
{
    if (n->kind != N_MEMBER || n->in_ctx || n->tuple || n->bit_size || n->a->ty.user)
        return false;
    return n->arrow ? typed_ptr_ok(n->a) : typed_at_ok(n->a);
}

/* n's value is a pointer the verifier knows the type of. */
static bool typed_ptr_ok(const struct ast_node *n)
{
    if (n->ty.kind != TY_PTR || n->ty.user)
        return false;
    if (n->kind == N_IDENT)
        return n->bi == BI_CURTASK;
    return typed_at_ok(n);
}

static LLVMValueRef typed_ptr(struct cg *c, const struct ast_node *n);

/* The typed pointer n's member is in, and its offset from it. */
static LLVMValueRef typed_at(struct cg *c, const struct ast_node *n, unsigned *off)
{
    if (n->arrow) {
        *off = n->bit_off / 8;
        return typed_ptr(c, n->a);
    }
    LLVMValueRef base = typed_at(c, n->a, off);
    *off += n->bit_off / 8;
    return base;
}

static LLVMValueRef typed_ptr(struct cg *c, const struct ast_node *n)
{
    if (n->kind == N_IDENT)
        return ir_helper(c, BPF_FUNC_get_current_task_btf, c->ptr, NULL, 0);
    unsigned off;
    LLVMValueRef base = typed_at(c, n, &off);
    return LLVMBuildIntToPtr(c->b, ir_load_at(c, base, (int)off, 8, false), c->ptr, "");
}

/* The loads of a typed chain to n: one a pointer it goes through. */
static int typed_hops(const struct ast_node *n)
{
    if (n->kind != N_MEMBER)
        return 0;
    return (n->arrow ? 1 : 0) + typed_hops(n->a);
}

/* Whether to read n by typed loads. The verifier checks each against BTF
 * with a search of the kernel's types (btf_nested_type_is_trusted, about
 * half a millisecond here): past CG_TYPED_LOADS a program, what loading
 * costs outweighs what an event saves, and the rest go through the helper. */
static bool use_typed(struct cg *c, const struct ast_node *n)
{
    if (c->typed_loads == 0) /* not asked yet: the kernel's verifier must allow them */
        c->typed_loads = feature_current_task_btf() ? 1 : -1;
    if (c->typed_loads < 0 || !typed_at_ok(n) ||
        !(n->ty.kind == TY_PTR || (n->ty.kind == TY_INT && n->ty.size <= 8)))
        return false;
    int hops = typed_hops(n) + 1;
    if (c->typed_hops + hops > CG_TYPED_LOADS)
        return false;
    c->typed_hops += hops;
    return true;
}

LLVMValueRef mem_int(struct cg *c, const struct ast_node *n)
{
    if (use_typed(c, n)) {
        unsigned off;
        LLVMValueRef base = typed_at(c, n, &off);
        return ir_load_at(c, base, (int)off, ty_mem_size(n->ty), n->ty.is_signed);
    }
    if (n->kind == N_MEMBER && n->bit_size)
        return read_bitfield(c, n);
    LLVMValueRef addr = mem_addr(c, n);
    return read_int(c, addr, ty_mem_size(n->ty), n->ty.is_signed, base_user(n));
}

void mem_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    LLVMValueRef addr = mem_addr(c, n);
    unsigned len = (unsigned)n->ty.size < size ? (unsigned)n->ty.size : size;
    read_into(c, dst, len, addr, base_user(n), true);
}

void mem_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    LLVMValueRef addr = mem_addr(c, n);
    read_into(c, dst, (unsigned)n->ty.size, addr, base_user(n), false);
}

LLVMValueRef mem_cast(struct cg *c, const struct ast_node *n)
{
    LLVMValueRef v = expr_int(c, n->a);
    if (n->ty.kind != TY_INT || n->ty.size == 8)
        return v;
    LLVMValueRef t = LLVMBuildTrunc(c->b, v, LLVMIntTypeInContext(c->ctx, n->ty.size * 8), "");
    return n->ty.is_signed ? LLVMBuildSExt(c->b, t, c->i64, "")
                           : LLVMBuildZExt(c->b, t, c->i64, "");
}
