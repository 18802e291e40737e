/* Reads from memory at the offsets the checks fixed (lang/check_access.c):
 * member chains, elements, what a pointer points to. A chain computes one
 * address for each pointer it goes through, and reads it with one helper
 * call: kernel memory with probe_read_kernel, user memory (a uprobe's
 * arguments, a syscall's) with probe_read_user, as the type says.
 *
 * The offsets of kernel structs' members are this kernel's, but an object
 * may be loaded on another kernel: each member read goes through the BPF
 * backend's CO-RE intrinsics (llvm.preserve.*.access.index, as clang makes
 * for __attribute__((preserve_access_index))), which it turns into the
 * same constant offsets plus relocations in .BTF.ext, and libbpf sets each
 * offset again from the running kernel's BTF when it loads the object. */
#include <string.h>

#include "bpf/feature.h"
#include "bpf/kbtf.h"
#include "codegen/cg.h"
#include "lang/builtin.h"

/* Whether what n reads is in user memory: its base's address space. */
static bool base_user(const struct ast_node *n)
{
    return n->a->ty.user;
}

/* CO-RE. */

/* BPF_CORE_* relocation kinds that llvm.bpf.preserve.field.info asks for */
enum { FIELD_BYTE_OFFSET = 0, FIELD_BYTE_SIZE = 1, FIELD_LSHIFT_U64 = 4, FIELD_RSHIFT_U64 = 5 };

static LLVMValueRef intrinsic(struct cg *c, const char *name, LLVMTypeRef *over, int nover,
                              LLVMTypeRef *fty)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    *fty = LLVMIntrinsicGetType(c->ctx, id, over, (size_t)nover);
    return LLVMGetIntrinsicDeclaration(c->m, id, over, (size_t)nover);
}

/* Whether v is an address a relocated access gave, which a further access
 * continues: one chain, one relocation, whose first record names it. */
static bool core_call(LLVMValueRef v)
{
    if (!v || !LLVMIsACallInst(v))
        return false;
    LLVMValueRef f = LLVMGetCalledValue(v);
    size_t len;
    const char *name = f ? LLVMGetValueName2(f, &len) : "";
    return strncmp(name, "llvm.preserve.", 14) == 0;
}

/* A record's, an enum's name as BTF has it: "" for an anonymous one. */
static void btf_name(unsigned id, char *buf, size_t len)
{
    char decl[256];
    kbtf_type_name(id, decl, sizeof(decl));
    const char *p = decl;
    for (const char *kw = "struct \0union \0enum \0"; *kw; kw += strlen(kw) + 1)
        if (strncmp(p, kw, strlen(kw)) == 0)
            p += strlen(kw);
    snprintf(buf, len, "%s", strpbrk(p, " {(") ? "" : p);
}

/* The DI type that stands for BTF type id in the object's BTF, or NULL for
 * one a relocation cannot name. One node an id: an access into a member
 * must name the very node the member's type is. */
static LLVMMetadataRef core_type(struct cg *c, unsigned id)
{
    struct kbtf_type t;
    if (!kbtf_resolve(id, &t))
        return NULL;
    LLVMMetadataRef md = di_keyed(&c->di, t.id);
    if (md)
        return md;
    char name[256];
    switch (t.kind) {
    case KBTF_INT: md = di_int(&c->di, t.size, t.is_signed); break;
    case KBTF_ENUM:
        btf_name(t.id, name, sizeof(name));
        md = di_enum(&c->di, name, t.size, t.is_signed);
        break;
    case KBTF_PTR: md = c->di.void_ptr; break; /* libbpf takes any pointer for any */
    case KBTF_STRUCT:
    case KBTF_UNION:
        btf_name(t.id, name, sizeof(name));
        md = di_record(&c->di, t.id, name, t.kind == KBTF_UNION, t.size);
        break;
    case KBTF_ARRAY: {
        struct kbtf_type e;
        LLVMMetadataRef em = core_type(c, t.target);
        if (!em || !kbtf_resolve(t.target, &e))
            return NULL;
        md = di_array(&c->di, em, e.size * 8, t.count);
        break;
    }
    default: return NULL;
    }
    di_keep(&c->di, t.id, md);
    return md;
}

