/* Stacks and symbols: kstack and ustack as a hash of their frames, with
 * the frames kept by that hash in the plan's table in the kernel, for user
 * space to print; ksym(), usym() and func as addresses and names. A stack
 * is kept by its frames' hash, not by bpf_get_stackid(): that helper's map
 * drops a stack whose bucket another holds (-EEXIST), and a hash map of
 * 64-bit hashes loses none until it is full, which is counted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/feature.h"
#include "bpf/probe.h"
#include "codegen/cg.h"
#include "lang/builtin.h"

void stack_maps_init(struct cg *c)
{
    const struct plan *p = c->plan;
    for (int i = 0; i < p->nstacks; i++) {
        char name[32];
        snprintf(name, sizeof(name), CG_STACK_PREFIX "%d", i);
        if (!p->stacks[i].dwarf) /* those are kept in user space */
            c->map_stacks[i] = ir_map_global(c, name, 4);
    }
    if (p->nstacks)
        c->map_stack_lost = ir_map_global(c, CG_MAP_STACK_LOST, 4);
}

void stack_maps_finish(struct cg *c)
{
    const struct plan *p = c->plan;
    for (int i = 0; i < p->nstacks; i++) {
        char name[32];
        snprintf(name, sizeof(name), CG_STACK_PREFIX "%d", i);
        if (p->stacks[i].dwarf)
            continue;
        di_map(&c->di, c->map_stacks[i], name, BPF_MAP_TYPE_HASH, c->o->stack_max, 8,
               (unsigned)p->stacks[i].depth * 8);
    }
    if (p->nstacks)
        di_map(&c->di, c->map_stack_lost, CG_MAP_STACK_LOST, BPF_MAP_TYPE_ARRAY,
               (unsigned)p->nstacks, 4, 8);
}

static LLVMValueRef mul(struct cg *c, LLVMValueRef v, uint64_t k)
{
    return LLVMBuildMul(c->b, v, ir_i64(c, k), "");
}

static LLVMValueRef xorshift(struct cg *c, LLVMValueRef v, unsigned s)
{
    return LLVMBuildXor(c->b, v, LLVMBuildLShr(c->b, v, ir_i64(c, s), ""), "");
}

/* A 64-bit hash of the first n (at most depth) frames at buf: each frame
 * mixed in by a multiply and a shift, then murmur3's finalizer. Never 0,
 * which stands for a stack not kept. */
static LLVMValueRef frames_hash(struct cg *c, LLVMValueRef buf, LLVMValueRef n, int depth)
{
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(c->b), head = ir_block(c, "stack_hash"),
                      body = ir_block(c, "stack_frame"), done = ir_block(c, "stack_hashed");
    LLVMValueRef seed = ir_i64(c, 0x9e3779b97f4a7c15ull);
    LLVMBuildBr(c->b, head);
    LLVMPositionBuilderAtEnd(c->b, head);
    LLVMValueRef i = LLVMBuildPhi(c->b, c->i64, "i"), h = LLVMBuildPhi(c->b, c->i64, "h");
    /* the verifier walks the loop a frame at a time: i stays below depth */
    LLVMValueRef more =
        LLVMBuildAnd(c->b, LLVMBuildICmp(c->b, LLVMIntULT, i, n, ""),
                     LLVMBuildICmp(c->b, LLVMIntULT, i, ir_i64(c, (uint64_t)depth), ""), "");
    LLVMBuildCondBr(c->b, more, body, done);
    LLVMPositionBuilderAtEnd(c->b, body);
    LLVMValueRef at = LLVMBuildGEP2(c->b, c->i64, buf, &i, 1, "");
    LLVMValueRef f = LLVMBuildLoad2(c->b, c->i64, at, "");
    LLVMValueRef h2 = xorshift(c, mul(c, LLVMBuildXor(c->b, h, f, ""), 0xbf58476d1ce4e5b9ull), 31);
    LLVMValueRef i2 = LLVMBuildAdd(c->b, i, ir_i64(c, 1), "");
    LLVMBuildBr(c->b, head);
    LLVMValueRef iv[2] = {ir_i64(c, 0), i2}, hv[2] = {seed, h2};
    LLVMBasicBlockRef from[2] = {pre, body};
    LLVMAddIncoming(i, iv, from, 2);
    LLVMAddIncoming(h, hv, from, 2);
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef x = LLVMBuildXor(c->b, h, n, "");
    x = xorshift(c, mul(c, xorshift(c, x, 33), 0xff51afd7ed558ccdull), 33);
    x = xorshift(c, mul(c, x, 0xc4ceb9fe1a85ec53ull), 33);
    LLVMValueRef zero = LLVMBuildICmp(c->b, LLVMIntEQ, x, ir_i64(c, 0), "");
    return LLVMBuildSelect(c->b, zero, ir_i64(c, 1), x, "");
}

