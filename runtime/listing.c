#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/bpfobj.h"
#include "bpf/kallsyms.h"
#include "lang/plan.h"
#include "lang/xalloc.h"
#include "runtime/listing.h"

static const struct listing_style plain = {
    .insn = {"", "", "", ""},
    .title = "",
    .gutter = "",
    .script = "",
    .caret = "",
    .reason = "",
    .reset = "",
};

/* the colours compilers and git use: bold text, green carets, red reasons */
static const struct listing_style colored = {
    .insn = {"\033[36m", "\033[35m", "\033[33m", "\033[0m"},
    .title = "\033[1m",
    .gutter = "\033[34m",
    .script = "\033[1m",
    .caret = "\033[1;32m",
    .reason = "\033[1;31m",
    .reset = "\033[0m",
};

void listing_init(struct listing *l, FILE *out, enum listing_color c, const struct diag_src *src,
                  const struct cg_output *cg)
{
    bool on = c == LISTING_ALWAYS || (c == LISTING_AUTO && isatty(fileno(out)));
    *l = (struct listing){.dest = out, .st = on ? &colored : &plain, .src = src, .cg = cg};
    l->out = open_memstream(&l->mem, &l->memlen);
    if (!l->out)
        l->out = out; /* no memory for a buffer: written as it comes */
}

void listing_flush(struct listing *l)
{
    if (l->out == l->dest || fflush(l->out))
        return;
    fwrite(l->mem, 1, l->memlen, l->dest);
    rewind(l->out);
}

int listing_done(struct listing *l)
{
    listing_flush(l);
    if (l->out != l->dest)
        fclose(l->out);
    free(l->mem);
    l->out = l->dest;
    l->mem = NULL;
    return fflush(l->dest) || ferror(l->dest) ? -1 : 0;
}

/* The place codegen made code for that starts at (line, col): the shortest,
 * the most particular part; its last column on that line, or col. */
static int span_end(const struct listing *l, int line, int col, int len)
{
    const struct cg_output *cg = l->cg;
    int lo = 0, hi = cg ? cg->nspans : 0;
    while (lo < hi) { /* the first at or after (line, col) */
        int mid = lo + (hi - lo) / 2;
        const struct tp_loc *s = &cg->spans[mid];
        if (s->first_line < line || (s->first_line == line && s->first_column < col))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!cg || lo >= cg->nspans || cg->spans[lo].first_line != line ||
        cg->spans[lo].first_column != col)
        return col;
    const struct tp_loc *s = &cg->spans[lo]; /* sorted: the shortest comes first */
    return s->last_line == line && s->last_column >= col ? s->last_column : len;
}

void listing_place(struct listing *l, int line, int col, const char *text)
{
    if (line == l->line && col == l->col)
        return;
    const struct listing_style *st = l->st;
    int len = 0;
    const char *s = line > 0 ? diag_line(l->src, line, &len) : NULL;
    /* past the script's end diag_line gives "" (no line that made code is
     * empty): quote the object's copy */
    if ((!s || len == 0) && text) {
        s = text;
        len = (int)strcspn(text, "\n");
    }
    if (!s)
        return;
    /* the line again, unless it was just shown without a caret */
    unsigned parts = line != l->line || l->col != 0 ? DIAG_QUOTE_TEXT : 0;
    if (col >= 1 && col <= len + 1)
        parts |= DIAG_QUOTE_CARET;
    struct diag_colors c = {st->gutter, st->script, st->caret, st->reset};
    diag_quote(l->out, line, s, len, col, span_end(l, line, col, len), parts, &c);
    l->line = line;
    l->col = col;
}

void listing_title(struct listing *l, int prog, int ninsns)
{
    const struct cg_prog *p = &l->cg->progs[prog];
    int more = 0;
    for (int i = prog + 1; i < l->cg->nprogs && strcmp(l->cg->progs[i].name, p->name) == 0; i++)
        more++;
    fprintf(l->out, "%s%s", l->st->title, p->text);
    if (more)
        fprintf(l->out, " and %d more point%s", more, more > 1 ? "s" : "");
    fprintf(l->out, ": program %s, %d instruction%s%s\n", p->name, ninsns, ninsns == 1 ? "" : "s",
            l->st->reset);
    l->line = l->col = 0;
}

/* What the listing knows of one program's names. */
struct names {
    const struct listing *l;
    const struct probe_point *pt;
    char *const *loads; /* by instruction: the object's relocation names */
    /* the kernel's: maps by id, and its functions by address */
    const uint32_t *map_ids;
    const char *const *map_names;
    int nmaps;
    const struct kallsyms *ks;
    uint64_t call_base;
    char buf[160];
};

