/* The layout of each print/printf's event: decided by the checks, before
 * codegen, and read back by the runtime to print it. */
#include "lang/event.h"

#include "lang/ast.h"
#include "lang/builtin.h"

void ev_layout(struct ev_desc *d, const struct ast_node *s, struct arena *arena)
{
    const struct ast_node *a = s->args;
    if (s->kind == S_PRINTF) {
        d->fmt = s->fmt;
        a = a->next;
    }
    d->laid_out = true;
    for (const struct ast_node *x = a; x; x = x->next)
        d->nargs++;
    d->args = arena_alloc(arena, (d->nargs ? d->nargs : 1) * sizeof(*d->args));
    uint64_t off = sizeof(struct ev_header);
    for (int i = 0; i < d->nargs; i++, a = a->next) {
        struct ev_arg *e = &d->args[i];
        e->off = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
        if (a->kind == N_STR) {
            e->kind = EA_CONST_STR;
            e->text = a->sval;
            e->textlen = a->slen;
        } else if (a->kind == N_INT && !a->big) { /* a big one is sent, as unsigned */
            e->kind = EA_CONST_INT;
            e->ival = a->ival;
        } else if (a->kind == N_IDENT && a->bi == BI_PROBE) {
            e->kind = EA_PROBE;
        } else if (a->ty.kind == TY_INT) {
            e->kind = a->ty.is_signed ? EA_INT : EA_UINT;
            e->size = 8;
        } else if (a->ty.kind == TY_STR) {
            e->kind = EA_STR;
            e->size = a->ty.size;
        } else if (a->ty.kind == TY_JOIN) {
            e->kind = EA_JOIN;
            e->size = a->ty.size;
            /* a join() kept in a map was made with the default separator */
            const struct ast_node *sep = a->kind == N_CALL ? a->args->next : NULL;
            e->text = sep ? sep->sval : " ";
            e->textlen = sep ? sep->slen : 1;
        } else {
            e->kind = EA_TIME;
            e->size = 8;
            e->text = a->args->sval;
            e->textlen = a->args->slen;
        }
        uint64_t bytes = e->kind == EA_JOIN ? 8 + EV_JOIN_MAX * (uint64_t)e->size : e->size;
        off += (bytes + 7) & ~7ull;
    }
    /* a size no ring buffer holds: codegen refuses it */
    d->size = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}