/* --unwind dwarf: the user stack as it is now, for user space to unwind
 * (lang/type.h's TY_STACK_CAPTURE at dst): the user registers where the task
 * entered the kernel (task_pt_regs: a syscall's, an interrupt's from user
 * mode, a uprobe's), by their DWARF numbers, and the stack's bytes from the
 * stack pointer up, a chunk at a time until one cannot be read (the
 * stack's end). A task that was not in user mode (a kernel thread) has
 * none: 0 bytes. */
void stack_capture(struct cg *c, LLVMValueRef dst)
{
    const struct arch_regs *a = arch_native();
    LLVMBuildStore(c->b, ir_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0), dst);
    LLVMValueRef task = ir_helper(c, BPF_FUNC_get_current_task_btf, c->ptr, NULL, 0);
    LLVMValueRef regs = ir_helper(c, BPF_FUNC_task_pt_regs, c->ptr, &task, 1);
    LLVMValueRef tmp = ir_scratch(c, (unsigned)a->pt_regs_size);
    LLVMValueRef rargs[3] = {tmp, ir_i64(c, (uint64_t)a->pt_regs_size), regs};
    LLVMValueRef rc = ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, rargs, 3);
    for (int i = 0; i < TY_STACK_REGS; i++) {
        LLVMValueRef v =
            i < a->ndwarf ? LLVMBuildLoad2(c->b, c->i64, ir_at(c, tmp, (unsigned)a->dwarf[i]), "")
                          : ir_i64(c, 0);
        LLVMBuildStore(c->b, v, ir_at(c, dst, 8 + 8 * (unsigned)i));
    }
    LLVMValueRef mode = LLVMBuildLoad2(c->b, c->i64, ir_at(c, tmp, (unsigned)a->mode_off), "");
    LLVMValueRef user = LLVMBuildAnd(
        c->b, LLVMBuildICmp(c->b, LLVMIntEQ, rc, ir_i64(c, 0), ""),
        LLVMBuildICmp(c->b, LLVMIntEQ, LLVMBuildAnd(c->b, mode, ir_i64(c, a->mode_mask), ""),
                      ir_i64(c, a->mode_user), ""),
        "");
    LLVMValueRef lenp = ir_at(c, dst, 8 + 8 * TY_STACK_REGS), bytes = ir_at(c, lenp, 8);
    LLVMValueRef sp = LLVMBuildLoad2(c->b, c->i64, ir_at(c, tmp, (unsigned)a->sp), "");
    LLVMBasicBlockRef done = ir_block(c, "copied"), copy = ir_block(c, "copy");
    enum { CHUNKS = TY_STACK_COPY / TY_STACK_COPY_CHUNK };
    LLVMValueRef lens[CHUNKS + 2];
    LLVMBasicBlockRef from[CHUNKS + 2];
    int n = 0;
    lens[n] = ir_i64(c, 0);
    from[n++] = LLVMGetInsertBlock(c->b);
    LLVMBuildCondBr(c->b, user, copy, done);
    LLVMPositionBuilderAtEnd(c->b, copy);
    for (unsigned k = 0; k < CHUNKS; k++) {
        unsigned off = k * TY_STACK_COPY_CHUNK;
        LLVMValueRef args[3] = {ir_at(c, bytes, off), ir_i64(c, TY_STACK_COPY_CHUNK),
                                ir_ptr(c, LLVMBuildAdd(c->b, sp, ir_i64(c, off), ""))};
        LLVMValueRef r = ir_helper(c, BPF_FUNC_probe_read_user, c->i64, args, 3);
        LLVMBasicBlockRef more = ir_block(c, "copy_more");
        lens[n] = ir_i64(c, off);
        from[n++] = LLVMGetInsertBlock(c->b);
        LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, ir_i64(c, 0), ""), more, done);
        LLVMPositionBuilderAtEnd(c->b, more);
    }
    lens[n] = ir_i64(c, TY_STACK_COPY);
    from[n++] = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, done);
    LLVMPositionBuilderAtEnd(c->b, done);
    LLVMValueRef len = LLVMBuildPhi(c->b, c->i64, "copied");
    LLVMAddIncoming(len, lens, from, (unsigned)n);
    LLVMBuildStore(c->b, len, lenp);
}

/* kstack, ustack: the stack's hash (its frames kept in the table by it),
 * then the tgid for a user stack, into 16 bytes at dst; with --unwind
 * dwarf, a user stack's copy (stack_capture) */
