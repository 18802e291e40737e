/* The layout of each print/printf's event: decided by the checks, before
 * codegen, and read back by the runtime to print it. */
#include "lang/event.h"

#include "lang/ast.h"
#include "lang/builtin.h"

void ev_layout(struct ev_desc *d, const struct ast_node *s, struct arena *arena)
{
    const struct ast_node *a = s->args;
    d->kind = s->bi == BI_JOIN ? EV_JOIN : EV_PRINT;
    if (s->kind == S_PRINTF) {
        d->kind = s->bi == BI_TIME     ? EV_TIME
                  : s->bi == BI_CAT    ? EV_CAT
                  : s->bi == BI_SYSTEM ? EV_SYSTEM
                                       : EV_PRINTF;
        d->fmt = fmt_copy(arena, s->fmt);
        a = a->next;
    }
    d->laid_out = true;
    for (const struct ast_node *x = a; x; x = x->next)
        d->nargs++;
    d->args = arena_alloc(arena, (d->nargs ? d->nargs : 1) * sizeof(*d->args));
    uint64_t off = sizeof(struct ev_header);
    for (int i = 0; i < d->nargs; i++, a = a->next) {
        struct ev_arg *e = &d->args[i];
        e->ty = a->ty;
        if (a->kind == N_STR) {
            e->src = EV_SRC_CONST;
            e->text = arena_strndup(arena, a->sval, a->slen);
            e->textlen = a->slen;
            continue;
        }
        if (a->kind == N_INT && !a->big) { /* a big one is sent, as unsigned */
            e->src = EV_SRC_CONST;
            e->ival = a->ival;
            continue;
        }
        if (a->kind == N_IDENT && a->bi == BI_PROBE) {
            e->src = EV_SRC_PROBE;
            continue;
        }
        e->off = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
        if (a->ty.kind == TY_JOIN) {
            /* a join() kept in a map was made with the default separator */
            const struct ast_node *sep = a->kind == N_CALL ? a->args->next : NULL;
            e->textlen = sep ? sep->slen : 1;
            e->text = arena_strndup(arena, sep ? sep->sval : " ", e->textlen);
        } else if (a->ty.kind == TY_TIME) {
            e->textlen = a->args->slen;
            e->text = arena_strndup(arena, a->args->sval, e->textlen);
        }
        off += (ty_store_size(a->ty) + 7) & ~7ull;
    }
    /* a size no ring buffer holds: codegen refuses it */
    d->size = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}
