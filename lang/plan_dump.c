/* -d plan: the plan as codegen and the runtime read it, one line a map,
 * event argument and request, so that a learner sees how each value is laid
 * out in the kernel's memory, and a test can check a layout without one. */
#include <stdio.h>

#include "lang/event.h"
#include "lang/plan.h"

static void dump_str(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void dump_map(const struct plan_map *m, FILE *out)
{
    char tn[256];
    fprintf(out, "map %s: ", m->name);
    if (m->array)
        fprintf(out, "no key, %u value%s", m->array_size, m->array_size == 1 ? "" : "s");
    else
        fprintf(out, "key %u bytes", m->key_size);
    if (m->agg)
        fprintf(out, ", %s() of %u bytes a CPU", plan_agg_name(m->agg), m->value_size);
    else
        fprintf(out, ", value %s of %u bytes", ty_name(m->value, tn, sizeof(tn)), m->value_size);
    if (m->array)
        fprintf(out, m->in_slots ? ", in the slots at +%u\n" : ", in a per-CPU array map\n",
                m->slot_off);
    else if (m->cache_n)
        fprintf(out, ", a hash map with a cache of %u slots at +%u\n", m->cache_n, m->slot_off);
    else
        fprintf(out, ", a hash map\n");
    for (int k = 0; k < m->nkeys; k++)
        fprintf(out, "  key %d: %s at %u\n", k + 1, ty_name(m->keys[k].ty, tn, sizeof(tn)),
                m->keys[k].off);
    if ((m->agg == AGG_HIST || m->agg == AGG_LHIST) && !m->array)
        fprintf(out, "  bucket: uint64 at %u\n", m->user_key_size);
}

static void dump_event(int id, const struct ev_desc *d, FILE *out)
{
    static const char *const kinds[] = {
        [EV_PRINT] = "print", [EV_PRINTF] = "printf", [EV_TIME] = "time",
        [EV_JOIN] = "join",   [EV_CAT] = "cat",       [EV_SYSTEM] = "system"};
    char tn[256];
    fprintf(out, "event %d: %s, %u bytes\n", id, kinds[d->kind], d->size);
    for (int i = 0; i < d->nargs; i++) {
        const struct ev_arg *a = &d->args[i];
        fprintf(out, "  arg %d: ", i + 1);
        switch (a->src) {
        case EV_SRC_PROBE: fputs("the probe's name, from the header\n", out); continue;
        case EV_SRC_CONST:
            if (a->ty.kind == TY_INT)
                fprintf(out, "%lld, a constant\n", (long long)a->ival);
            else {
                dump_str(out, a->text, a->textlen);
                fputs(", a constant\n", out);
            }
            continue;
        case EV_SRC_EVENT: break;
        }
        fprintf(out, "%s at %u", ty_name(a->ty, tn, sizeof(tn)), a->off);
        if (a->ty.kind == TY_JOIN || a->ty.kind == TY_TIME) {
            fputs(a->ty.kind == TY_JOIN ? ", joined by " : ", as ", out);
            dump_str(out, a->text, a->textlen);
        }
        fputc('\n', out);
    }
}

static void dump_record(int id, const struct plan_record *r, FILE *out)
{
    fprintf(out, "record %d: %s, %u bytes\n", id, r->name, r->size);
    for (int i = 0; i < r->nfields; i++) {
        const struct plan_field *f = &r->fields[i];
        char tn[256];
        if (f->ty.kind == TY_RECORD)
            snprintf(tn, sizeof(tn), "record %d", f->ty.rec);
        else if (f->ty.kind == TY_PTR)
            snprintf(tn, sizeof(tn), "pointer");
        else
            ty_name(f->ty, tn, sizeof(tn));
        fprintf(out, "  %s: %s", f->name, tn);
        if (f->count)
            fprintf(out, "[%u]", f->count);
        fprintf(out, " at %u", f->off);
        if (f->bit_size)
            fprintf(out, ", bits %u to %u", f->bit_off, f->bit_off + f->bit_size - 1);
        fputc('\n', out);
    }
}

void plan_dump(const struct plan *p, FILE *out)
{
    for (int i = 0; i < p->nrecords; i++)
        dump_record(i, &p->records[i], out);
    static const char *const reqs[] = {
        [REQ_PRINT] = "print", [REQ_CLEAR] = "clear", [REQ_ZERO] = "zero"};
    for (int i = 0; i < p->nmaps; i++)
        dump_map(&p->maps[i], out);
    for (int i = 0; i < p->nevents; i++)
        if (p->events[i].laid_out)
            dump_event(i, &p->events[i], out);
    for (int i = 0; i < p->nreqs; i++) {
        fprintf(out, "request %d: %s %s", i, reqs[p->reqs[i].kind], p->maps[p->reqs[i].map].name);
        if (p->reqs[i].top)
            fprintf(out, ", the top %lld", (long long)p->reqs[i].top);
        fputc('\n', out);
    }
    fprintf(out, "slots: %u bytes a CPU\n", p->slots_block);
}