void stack_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    int rec = n->ty.rec;
    const struct plan_stack *st = &c->plan->stacks[rec];
    if (st->dwarf) {
        ir_loc(c, n->loc);
        stack_capture(c, dst);
        return;
    }
    unsigned size = (unsigned)st->depth * 8;
    LLVMValueRef buf = ir_scratch(c, size);
    ir_loc(c, n->loc);
    /* the helper fills what it does not copy with zeros */
    LLVMValueRef args[4] = {c->ctxv, buf, ir_i64(c, size),
                            ir_i64(c, st->user ? BPF_F_USER_STACK : 0)};
    LLVMValueRef got = ir_helper(c, BPF_FUNC_get_stack, c->i64, args, 4);
    if (!st->user && c->spec->kind->prog_type == BPF_PROG_TYPE_TRACEPOINT &&
        feature_current_task_btf()) {
        /* before 6.x a syscall's tracepoint gives its program the syscall's
         * user registers, from which the kernel has no stack to give: then
         * the current task's, from where the program runs, less the
         * helper's frames and the program's own (3) */
        struct ir_if f;
        ir_if_begin(c, LLVMBuildICmp(c->b, LLVMIntSLE, got, ir_i64(c, 0), ""), &f);
        LLVMValueRef targs[4] = {ir_helper(c, BPF_FUNC_get_current_task_btf, c->ptr, NULL, 0), buf,
                                 ir_i64(c, size), ir_i64(c, 3)};
        LLVMValueRef again = ir_helper(c, BPF_FUNC_get_task_stack, c->i64, targs, 4);
        ir_if_else(c, &f);
        got = ir_if_end(c, &f, again, got);
    }
    LLVMValueRef neg = LLVMBuildICmp(c->b, LLVMIntSLT, got, ir_i64(c, 0), "");
    LLVMValueRef frames =
        LLVMBuildSelect(c->b, neg, ir_i64(c, 0), LLVMBuildLShr(c->b, got, ir_i64(c, 3), ""), "");
    LLVMValueRef hash = frames_hash(c, buf, ir_opaque(c, frames), st->depth);
    LLVMValueRef key = ir_room(c, 8);
    LLVMBuildStore(c->b, hash, key);
    LLVMValueRef largs[2] = {c->map_stacks[rec], key};
    LLVMValueRef have = ir_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, largs, 2);
    struct ir_if f;
    ir_if_begin(c, LLVMBuildICmp(c->b, LLVMIntEQ, have, LLVMConstNull(c->ptr), ""), &f);
    LLVMValueRef uargs[4] = {c->map_stacks[rec], key, buf, ir_i64(c, BPF_NOEXIST)};
    LLVMValueRef rc = ir_helper(c, BPF_FUNC_map_update_elem, c->i64, uargs, 4);
    /* another CPU kept the same stack first: as good; a full table: lost */
    LLVMValueRef lost =
        LLVMBuildAnd(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, rc, ir_i64(c, 0), ""),
                     LLVMBuildICmp(c->b, LLVMIntNE, rc, ir_i64(c, (uint64_t)-EEXIST), ""), "");
    struct ir_if g;
    ir_if_begin(c, lost, &g);
    ir_map_bump(c, c->map_stack_lost, LLVMConstInt(c->i32, (unsigned)rec, 0));
    ir_if_else(c, &g);
    ir_if_end(c, &g, NULL, NULL);
    LLVMValueRef kept = LLVMBuildSelect(c->b, lost, ir_i64(c, 0), hash, "");
    ir_if_else(c, &f);
    LLVMValueRef h = ir_if_end(c, &f, kept, hash);
    LLVMBuildStore(c->b, h, dst);
    LLVMValueRef tgid = ir_i64(c, 0);
    if (st->user)
        tgid = LLVMBuildLShr(c->b, ir_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0),
                             ir_i64(c, 32), "");
    LLVMBuildStore(c->b, tgid, ir_at(c, dst, 8));
}

/* usym(addr): the address, then the tgid whose it is */
void stack_usym(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    LLVMBuildStore(c->b, expr_int(c, n->args), dst);
    LLVMValueRef tgid = LLVMBuildLShr(
        c->b, ir_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0), ir_i64(c, 32), "");
    LLVMBuildStore(c->b, tgid, ir_at(c, dst, 8));
}

/* func: the point's function, known when the program is made; where the
 * program serves several points, the text of the one that fired past the
 * part all share ("kprobe:", "uprobe:/bin/bash:") */
void stack_func(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    size_t len;
    const char *f = probe_target_func(c->point->target, &len);
    if (!c->shared) {
        str_literal(c, f, len, dst, size);
        return;
    }
    size_t skip = strlen(c->spec->kind->name) + 1 + (size_t)(f - c->point->target);
    builtins_probe_name(c, dst, size, (unsigned)skip);
}
