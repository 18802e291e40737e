/* for ($kv : @m) { ... }: the block is a function of its own, which the
 * kernel calls once an entry of @m (bpf_for_each_map_elem, Linux 5.13), so
 * that a map of any size is gone through without a loop the verifier must
 * follow. The function makes $kv, the tuple (key, value), from the entry,
 * then runs the block; break returns 1 (stop), continue and the block's end
 * 0. The probe's context is not there (the checks refuse args and argN in
 * the block); the index of the probe's point, which events need, comes in
 * the callback's context. */
#include <stdio.h>

#include "codegen/cg.h"

/* What codegen keeps of the function being made, saved around the
 * callback's. */
struct fn_state {
    LLVMValueRef fn, ctxv, scratch, idx32, key0, tmp64, entry_idx;
    LLVMMetadataRef sp;
    LLVMBasicBlockRef entry, out_bb, at;
    unsigned stack_used;
    int loops;
};

static void save(struct cg *c, struct fn_state *s)
{
    *s = (struct fn_state){c->fn,
                           c->ctxv,
                           c->scratch,
                           c->idx32,
                           c->key0,
                           c->tmp64,
                           c->entry_idx,
                           c->sp,
                           c->entry,
                           c->out_bb,
                           LLVMGetInsertBlock(c->b),
                           c->stack_used,
                           c->loops};
}

static void restore(struct cg *c, const struct fn_state *s)
{
    c->fn = s->fn;
    c->ctxv = s->ctxv;
    c->scratch = s->scratch;
    c->idx32 = s->idx32;
    c->key0 = s->key0;
    c->tmp64 = s->tmp64;
    c->entry_idx = s->entry_idx;
    c->sp = s->sp;
    c->entry = s->entry;
    c->out_bb = s->out_bb;
    c->stack_used = s->stack_used;
    c->loops = s->loops;
    LLVMPositionBuilderAtEnd(c->b, s->at);
}

/* The callback: long NAME(map, key, value, ctx). */
static LLVMValueRef callback(struct cg *c, const struct ast_node *s, const struct plan_map *m)
{
    char name[64];
    snprintf(name, sizeof(name), "%.40s_for%d", LLVMGetValueName(c->fn), (int)s->ival);
    LLVMTypeRef params[4] = {c->ptr, c->ptr, c->ptr, c->ptr};
    LLVMValueRef fn = LLVMAddFunction(c->m, name, LLVMFunctionType(c->i64, params, 4, 0));
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    LLVMSetSection(fn, ".text");
    c->fn = fn;
    c->ctxv = NULL;
    c->sp = di_callback(&c->di, fn, name, s->loc.first_line);
    c->scratch = NULL;
    c->idx32 = NULL;
    c->stack_used = 0;
    ir_frame(c, "stop", s->loc); /* stop: exit and break, no more entries */
    LLVMBasicBlockRef next = ir_block(c, "next"), body = ir_block(c, "body");
    c->entry_idx =
        LLVMBuildTrunc(c->b, LLVMBuildLoad2(c->b, c->i64, LLVMGetParam(fn, 3), ""), c->i32, "");
    LLVMBuildBr(c->b, body);
    LLVMPositionBuilderAtEnd(c->b, c->out_bb);
    LLVMBuildRet(c->b, ir_i64(c, 1));
    LLVMPositionBuilderAtEnd(c->b, next);
    LLVMBuildRet(c->b, ir_i64(c, 0));

    LLVMPositionBuilderAtEnd(c->b, body);
    /* $kv from the entry: the key and the value where the tuple has them */
    const struct ast_node *kv = s->a;
    const struct plan_record *r = &c->plan->records[kv->ty.rec];
    LLVMValueRef slot = maps_var_slot(c, kv);
    LLVMValueRef from[2] = {LLVMGetParam(fn, 1), LLVMGetParam(fn, 2)};
    unsigned size[2] = {(unsigned)m->keys[0].ty.size, m->value_size};
    for (int i = 0; i < 2; i++) {
        LLVMValueRef at = ir_at(c, slot, r->fields[i].off);
        if (r->fields[i].ty.kind == TY_STR) {
            unsigned n =
                size[i] < (unsigned)r->fields[i].ty.size ? size[i] : (unsigned)r->fields[i].ty.size;
            LLVMValueRef args[3] = {at, ir_i64(c, n), from[i]};
            ir_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, args, 3);
        } else {
            LLVMBuildStore(c->b, LLVMBuildLoad2(c->b, c->i64, from[i], ""), at);
        }
    }
    c->loops = 0;
    c->loop_cond[c->loops] = next;
    c->loop_done[c->loops++] = c->out_bb;
    for (const struct ast_node *st = s->b; st; st = st->next)
        stmt_gen(c, st);
    LLVMBuildBr(c->b, next);
    return fn;
}

void foreach_gen(struct cg *c, const struct ast_node *s)
{
    const struct plan_map *m = &c->plan->maps[s->c->id];
    struct fn_state outer;
    save(c, &outer);
    /* the callback's context: the index of the probe's point */
    LLVMValueRef ctx = ir_alloca(c, c->i64);
    LLVMValueRef fn = callback(c, s, m);
    restore(c, &outer);
    ir_loc(c, s->loc);
    LLVMBuildStore(c->b, LLVMBuildZExt(c->b, c->entry_idx, c->i64, ""), ctx);
    LLVMValueRef args[4] = {maps_ref(c, s->c->id), fn, ctx, ir_i64(c, 0)};
    ir_helper(c, BPF_FUNC_for_each_map_elem, c->i64, args, 4);
    /* an exit in the block: the probe ends there too */
    LLVMValueRef gate = LLVMBuildLoad2(c->b, c->i64, c->slots, "gate");
    LLVMSetVolatile(gate, 1);
    LLVMBasicBlockRef go = ir_block(c, "after_for");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, gate, ir_i64(c, 0), ""), c->out_bb, go);
    LLVMPositionBuilderAtEnd(c->b, go);
}