/* The relocated address of member `name` of the record (BTF id rec) at
 * base, a pointer; NULL where a relocation cannot say it, and the caller
 * adds this kernel's offset. storage: a bitfield's container, in bytes
 * (the window the backend reads it in), else 0. */
LLVMValueRef mem_core_member(struct cg *c, LLVMValueRef base, unsigned rec, const char *name,
                             unsigned storage)
{
    struct kbtf_type rt;
    struct kbtf_member m;
    if (!c->o->core || !kbtf_resolve(rec, &rt) ||
        (rt.kind != KBTF_STRUCT && rt.kind != KBTF_UNION) || !kbtf_member_find(rt.id, name, &m))
        return NULL;
    char rname[256];
    btf_name(rt.id, rname, sizeof(rname));
    /* libbpf looks a chain's first record up by name; a member of an
     * anonymous struct inside a union is not at 0, where BTF keeps a
     * union's members */
    if ((!*rname && !core_call(base)) || (rt.kind == KBTF_UNION && (m.bit_off || m.bit_size)))
        return NULL;
    LLVMMetadataRef mt = core_type(c, m.type), rd = core_type(c, rt.id);
    if (!mt || !rd)
        return NULL;
    /* A member inside anonymous ones is named as the record's own: libbpf
     * finds it by name through the running kernel's anonymous members. */
    unsigned sbits = storage * 8;
    int idx = di_record_member(&c->di, rd, name, m.bit_off, m.bit_size,
                               m.bit_size ? m.bit_off / sbits * sbits : 0, mt);
    LLVMTypeRef over[2] = {c->ptr, c->ptr}, fty;
    LLVMValueRef call;
    if (rt.kind == KBTF_UNION) {
        LLVMValueRef fn = intrinsic(c, "llvm.preserve.union.access.index", over, 2, &fty);
        LLVMValueRef args[2] = {base, LLVMConstInt(c->i32, (unsigned)idx, 0)};
        call = LLVMBuildCall2(c->b, fty, fn, args, 2, "");
        di_record_use(&c->di, rd, call, 1, idx);
    } else {
        LLVMValueRef fn = intrinsic(c, "llvm.preserve.struct.access.index", over, 2, &fty);
        LLVMValueRef args[3] = {base, LLVMConstInt(c->i32, 0, 0),
                                LLVMConstInt(c->i32, (unsigned)idx, 0)};
        call = LLVMBuildCall2(c->b, fty, fn, args, 3, "");
        di_record_use(&c->di, rd, call, 2, idx);
        /* the backend takes a bitfield's window from the record's
         * alignment, which it reads off this type: the container's */
        LLVMTypeRef el = LLVMIntTypeInContext(c->ctx, storage ? sbits : 8);
        LLVMTypeRef st = LLVMStructTypeInContext(c->ctx, &el, 1, 0);
        unsigned kind = LLVMGetEnumAttributeKindForName("elementtype", 11);
        LLVMAddCallSiteAttribute(call, 1, LLVMCreateTypeAttribute(c->ctx, kind, st));
    }
    LLVMSetMetadata(call, LLVMGetMDKindIDInContext(c->ctx, "llvm.preserve.access.index", 26),
                    LLVMMetadataAsValue(c->ctx, rd));
    return call;
}

/* Element i of the array (BTF id arr) a relocated access gave at base;
 * NULL where a relocation cannot say it. */