/* an object's map as the script names it: m3 is @start */
static const char *script_name(const struct listing *l, const char *name, char *buf, size_t n)
{
    /* the kernel names a data section's map after the object and the
     * section ("tinyprob.bss"): name it after the one global there */
    const char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, PLAN_SLOTS_SECTION) == 0)
        return CG_SLOTS;
    if (dot && strcmp(dot, CG_RUN_SECTION) == 0)
        return CG_RUN;
    const struct plan *plan = l->cg ? l->cg->plan : NULL;
    size_t k = strlen(CG_MAP_PREFIX);
    if (plan && strncmp(name, CG_MAP_PREFIX, k) == 0 && name[k] >= '0' && name[k] <= '9') {
        char *end;
        long i = strtol(name + k, &end, 10);
        if (*end == 0 && i < plan->nmaps) {
            snprintf(buf, n, "%s", plan->maps[i].name);
            return buf;
        }
    }
    return name;
}

static const char *name_load(void *ctx, int i, const struct bpf_insn *in)
{
    struct names *nm = ctx;
    if (nm->loads)
        return nm->loads[i] ? script_name(nm->l, nm->loads[i], nm->buf, sizeof(nm->buf)) : NULL;
    if (in->src_reg != BPF_PSEUDO_MAP_FD && in->src_reg != BPF_PSEUDO_MAP_VALUE)
        return NULL;
    for (int k = 0; k < nm->nmaps; k++)
        if (nm->map_ids[k] == (uint32_t)in->imm) {
            char name[128];
            snprintf(name, sizeof(name), "%s",
                     script_name(nm->l, nm->map_names[k], nm->buf, sizeof(nm->buf)));
            int off = in[1].imm;
            if (in->src_reg == BPF_PSEUDO_MAP_VALUE && off)
                snprintf(nm->buf, sizeof(nm->buf), "%s + %d", name, off);
            else
                snprintf(nm->buf, sizeof(nm->buf), "%s", name);
            return nm->buf;
        }
    return NULL;
}

/* the kernel's calls are to addresses, from __bpf_call_base */
static const char *name_call(void *ctx, int i, const struct bpf_insn *in)
{
    struct names *nm = ctx;
    (void)i;
    if (!nm->ks || !nm->call_base || in->src_reg == BPF_PSEUDO_CALL)
        return NULL;
    uint64_t off;
    const struct kallsyms_sym *s = kallsyms_find(nm->ks, nm->call_base + (int64_t)in->imm, &off);
    if (!s || off)
        return NULL;
    return kallsyms_name(nm->ks, s);
}

static const char *name_field(void *ctx, int off, int size)
{
    struct names *nm = ctx;
    return probe_ctx_name(nm->pt, off, size, nm->buf, sizeof(nm->buf));
}

/* One program: under each place its script line, then its instructions. */
static void list_prog(struct listing *l, int prog, const struct bpf_insn *insns, int n,
                      const struct bpfobj_line *lines, int nlines, struct names *nm)
{
    listing_title(l, prog, n);
    uint16_t *ctx = xcalloc(n ? (size_t)n : 1, sizeof(*ctx));
    disasm_ctx_regs(insns, n, ctx);
    struct disasm_names dn = {nm, name_load, name_call, name_field};
    int width = 1;
    for (int k = n - 1; k >= 10; k /= 10)
        width++;
    /* the functions the program calls, appended after it: each titled */
    const char **callee = xcalloc(n ? (size_t)n : 1, sizeof(*callee));
    for (int i = 0; i < n; i++) {
        int t = disasm_callee(insns, n, i);
        if (t >= 0 && !callee[t])
            callee[t] = nm->loads && nm->loads[i] ? nm->loads[i] : "";
    }
    int li = 0;
    for (int i = 0; i < n;) {
        while (li + 1 < nlines && lines[li + 1].insn <= i)
            li++;
        if (callee[i]) {
            fprintf(l->out, "%sfunction %s%s(called from the program, numbered after it)%s\n",
                    l->st->title, callee[i], *callee[i] ? " " : "", l->st->reset);
            l->line = l->col = 0;
        }
        if (li < nlines && lines[li].insn <= i)
            listing_place(l, lines[li].line, lines[li].col, lines[li].text);
        struct disasm_line d;
        int slots = disasm_insn(insns, n, i, ctx[i], &dn, &l->st->insn, &d);
        fprintf(l->out, "%*s%*d: %s", 6 - width > 0 ? 6 - width : 0, "", width, i, d.text);
        if (d.note[0])
            fprintf(l->out, "%*s; %s", d.width < 34 ? 34 - d.width : 2, "", d.note);
        fputc('\n', l->out);
        i += slots;
    }
    fputc('\n', l->out);
    listing_flush(l);
    free(callee);
    free(ctx);
}

