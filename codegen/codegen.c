/* The driver: one BPF program per probe spec, the maps, and the object. */
#include "codegen/codegen.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>

#include "bpf/probe.h"
#include "codegen/cg.h"
#include "codegen/emit.h"
#include "lang/builtin.h"
#include "lang/strset.h"
#include "lang/xalloc.h"

static void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            *s = '_';
}

/* A program's name: what the kernel keeps of it (15 characters) should say
 * which point it is, so the last part of the target ("sys_enter_openat",
 * "readline"), unless that is a number (interval:s:1). */
static void prog_name(const struct probe_point *pt, char *buf, size_t n)
{
    const char *last = strrchr(pt->target, ':');
    last = last ? last + 1 : pt->target;
    if (strspn(last, "0123456789") == strlen(last))
        last = pt->target;
    snprintf(buf, n, "%s", *last ? last : pt->kind->name);
    sanitize(buf);
}

/* -p and --cgroup: events of other tasks end the program at once; a timer
 * of interval's fires in whatever task runs, and is not theirs to filter.
 * Whether a run filters is in the run's constants, not in the code, so one
 * object serves runs with and without them (a compiled script, the cache):
 * the verifier reads the frozen constant and drops the branch a run does
 * not take, so a run without -p pays nothing for it. */
static void target_filter(struct cg *c)
{
    if (c->spec->kind->untargeted)
        return;
    LLVMBasicBlockRef check = ir_block(c, "pid"), ours = ir_block(c, "pid_ok");
    LLVMValueRef pid = ir_run(c, offsetof(struct cg_run, pid));
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, pid, ir_i64(c, 0), ""), ours, check);
    LLVMPositionBuilderAtEnd(c->b, check);
    LLVMValueRef id = ir_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0);
    LLVMValueRef tgid = LLVMBuildLShr(c->b, id, ir_i64(c, 32), "");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, tgid, pid, ""), ours, c->out_bb);
    LLVMPositionBuilderAtEnd(c->b, ours);

    check = ir_block(c, "cgroup");
    ours = ir_block(c, "cgroup_ok");
    LLVMValueRef on = ir_run(c, offsetof(struct cg_run, cgroup));
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, on, ir_i64(c, 0), ""), ours, check);
    LLVMPositionBuilderAtEnd(c->b, check);
    LLVMValueRef args[2] = {c->map_cgroup, ir_i64(c, 0)};
    LLVMValueRef under = ir_helper(c, BPF_FUNC_current_task_under_cgroup, c->i64, args, 2);
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, under, ir_i64(c, 1), ""), ours, c->out_bb);
    LLVMPositionBuilderAtEnd(c->b, ours);
}

/* A point a program is made for, and the spec that named it. */
struct cg_entry {
    const struct ast_spec *spec;
    const struct probe_point *point;
};

/* One program for `count` points of one kind: more than one when the kind
 * tells them apart by the attach cookie (the index of the point's entry in
 * out->progs), which is also what `probe` and the events' header then say. */
