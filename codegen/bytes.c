/* Values kept as bytes that only user space makes text of: buffers (buf(),
 * a tracepoint's byte arrays) and addresses (ntop()). Each is written whole
 * into its slot, its length or family first (lang/type.h). */
#include <sys/socket.h>

#include "bpf/probe.h"
#include "codegen/cg.h"
#include "lang/builtin.h"

/* `len` bytes from p to dst, both memory the program owns */
static void copy(struct cg *c, LLVMValueRef dst, LLVMValueRef p, LLVMValueRef len)
{
    LLVMValueRef args[3] = {dst, len, p};
    ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, args, 3);
}

/* A tracepoint's byte array, as the record holds it. */
static void field_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    const struct probe_field *f = probe_field(c->point, n->sval);
    int size = f->size < n->ty.size ? f->size : n->ty.size;
    LLVMBuildStore(c->b, ir_i64(c, (uint64_t)size), dst);
    copy(c, ir_at(c, dst, 8), ir_at(c, c->ctxv, (uint64_t)f->offset), ir_i64(c, (uint64_t)size));
}

static void into(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    ir_loc(c, n->loc);
    switch (n->kind) {
    case N_CALL:
    case N_IDENT: builtins_bytes(c, n, dst); return;
    case N_MEMBER: field_bytes(c, n, dst); return;
    case N_MAP: maps_read_bytes(c, n, dst); return;
    default: return;
    }
}

/* the caller's place in the script comes back after, as in expr_int */
void bytes_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    LLVMMetadataRef outer = LLVMGetCurrentDebugLocation2(c->b);
    into(c, n, dst);
    LLVMSetCurrentDebugLocation2(c->b, outer);
}

/* ntop([af,] addr): the family, then the address's bytes; an integer's are
 * its own, low byte first, which for an IPv4 address as the kernel keeps it
 * (network byte order) is the address's first byte */
void bytes_ntop(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    const struct ast_node *af = n->args->next ? n->args : NULL, *a = af ? af->next : n->args;
    LLVMValueRef fam = af                 ? expr_int(c, af)
                       : a->ty.size == 16 ? ir_i64(c, AF_INET6)
                                          : ir_i64(c, AF_INET);
    LLVMBuildStore(c->b, fam, dst);
    LLVMBuildStore(c->b, ir_i64(c, 0), ir_at(c, dst, 16));
    if (a->ty.kind == TY_INT) {
        LLVMBuildStore(c->b, expr_int(c, a), ir_at(c, dst, 8));
        return;
    }
    LLVMBuildStore(c->b, ir_i64(c, 0), ir_at(c, dst, 8));
    if (a->ty.kind == TY_ARRAY || a->ty.kind == TY_RECORD) { /* in a kernel struct */
        mem_bytes(c, a, ir_at(c, dst, 8));
        return;
    }
    LLVMValueRef tmp = ir_scratch(c, (unsigned)ty_store_size(a->ty));
    bytes_into(c, a, tmp);
    copy(c, ir_at(c, dst, 8), ir_at(c, tmp, 8),
         ir_i64(c, (uint64_t)(a->ty.size < 16 ? a->ty.size : 16)));
}

/* Zeroes `size` bytes at p, a word at a time and then the tail: what a
 * buffer holds past its data is part of a map key. */
static void zero(struct cg *c, LLVMValueRef p, unsigned size)
{
    unsigned off = 0;
    for (; off + 8 <= size; off += 8)
        LLVMBuildStore(c->b, ir_i64(c, 0), ir_at(c, p, off));
    for (; off < size; off++)
        LLVMBuildStore(c->b, LLVMConstInt(c->i8, 0, 0), ir_at(c, p, off));
}

/* buf(p, n), buf(s [, n]), buf(b [, n]): the length, at most the buffer's
 * size, then the bytes */
void bytes_buf(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    const struct ast_node *a = n->args, *want = a->next;
    unsigned size = (unsigned)n->ty.size;
    LLVMValueRef len = ir_i64(c, size), data = ir_at(c, dst, 8);
    if (want && want->kind != N_INT)
        len = ir_bounded(c, expr_int(c, want), size);
    if (a->ty.kind == TY_INT) {
        LLVMValueRef addr = expr_int(c, a);
        ir_loc(c, n->loc);
        ir_read_mem(c, data, len, addr, false);
        LLVMBuildStore(c->b, len, dst);
        return;
    }
    LLVMValueRef tmp = ir_scratch(c, (unsigned)ty_store_size(a->ty));
    if (a->ty.kind == TY_STR) {
        zero(c, tmp, (unsigned)a->ty.size); /* the bytes after its NUL too */
        str_into(c, a, tmp, (unsigned)a->ty.size);
        copy(c, data, tmp, ir_i64(c, size));
    } else {
        bytes_into(c, a, tmp);
        copy(c, data, ir_at(c, tmp, 8), ir_i64(c, size));
        LLVMValueRef had = LLVMBuildLoad2(c->b, c->i64, tmp, "");
        len = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntULT, had, len, ""), had, len, "");
    }
    LLVMBuildStore(c->b, len, dst);
}