LLVMValueRef mem_core_index(struct cg *c, LLVMValueRef base, unsigned arr, unsigned i)
{
    struct kbtf_type t, e;
    if (!c->o->core || !core_call(base) || !kbtf_resolve(arr, &t) || t.kind != KBTF_ARRAY ||
        !kbtf_resolve(t.target, &e) || e.kind == KBTF_ARRAY || !e.size)
        return NULL;
    LLVMMetadataRef md = core_type(c, t.id);
    if (!md)
        return NULL;
    LLVMTypeRef over[2] = {c->ptr, c->ptr}, fty;
    LLVMValueRef fn = intrinsic(c, "llvm.preserve.array.access.index", over, 2, &fty);
    LLVMValueRef args[3] = {base, LLVMConstInt(c->i32, 1, 0), LLVMConstInt(c->i32, i, 0)};
    LLVMValueRef call = LLVMBuildCall2(c->b, fty, fn, args, 3, "");
    /* what the backend makes of a call it leaves (it leaves none that a
     * record starts): the element's place by its size */
    LLVMTypeRef st = LLVMArrayType(LLVMArrayType(c->i8, e.size), t.count);
    unsigned kind = LLVMGetEnumAttributeKindForName("elementtype", 11);
    LLVMAddCallSiteAttribute(call, 1, LLVMCreateTypeAttribute(c->ctx, kind, st));
    LLVMSetMetadata(call, LLVMGetMDKindIDInContext(c->ctx, "llvm.preserve.access.index", 26),
                    LLVMMetadataAsValue(c->ctx, md));
    return call;
}

/* What the running kernel says of the member a relocated access gave:
 * FIELD_BYTE_OFFSET, ..., as a 64-bit constant that libbpf sets. */
static LLVMValueRef core_info(struct cg *c, LLVMValueRef member, int kind)
{
    LLVMTypeRef fty;
    LLVMValueRef fn = intrinsic(c, "llvm.bpf.preserve.field.info", &c->ptr, 1, &fty);
    LLVMValueRef args[2] = {member, ir_i64(c, (uint64_t)kind)};
    return LLVMBuildZExt(c->b, LLVMBuildCall2(c->b, fty, fn, args, 2, ""), c->i64, "");
}

/* base, an address as an integer, as a pointer: the access it came from
 * where it came from one, so that a chain stays one. */
static LLVMValueRef as_ptr(struct cg *c, LLVMValueRef base)
{
    if (LLVMIsAPtrToIntInst(base))
        return LLVMGetOperand(base, 0);
    return ir_ptr(c, base);
}

/* Member n of a kernel record at base (a pointer), relocated; NULL for
 * what is not a kernel record's member. */
static LLVMValueRef core_at(struct cg *c, const struct ast_node *n, LLVMValueRef base,
                            unsigned storage)
{
    if (n->kind != N_MEMBER || n->in_ctx || n->tuple || !n->a->ty.btf ||
        (n->a->ty.kind != TY_PTR && n->a->ty.kind != TY_RECORD))
        return NULL;
    return mem_core_member(c, base, n->a->ty.btf, n->sval, storage);
}

LLVMValueRef mem_addr(struct cg *c, const struct ast_node *n)
{
    ir_loc(c, n->loc);
    switch (n->kind) {
    case N_MEMBER: {
        LLVMValueRef base = n->arrow ? expr_int(c, n->a) : mem_addr(c, n->a);
        LLVMValueRef p = core_at(c, n, as_ptr(c, base), 0);
        if (p)
            return LLVMBuildPtrToInt(c->b, p, c->i64, "");
        return LLVMBuildAdd(c->b, base, ir_i64(c, n->bit_off / 8), "");
    }
    case N_INDEX: {
        bool ptr = n->a->ty.kind == TY_PTR;
        LLVMValueRef base = ptr ? expr_int(c, n->a) : mem_addr(c, n->a);
        if (!ptr && n->b->kind == N_INT) {
            LLVMValueRef p = mem_core_index(c, as_ptr(c, base), n->a->ty.btf, (unsigned)n->b->ival);
            if (p)
                return LLVMBuildPtrToInt(c->b, p, c->i64, "");
        }
        LLVMValueRef off = LLVMBuildMul(c->b, expr_int(c, n->b), ir_i64(c, ty_mem_size(n->ty)), "");
        return LLVMBuildAdd(c->b, base, off, "");
    }
    case N_DEREF: return expr_int(c, n->a);
    default: return ir_i64(c, 0); /* the checks allow nothing else */
    }
}