static void gen_prog(struct cg *c, const struct ast_probe *pr, const struct cg_entry *e, int count)
{
    const struct ast_spec *sp = e[0].spec;
    const struct probe_point *pt = e[0].point;
    struct cg_prog *p = &c->out->progs[c->out->nprogs];
    c->prog = c->out->nprogs;
    c->out->nprogs += count;
    c->shared = count > 1;
    c->spec = sp;
    c->point = pt;
    c->probe = pr;
    c->var_slots = xcalloc(pr->nvars, sizeof(*c->var_slots));
    for (int i = 0; i < count; i++) {
        const struct probe_point *q = e[i].point;
        size_t len = strlen(sp->kind->name) + strlen(q->target) + 2;
        p[i].text = xmalloc(len);
        snprintf(p[i].text, len, "%s%s%s", sp->kind->name, *q->target ? ":" : "", q->target);
        p[i].loc = e[i].spec->loc;
        p[i].kind = sp->kind;
        p[i].point = q;
        p[i].shared = c->shared;
    }
    c->probe_name = p->text;
    prog_name(pt, p->name, sizeof(p->name));
    /* Two probes on one event: the later gets its index after a '.', which no
     * sanitized name has (so kprobe:BEGIN_2 stays apart from a second BEGIN),
     * cut to the 15 characters the kernel keeps of a name. */
    if (!strset_add(&c->names, p->name)) {
        char suffix[16];
        int n = snprintf(suffix, sizeof(suffix), ".%d", c->prog);
        size_t len = strlen(p->name);
        if (len > 15 - (size_t)n)
            len = 15 - n;
        snprintf(p->name + len, sizeof(p->name) - len, "%s", suffix);
    }
    sp->kind->section(pt, p->section, sizeof(p->section));
    for (int i = 1; i < count; i++) {
        memcpy(p[i].name, p->name, sizeof(p->name));
        memcpy(p[i].section, p->section, sizeof(p->section));
    }

    LLVMTypeRef fty = LLVMFunctionType(c->i32, &c->ptr, 1, 0);
    c->fn = LLVMAddFunction(c->m, p->name, fty);
    LLVMSetSection(c->fn, p->section);
    LLVMAddAttributeAtIndex(
        c->fn, LLVMAttributeFunctionIndex,
        LLVMCreateEnumAttribute(c->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
    c->ctxv = LLVMGetParam(c->fn, 0);
    LLVMSetValueName2(c->ctxv, "ctx", 3);
    c->sp = di_function(&c->di, c->fn, p->name, pr->loc.first_line);
    c->scratch = NULL;
    c->idx32 = NULL;
    c->maps_in_prog = 0;
    if (c->map_used)
        memset(c->map_used, 0, c->plan->nmaps);
    c->scratch_used = 0;
    c->stack_used = 0;
    c->typed_hops = 0;

    ir_frame(c, "out", sp->loc);
    LLVMBasicBlockRef body = ir_block(c, "body");
    c->entry_idx =
        c->shared
            ? LLVMBuildTrunc(c->b, ir_helper(c, BPF_FUNC_get_attach_cookie, c->i64, &c->ctxv, 1),
                             c->i32, "")
            : LLVMConstInt(c->i32, (unsigned)c->prog, 0);
    LLVMBuildBr(c->b, body);
    LLVMPositionBuilderAtEnd(c->b, c->out_bb);
    LLVMBuildRet(c->b, LLVMConstInt(c->i32, 0, 0));

    LLVMPositionBuilderAtEnd(c->b, body);
    if (sp->kind->when == WHEN_EVENT && pr->body) {
        /* Once a probe has run exit, or tinyprobe is stopping, the gate
         * (plan.h) is set and every probe returns at once: no event comes
         * after the exit, and the maps stay as they were then. One load
         * from the page of the slots, which aggregations touch anyway (a
         * probe that does nothing need not ask). */
        LLVMValueRef gate = LLVMBuildLoad2(c->b, c->i64, c->slots, "gate");
        LLVMSetVolatile(gate, 1);
        LLVMBasicBlockRef run = ir_block(c, "run");
        LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, gate, ir_i64(c, 0), ""), c->out_bb,
                        run);
        LLVMPositionBuilderAtEnd(c->b, run);
    }
    if (sp->kind->when == WHEN_EVENT)
        target_filter(c);
    if (pr->filter) {
        LLVMBasicBlockRef pass = ir_block(c, "pass");
        LLVMBuildCondBr(c->b, expr_cond(c, pr->filter), pass, c->out_bb);
        LLVMPositionBuilderAtEnd(c->b, pass);
    }
    for (const struct ast_node *s = pr->body; s; s = s->next)
        stmt_gen(c, s);
    free(c->var_slots);
    c->var_slots = NULL;
    int own = CG_OWN_MAPS + 1; /* and the cgroup's */
    if (c->maps_in_prog + own > CG_PROG_MAPS_MAX) {
        diag_error(c->src, sp->loc, "probe %s uses %d maps: a BPF program may use %d", sp->text,
                   c->maps_in_prog, CG_PROG_MAPS_MAX - own);
        diag_note(c->src, "split the probe's statements between probes on the same event");
    }
    LLVMBuildBr(c->b, c->out_bb);
}

/* Whether spec t's points can take spec s's program: one kind that tells
 * points apart by the attach cookie and attaches them one by one (not
 * kprobe.multi's one link for many, which is one spec's), whose points in
 * one binary of user space are not told apart by their addresses (uaddr()
 * in a uprobe on a PIE is relative to its point), each spec's points
 * reading every field at one place, and the same place in both
 * (ast_spec.group): "tracepoint:syscalls:sys_exit_open,
 * tracepoint:syscalls:sys_exit_openat" is one program, as a pattern's
 * matches are. */
static bool joins(const struct ast_spec *s, const struct ast_spec *t)
{
    const struct probe_kind *k = s->kind;
    return t->kind == k && k->cookie_shares && !k->attach_many && !(k->caps & PROBE_UBIN) &&
           !s->split && !t->split && s->group == t->group;
}

