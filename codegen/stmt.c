/* Statements: print and printf as events in the ring buffer (cat() and
 * system() too: printfs that user space acts on), exit, signal(). */
#include "codegen/cg.h"
#include "lang/builtin.h"

static void gen_event(struct cg *c, const struct ast_node *s)
{
    const struct ev_desc *d = &c->plan->events[s->id];
    ir_loc(c, s->loc);
    if (c->o->inject_fault == CG_FAULT_EVERY || (c->o->inject_fault == CG_FAULT_LAST && !s->next)) {
        /* for tests of how verifier refusals are reported: a read far past
         * the end of the context, which no kernel allows */
        LLVMValueRef bad = LLVMBuildLoad2(c->b, c->i64, ir_at(c, c->ctxv, 1 << 20), "");
        LLVMSetVolatile(bad, 1);
    }
    LLVMBasicBlockRef next;
    LLVMValueRef ev = stmt_event_reserve(c, d->size, (uint32_t)s->id, &next);
    const struct ast_node *a = s->kind == S_PRINTF ? s->args->next : s->args;
    for (int i = 0; i < d->nargs; i++, a = a->next) {
        const struct ev_arg *e = &d->args[i];
        LLVMValueRef slot = ir_at(c, ev, e->off);
        if (e->src != EV_SRC_EVENT)
            continue;
        switch (e->ty.kind) {
        case TY_INT:
        case TY_PTR: LLVMBuildStore(c->b, expr_int(c, a), slot); break;
        case TY_RECORD: mem_bytes(c, a, slot); break;
        case TY_TUPLE: tuple_into(c, a, slot); break;
        case TY_TIME: LLVMBuildStore(c->b, expr_int(c, a->args->next), slot); break;
        case TY_STR: str_into(c, a, slot, e->ty.size); break;
        case TY_CGPATH: LLVMBuildStore(c->b, expr_int(c, a), slot); break;
        case TY_SYM:
            if (ty_is_word(e->ty))
                LLVMBuildStore(c->b, expr_int(c, a), slot);
            else
                bytes_into(c, a, slot);
            break;
        case TY_BUF:
        case TY_STACK:
        case TY_INET: bytes_into(c, a, slot); break;
        case TY_JOIN:
            if (a->kind == N_MAP)
                maps_read_bytes(c, a, slot);
            else
                str_join(c, a, slot, e->ty.size);
            break;
        default: break;
        }
    }
    ir_loc(c, s->loc);
    stmt_event_submit(c, ev, next);
}

LLVMValueRef stmt_event_reserve(struct cg *c, uint64_t size, uint32_t id, LLVMBasicBlockRef *next)
{
    LLVMValueRef args[3] = {c->map_events, ir_i64(c, size), ir_i64(c, 0)};
    LLVMValueRef ev = ir_helper(c, BPF_FUNC_ringbuf_reserve, c->ptr, args, 3);
    LLVMBasicBlockRef full = ir_block(c, "lost"), fill = ir_block(c, "fill");
    *next = ir_block(c, "next");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, ev, LLVMConstNull(c->ptr), ""), full,
                    fill);
    LLVMPositionBuilderAtEnd(c->b, full);
    ir_map_bump(c, c->map_lost, c->entry_idx); /* lost, counted by the probe that lost it */
    LLVMBuildBr(c->b, *next);
    LLVMPositionBuilderAtEnd(c->b, fill);
    LLVMBuildStore(c->b, ir_event_header(c, id), ev);
    return ev;
}

void stmt_event_submit(struct cg *c, LLVMValueRef ev, LLVMBasicBlockRef next)
{
    /* Waking the reader costs more than the rest of the event: leave it to
     * its 10 ms timer unless the buffer is filling up. */
    LLVMValueRef q[2] = {c->map_events, ir_i64(c, BPF_RB_AVAIL_DATA)};
    LLVMValueRef avail = ir_helper(c, BPF_FUNC_ringbuf_query, c->i64, q, 2);
    LLVMValueRef busy =
        LLVMBuildICmp(c->b, LLVMIntUGT, avail, ir_i64(c, c->o->ringbuf_size / 4), "");
    LLVMValueRef flags = LLVMBuildSelect(c->b, busy, ir_i64(c, BPF_RB_FORCE_WAKEUP),
                                         ir_i64(c, BPF_RB_NO_WAKEUP), "");
    LLVMValueRef sub[2] = {ev, flags};
    ir_helper(c, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(c->ctx), sub, 2);
    LLVMBuildBr(c->b, next);
    LLVMPositionBuilderAtEnd(c->b, next);
}