/* len bytes (a constant, or one libbpf sets) at addr into dst, from user
 * or kernel memory; on a fault the helper leaves zeros. */
static void read_len(struct cg *c, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr, bool user,
                     bool str)
{
    enum bpf_func_id id = user
                              ? (str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user)
                              : (str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel);
    LLVMValueRef args[3] = {dst, len, ir_ptr(c, addr)};
    ir_helper(c, id, c->i64, args, 3);
}

static void read_into(struct cg *c, LLVMValueRef dst, unsigned size, LLVMValueRef addr, bool user,
                      bool str)
{
    read_len(c, dst, ir_i64(c, size), addr, user, str);
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
    /* Relocated, as BPF_CORE_READ_BITFIELD_PROBED reads one: where its
     * container is, how many bytes, and the two shifts are each the running
     * kernel's. The bytes the read leaves in tmp64 above the container's
     * are shifted out. A field across its container (in a packed struct)
     * the backend cannot describe: it stays at this kernel's place. */
    LLVMValueRef p = shift + n->bit_size <= size * 8 ? core_at(c, n, as_ptr(c, base), size) : NULL;
    if (p) {
        LLVMValueRef addr = LLVMBuildAdd(c->b, base, core_info(c, p, FIELD_BYTE_OFFSET), "");
        read_len(c, c->tmp64, core_info(c, p, FIELD_BYTE_SIZE), addr, base_user(n), false);
        LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
        v = LLVMBuildShl(c->b, v, core_info(c, p, FIELD_LSHIFT_U64), "");
        LLVMValueRef r = core_info(c, p, FIELD_RSHIFT_U64);
        return n->ty.is_signed ? LLVMBuildAShr(c->b, v, r, "") : LLVMBuildLShr(c->b, v, r, "");
    }
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

/* The typed pointer n's member is in, and its offset from it: 0 from a
 * relocated access's address. */
static LLVMValueRef typed_at(struct cg *c, const struct ast_node *n, unsigned *off)
{
    LLVMValueRef base;
    if (n->arrow) {
        *off = 0;
        base = typed_ptr(c, n->a);
    } else {
        base = typed_at(c, n->a, off);
    }
    LLVMValueRef p = core_at(c, n, *off ? ir_at(c, base, *off) : base, 0);
    if (p) {
        *off = 0;
        return p;
    }
    *off += n->bit_off / 8;
    return base;
}

/* A typed load of `size` bytes at base + off. One from a relocated access
 * is a plain load, which the backend makes an instruction whose offset
 * libbpf sets (and its size, where the running kernel's member is wider or
 * narrower); else an inline asm load at the constant offset. */
static LLVMValueRef typed_load(struct cg *c, LLVMValueRef base, unsigned off, unsigned size,
                               bool is_signed)
{
    if (off || !core_call(base))
        return ir_load_at(c, base, (int)off, (int)size, is_signed);
    LLVMValueRef v = LLVMBuildLoad2(c->b, LLVMIntTypeInContext(c->ctx, size * 8), base, "");
    LLVMSetAlignment(v, size);
    if (size == 8)
        return v;
    return is_signed ? LLVMBuildSExt(c->b, v, c->i64, "") : LLVMBuildZExt(c->b, v, c->i64, "");
}

static LLVMValueRef typed_ptr(struct cg *c, const struct ast_node *n)
{
    if (n->kind == N_IDENT)
        return ir_helper(c, BPF_FUNC_get_current_task_btf, c->ptr, NULL, 0);
    unsigned off;
    LLVMValueRef base = typed_at(c, n, &off);
    return LLVMBuildIntToPtr(c->b, typed_load(c, base, off, 8, false), c->ptr, "");
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
        return typed_load(c, base, off, ty_mem_size(n->ty), n->ty.is_signed);
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