/* The programs of probe pr: one for each group of its specs that share
 * one (in the order of their first specs), one for each point of the
 * others. */
static void gen_probe(struct cg *c, const struct ast_probe *pr)
{
    int errors = c->src->errors, n = 0;
    for (const struct ast_spec *s = pr->specs; s; s = s->next)
        n += s->points.n;
    struct cg_entry *e = xcalloc(n ? n : 1, sizeof(*e));
    for (const struct ast_spec *s = pr->specs; s && c->src->errors == errors; s = s->next) {
        bool joined = false; /* to an earlier spec's program */
        for (const struct ast_spec *t = pr->specs; t != s && !joined; t = t->next)
            joined = joins(t, s);
        if (joined)
            continue;
        if (!s->kind->cookie_shares || s->split) {
            for (int i = 0; i < s->points.n && c->src->errors == errors; i++) {
                e[0] = (struct cg_entry){s, s->points.v[i]};
                gen_prog(c, pr, e, 1);
            }
            continue;
        }
        int k = 0;
        for (const struct ast_spec *t = s; t; t = t->next)
            if (t == s || joins(s, t))
                for (int i = 0; i < t->points.n; i++)
                    e[k++] = (struct cg_entry){t, t->points.v[i]};
        if (k)
            gen_prog(c, pr, e, k);
    }
    free(e);
}

/* LLVM's BPF backend copies each source line into BTF's line info, which the
 * verifier quotes in its log, and it reads those lines from the file that the
 * debug info names. A script may have no file (-e, stdin, a built-in), so it
 * gets one in memory. */
