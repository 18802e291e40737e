/* Reads from memory at the offsets the checks fixed (lang/check_access.c):
 * member chains, elements, what a pointer points to. A chain computes one
 * address for each pointer it goes through, and reads it with one helper
 * call: kernel memory with probe_read_kernel, user memory (a uprobe's
 * arguments, a syscall's) with probe_read_user, as the type says. */
#include "codegen/cg.h"

/* Whether what n reads is in user memory: its base's address space. */
static bool base_user(const struct ast_node *n)
{
    return n->a->ty.user;
}

/* The bytes of one value of type t in memory, as C lays it out. */
static unsigned mem_size(struct ty t)
{
    return t.kind == TY_PTR ? 8 : (unsigned)t.size;
}

static bool in_memory(const struct ast_node *n)
{
    return (n->kind == N_MEMBER && !n->in_ctx) || n->kind == N_INDEX || n->kind == N_DEREF;
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
        LLVMValueRef off = LLVMBuildMul(c->b, expr_int(c, n->b), ir_i64(c, mem_size(n->ty)), "");
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

LLVMValueRef mem_int(struct cg *c, const struct ast_node *n)
{
    if (n->kind == N_MEMBER && n->bit_size)
        return read_bitfield(c, n);
    LLVMValueRef addr = mem_addr(c, n);
    return read_int(c, addr, mem_size(n->ty), n->ty.is_signed, base_user(n));
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

bool mem_is_read(const struct ast_node *n)
{
    return in_memory(n);
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