static void gen_exit(struct cg *c, const struct ast_node *s)
{
    LLVMValueRef code = s->a ? expr_int(c, s->a) : ir_i64(c, 0);
    ir_loc(c, s->loc);
    code = LLVMBuildOr(c->b, LLVMBuildAnd(c->b, code, ir_i64(c, 0xff), ""), ir_i64(c, CG_EXIT_SET),
                       "");
    LLVMBuildStore(c->b, code, c->slots); /* the gate, at the head of the slots */
    LLVMBuildBr(c->b, c->out_bb);
    /* statements after exit are dead; give them a block nothing jumps to */
    LLVMPositionBuilderAtEnd(c->b, ir_block(c, "dead"));
}

static void gen_list(struct cg *c, const struct ast_node *s)
{
    for (; s; s = s->next)
        stmt_gen(c, s);
}

/* while (c) { body }: a loop the verifier must see end, which it does by
 * following it (bounded loops, Linux 5.3): a loop it cannot bound is
 * refused at its line. */
static void gen_while(struct cg *c, const struct ast_node *s)
{
    LLVMBasicBlockRef cond = ir_block(c, "while"), body = ir_block(c, "do"),
                      done = ir_block(c, "done");
    struct cg_prog *p = &c->out->progs[c->prog];
    if (!p->has_loop) {
        p->has_loop = true;
        p->loop_at = s->loc;
    }
    ir_loc(c, s->loc);
    LLVMBuildBr(c->b, cond);
    LLVMPositionBuilderAtEnd(c->b, cond);
    LLVMBuildCondBr(c->b, expr_cond(c, s->a), body, done);
    LLVMPositionBuilderAtEnd(c->b, body);
    c->loop_cond[c->loops] = cond;
    c->loop_done[c->loops++] = done;
    gen_list(c, s->b);
    c->loops--;
    ir_loc(c, s->loc);
    LLVMBuildBr(c->b, cond);
    LLVMPositionBuilderAtEnd(c->b, done);
}

void stmt_gen(struct cg *c, const struct ast_node *s)
{
    switch (s->kind) {
    case S_EXIT: gen_exit(c, s); return;
    case S_ASSIGN:
        ir_loc(c, s->loc);
        maps_assign(c, s);
        return;
    case S_IF: {
        struct ir_if f;
        ir_loc(c, s->loc);
        ir_if_begin(c, expr_cond(c, s->a), &f);
        gen_list(c, s->b);
        ir_if_else(c, &f);
        gen_list(c, s->c);
        ir_if_end(c, &f, NULL, NULL);
        return;
    }
    case S_WHILE: gen_while(c, s); return;
    case S_FOR: foreach_gen(c, s); return;
    case S_UNROLL:
        for (int64_t i = 0; i < s->ival; i++)
            gen_list(c, s->b);
        return;
    case S_BREAK:
    case S_CONTINUE:
        ir_loc(c, s->loc);
        LLVMBuildBr(c->b,
                    s->kind == S_BREAK ? c->loop_done[c->loops - 1] : c->loop_cond[c->loops - 1]);
        /* what follows in the block is dead: a block nothing jumps to */
        LLVMPositionBuilderAtEnd(c->b, ir_block(c, "dead"));
        return;
    case S_CALL:
        ir_loc(c, s->loc);
        if (s->a->bi == BI_DELETE)
            maps_delete(c, s->a->args);
        else if (s->a->bi == BI_SIGNAL)
            builtins_signal(c, s->a);
        else
            maps_request(c, s->id); /* clear, zero */
        return;
    case S_PRINT:
        if (ast_print_is_map(s)) {
            ir_loc(c, s->loc);
            maps_request(c, s->id);
            return;
        }
        gen_event(c, s);
        return;
    default: gen_event(c, s); return;
    }
}