int listing_asm(struct listing *l)
{
    struct bpfobj o;
    char why[256];
    if (bpfobj_read(l->cg->obj, l->cg->objlen, &o, why, sizeof(why))) {
        diag_sys_error(NULL, "internal error: the generated object cannot be listed: %s", why);
        return -1;
    }
    for (int i = 0; i < l->cg->nprogs; i++) {
        if (i > 0 && strcmp(l->cg->progs[i].name, l->cg->progs[i - 1].name) == 0)
            continue;
        const struct bpfobj_prog *p = bpfobj_find(&o, l->cg->progs[i].name);
        if (!p)
            continue;
        struct names nm = {.l = l, .pt = l->cg->progs[i].point, .loads = p->names};
        list_prog(l, i, p->insns, p->n, p->lines, p->nlines, &nm);
    }
    bpfobj_free(&o);
    return 0;
}

/* A loaded program's instructions and line info, as the kernel keeps them. */
static int xlated(int fd, struct bpf_insn **insns, int *n, struct bpf_line_info **li, int *nli)
{
    struct bpf_prog_info info = {0};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len))
        return -1;
    uint32_t count = info.xlated_prog_len / sizeof(struct bpf_insn), nlines = info.nr_line_info;
    *insns = xcalloc(count ? count : 1, sizeof(**insns));
    *li = xcalloc(nlines ? nlines : 1, sizeof(**li));
    struct bpf_prog_info again = {
        .xlated_prog_len = count * sizeof(struct bpf_insn),
        .xlated_prog_insns = (uint64_t)(uintptr_t)*insns,
        .nr_line_info = nlines,
        .line_info_rec_size = sizeof(struct bpf_line_info),
        .line_info = (uint64_t)(uintptr_t)*li,
    };
    len = sizeof(again);
    if (bpf_obj_get_info_by_fd(fd, &again, &len))
        return -1;
    /* the program cannot change, but bound what is read by what was made */
    *n = (int)(again.xlated_prog_len / sizeof(struct bpf_insn) < count
                   ? again.xlated_prog_len / sizeof(struct bpf_insn)
                   : count);
    *nli = (int)(again.nr_line_info < nlines ? again.nr_line_info : nlines);
    return 0;
}

int listing_xlated(struct listing *l, struct bpf_object *obj, struct bpf_program *const *progs)
{
    struct kallsyms ks = {0};
    char why[256];
    uint64_t base = 0;
    bool have_ks = kallsyms_load(&ks, NULL, why, sizeof(why)) == 0;
    if (have_ks && kallsyms_addr("__bpf_call_base", &base, why, sizeof(why)))
        base = 0;
    /* the object's maps by their kernel ids */
    uint32_t ids[512];
    const char *names[512];
    int nmaps = 0;
    struct bpf_map *m;
    bpf_object__for_each_map(m, obj)
    {
        struct bpf_map_info info = {0};
        __u32 len = sizeof(info);
        if (nmaps < 512 && bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len) == 0) {
            ids[nmaps] = info.id;
            names[nmaps++] = bpf_map__name(m);
        }
    }
    int rc = 0;
    for (int i = 0; i < l->cg->nprogs && rc == 0; i++) {
        if (i > 0 && progs[i] == progs[i - 1])
            continue;
        struct bpf_insn *insns = NULL;
        struct bpf_line_info *li = NULL;
        int n = 0, nli = 0;
        if (xlated(bpf_program__fd(progs[i]), &insns, &n, &li, &nli)) {
            diag_sys_error(NULL, "cannot read back program %s from the kernel: %s",
                           l->cg->progs[i].name, strerror(errno));
            rc = -1;
        } else {
            struct bpfobj_line *lines = xcalloc(nli ? (size_t)nli : 1, sizeof(*lines));
            for (int k = 0; k < nli; k++)
                lines[k] = (struct bpfobj_line){(int)li[k].insn_off, (int)(li[k].line_col >> 10),
                                                (int)(li[k].line_col & 0x3ff), NULL};
            struct names nm = {.l = l,
                               .pt = l->cg->progs[i].point,
                               .map_ids = ids,
                               .map_names = names,
                               .nmaps = nmaps,
                               .ks = have_ks ? &ks : NULL,
                               .call_base = base};
            list_prog(l, i, insns, n, lines, nli, &nm);
            free(lines);
        }
        free(insns);
        free(li);
    }
    if (have_ks)
        kallsyms_free(&ks);
    return rc;
}