static int script_file(const char *text, char *path, size_t n)
{
    int fd = memfd_create("tinyprobe-script", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return fd;
}

static int span_cmp(const void *a, const void *b)
{
    const struct tp_loc *x = a, *y = b;
    if (x->first_line != y->first_line)
        return x->first_line < y->first_line ? -1 : 1;
    if (x->first_column != y->first_column)
        return x->first_column < y->first_column ? -1 : 1;
    if (x->last_line != y->last_line)
        return x->last_line < y->last_line ? -1 : 1;
    if (x->last_column != y->last_column)
        return x->last_column < y->last_column ? -1 : 1;
    return 0;
}

int cg_compile(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out)
{
    memset(out, 0, sizeof(*out));
    struct cg c = {.o = o, .out = out, .src = p->src, .comm_off = -1};
    char err[1024] = "";
    size_t errlen = sizeof(err);
    int errors = p->src->errors;
    struct emit_diags diags = {0};
    int rc = -1, srcfd = -1;
    LLVMTargetMachineRef tm = emit_target(err, errlen);
    if (!tm) {
        diag_file_error(p->src, "%s", err);
        return -1;
    }
    c.ctx = LLVMContextCreate();
    LLVMContextSetDiagnosticHandler(c.ctx, emit_diag_handler, &diags);
    c.m = LLVMModuleCreateWithNameInContext("tinyprobe", c.ctx);
    LLVMSetTarget(c.m, "bpfel");
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(c.m, td);
    LLVMDisposeTargetData(td);
    c.b = LLVMCreateBuilderInContext(c.ctx);
    c.i1 = LLVMInt1TypeInContext(c.ctx);
    c.i8 = LLVMInt8TypeInContext(c.ctx);
    c.i32 = LLVMInt32TypeInContext(c.ctx);
    c.i64 = LLVMInt64TypeInContext(c.ctx);
    c.ptr = LLVMPointerTypeInContext(c.ctx, 0);
    char path[64];
    srcfd = script_file(p->src->text, path, sizeof(path));
    di_init(&c.di, c.m, srcfd >= 0 ? path : p->src->name);

    c.map_events = ir_map_global(&c, CG_MAP_EVENTS, 2);
    c.map_lost = ir_map_global(&c, CG_MAP_LOST, 4);
    c.map_cgroup = ir_map_global(&c, CG_MAP_CGROUP, 4);
    c.plan = p->plan;
    out->plan = p->plan;
    out->map_size = o->map_size;
    out->stack_max = o->stack_max;
    out->ncpus = o->ncpus > 0 ? o->ncpus : 1;
    maps_init(&c);
    LLVMTypeRef lic_t = LLVMArrayType(c.i8, 4);
    LLVMValueRef lic = LLVMAddGlobal(c.m, lic_t, "_license");
    LLVMSetInitializer(lic, LLVMConstStringInContext(c.ctx, "GPL", 3, 0));
    LLVMSetSection(lic, "license");
    LLVMTypeRef run_t = LLVMArrayType(c.i64, sizeof(struct cg_run) / 8);
    c.run = LLVMAddGlobal(c.m, run_t, CG_RUN);
    LLVMSetInitializer(c.run, LLVMConstNull(run_t));
    LLVMSetGlobalConstant(c.run, 1);
    LLVMSetSection(c.run, CG_RUN_SECTION);
    LLVMSetAlignment(c.run, 8);
    di_global(&c.di, c.run, CG_RUN, sizeof(struct cg_run) / 8);

    int nprogs = 0;
    for (const struct ast_probe *pr = p->probes; pr; pr = pr->next)
        for (const struct ast_spec *s = pr->specs; s; s = s->next)
            nprogs += s->points.n;
    out->progs = xcalloc(nprogs, sizeof(*out->progs));
    /* no program is made after an error: a stage stops at its first */
    for (const struct ast_probe *pr = p->probes; pr && p->src->errors == errors; pr = pr->next)
        gen_probe(&c, pr);
    if (c.map_names) {
        size_t w = 8;
        for (int i = 0; i < out->nprogs; i++)
            if (strlen(out->progs[i].text) + 1 > w)
                w = strlen(out->progs[i].text) + 1;
        out->names_size = (unsigned)((w + 7) & ~(size_t)7);
        di_map(&c.di, c.map_names, CG_MAP_NAMES, BPF_MAP_TYPE_ARRAY, (unsigned)out->nprogs, 4,
               out->names_size);
    }

    di_map(&c.di, c.map_events, CG_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF, o->ringbuf_size, 0, 0);
    di_map(&c.di, c.map_lost, CG_MAP_LOST, BPF_MAP_TYPE_PERCPU_ARRAY, nprogs ? nprogs : 1, 4, 8);
    di_map(&c.di, c.map_cgroup, CG_MAP_CGROUP, BPF_MAP_TYPE_CGROUP_ARRAY, 1, 4, 4);
    maps_finish(&c);
    usdt_finish(&c);
    if (c.map_scratch && c.scratch_max <= SCRATCH_MAX)
        di_map(&c.di, c.map_scratch, CG_MAP_SCRATCH, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4,
               c.scratch_max);
    di_finish(&c.di);
    if (p->src->errors > errors)
        goto out;
    if (c.scratch_max > SCRATCH_MAX) {
        snprintf(err, errlen,
                 "a probe compares more strings than fit in its %d bytes of scratch "
                 "space; use shorter strings",
                 SCRATCH_MAX);
        goto out;
    }

    char *msg = NULL;
    if (LLVMVerifyModule(c.m, LLVMReturnStatusAction, &msg)) {
        snprintf(err, errlen, "internal error: the generated IR is invalid: %s", msg);
        if (o->dump_ir) {
            char *ir = LLVMPrintModuleToString(c.m);
            fputs(ir, o->dump_ir);
            LLVMDisposeMessage(ir);
        }
        LLVMDisposeMessage(msg);
        goto out;
    }
    LLVMDisposeMessage(msg);
    if (emit_optimize(c.m, tm, err, errlen))
        goto out;
    if (o->dump_ir) {
        char *ir = LLVMPrintModuleToString(c.m);
        fputs(ir, o->dump_ir);
        LLVMDisposeMessage(ir);
    }
    if (emit_buffer(c.m, tm, LLVMObjectFile, &out->obj, &out->objlen, err, errlen))
        goto out;
    if (diags.errors) {
        snprintf(err, errlen, "LLVM's BPF backend failed: %s", diags.msg);
        goto out;
    }
    rc = 0;
out:
    if (rc && *err)
        diag_file_error(p->src, "%s", err);
    if (rc == 0) {
        qsort(c.di.spans, (size_t)c.di.nspans, sizeof(*c.di.spans), span_cmp);
        int k = 0;
        for (int i = 0; i < c.di.nspans; i++)
            if (k == 0 || span_cmp(&c.di.spans[k - 1], &c.di.spans[i]))
                c.di.spans[k++] = c.di.spans[i];
        out->spans = c.di.spans;
        out->nspans = k;
    } else {
        free(c.di.spans);
    }
    strset_free(&c.names);
    if (srcfd >= 0)
        close(srcfd);
    LLVMDisposeBuilder(c.b);
    LLVMDisposeModule(c.m);
    LLVMContextDispose(c.ctx);
    LLVMDisposeTargetMachine(tm);
    return rc;
}
