/* Codegen of builtins and functions: one hook per row of lang/builtin.c's
 * table, by the same id. A builtin's value is an integer (int_hook) or a
 * string written into a slot (str_hook), or bytes that user space makes text
 * of (bytes_hook: ntop(), buf()); join() and strftime() are laid out in the
 * event itself (stmt.c), since only user space can finish them. */
#include <string.h>

#include <stdio.h>

#include "bpf/arch.h"
#include "bpf/feature.h"
#include "bpf/kbtf.h"
#include "bpf/probe.h"
#include "codegen/cg.h"
#include "lang/builtin.h"

static LLVMValueRef gen_pid_tgid(struct cg *c, bool high)
{
    LLVMValueRef v = ir_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0);
    return high ? LLVMBuildLShr(c->b, v, ir_i64(c, 32), "")
                : LLVMBuildAnd(c->b, v, ir_i64(c, 0xffffffff), "");
}

static LLVMValueRef gen_uid_gid(struct cg *c, bool high)
{
    LLVMValueRef v = ir_helper(c, BPF_FUNC_get_current_uid_gid, c->i64, NULL, 0);
    return high ? LLVMBuildLShr(c->b, v, ir_i64(c, 32), "")
                : LLVMBuildAnd(c->b, v, ir_i64(c, 0xffffffff), "");
}

static LLVMValueRef gen_pid(struct cg *c, const struct ast_node *n)
{
    return gen_pid_tgid(c, true);
}

static LLVMValueRef gen_tid(struct cg *c, const struct ast_node *n)
{
    return gen_pid_tgid(c, false);
}

static LLVMValueRef gen_uid(struct cg *c, const struct ast_node *n)
{
    return gen_uid_gid(c, false);
}

static LLVMValueRef gen_gid(struct cg *c, const struct ast_node *n)
{
    return gen_uid_gid(c, true);
}

static LLVMValueRef gen_nsecs(struct cg *c, const struct ast_node *n)
{
    return ir_helper(c, BPF_FUNC_ktime_get_ns, c->i64, NULL, 0);
}

static LLVMValueRef gen_cpu(struct cg *c, const struct ast_node *n)
{
    return ir_helper(c, BPF_FUNC_get_smp_processor_id, c->i64, NULL, 0);
}

/* argN and retval: where the probe's kind says they are in its context */
static LLVMValueRef gen_arg(struct cg *c, const struct ast_node *n)
{
    if (c->spec->kind->args_usdt)
        return usdt_arg(c, (int)n->ival);
    return ir_ctx_load(c, c->spec->kind->ctx_offset(c->point, (int)n->ival), 8, false);
}

static LLVMValueRef gen_retval(struct cg *c, const struct ast_node *n)
{
    return ir_ctx_load(c, c->spec->kind->ctx_offset(c->point, 0), 8, false);
}

/* elapsed: ns since tinyprobe started, on the clock nsecs reads */
static LLVMValueRef gen_elapsed(struct cg *c, const struct ast_node *n)
{
    return LLVMBuildSub(c->b, gen_nsecs(c, n), ir_run(c, offsetof(struct cg_run, start_ns)), "");
}

static LLVMValueRef gen_cgroup(struct cg *c, const struct ast_node *n)
{
    return ir_helper(c, BPF_FUNC_get_current_cgroup_id, c->i64, NULL, 0);
}

/* ppid: current->real_parent->tgid, at offsets from the kernel's BTF,
 * relocated (mem.c) so that they are the running kernel's */
static LLVMValueRef gen_ppid(struct cg *c, const struct ast_node *n)
{
    char why[160];
    int psize, tsize;
    int parent = kbtf_member("task_struct", "real_parent", &psize, why, sizeof(why));
    int tgid = parent < 0 ? -1 : kbtf_member("task_struct", "tgid", &tsize, why, sizeof(why));
    if (parent < 0 || tgid < 0 || psize != 8 || tsize != 4) {
        if (parent >= 0 && tgid >= 0)
            snprintf(why, sizeof(why), "task_struct's real_parent or tgid is not as expected");
        diag_error(c->src, n->loc, "ppid cannot be read on this kernel: %s", why);
        return ir_i64(c, 0);
    }
    unsigned task_t = kbtf_find_record("task_struct", false);
    LLVMValueRef task = ir_helper(c, BPF_FUNC_get_current_task, c->i64, NULL, 0);
    LLVMBuildStore(c->b, ir_i64(c, 0), c->tmp64);
    LLVMValueRef at = mem_core_member(c, ir_ptr(c, task), task_t, "real_parent", 0);
    LLVMValueRef args[3] = {c->tmp64, ir_i64(c, 8),
                            at ? at : ir_ptr(c, LLVMBuildAdd(c->b, task, ir_i64(c, parent), ""))};
    ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, args, 3);
    LLVMValueRef p = LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
    LLVMBuildStore(c->b, ir_i64(c, 0), c->tmp64);
    args[1] = ir_i64(c, 4);
    at = mem_core_member(c, ir_ptr(c, p), task_t, "tgid", 0);
    args[2] = at ? at : ir_ptr(c, LLVMBuildAdd(c->b, p, ir_i64(c, tgid), ""));
    ir_helper(c, BPF_FUNC_probe_read_kernel, c->i64, args, 3);
    return LLVMBuildLoad2(c->b, c->i64, c->tmp64, "");
}

static LLVMValueRef gen_cpid(struct cg *c, const struct ast_node *n)
{
    return ir_run(c, offsetof(struct cg_run, cpid));
}

/* target: -p's pid, else -c's command's, else 0; both constants of the
 * run, which the verifier folds */
static LLVMValueRef gen_target(struct cg *c, const struct ast_node *n)
{
    LLVMValueRef pid = ir_run(c, offsetof(struct cg_run, pid));
    return LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntNE, pid, ir_i64(c, 0), ""), pid,
                           gen_cpid(c, n), "");
}

/* comm: two loads from the current task_struct where the kernel's BTF says
 * where comm is, else a helper call that copies it byte by byte. The kernel
 * pads comm with NULs (strscpy_pad), so either way the 16 bytes compare
 * equal for equal names, as map keys must. */
static void gen_comm(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    if (c->comm_off == -1) {
        char why[160];
        int csize = 0;
        int off = feature_current_task_btf()
                      ? kbtf_member("task_struct", "comm", &csize, why, sizeof(why))
                      : -1;
        c->comm_off = off >= 0 && csize == 16 ? off : -2;
    }
    if (size < 16 || c->comm_off < 0) {
        LLVMValueRef args[2] = {dst, ir_i64(c, size < 16 ? size : 16)};
        ir_helper(c, BPF_FUNC_get_current_comm, c->i64, args, 2);
        return;
    }
    LLVMValueRef task = ir_helper(c, BPF_FUNC_get_current_task_btf, c->ptr, NULL, 0);
    /* relocated (mem.c): each load's offset is the running kernel's comm,
     * and its 8th byte */
    unsigned task_t = kbtf_find_record("task_struct", false);
    struct kbtf_member m;
    LLVMValueRef comm =
        kbtf_member_find(task_t, "comm", &m) ? mem_core_member(c, task, task_t, "comm", 0) : NULL;
    for (unsigned i = 0; i < 2; i++) {
        LLVMValueRef at = comm ? mem_core_index(c, comm, m.type, 8 * i) : NULL;
        LLVMValueRef v;
        if (at) {
            v = LLVMBuildLoad2(c->b, c->i64, at, "");
            LLVMSetAlignment(v, 8);
        } else {
            v = ir_load_at(c, task, c->comm_off + 8 * (int)i, 8, false);
        }
        LLVMBuildStore(c->b, v, ir_at(c, dst, 8 * i));
    }
}

void builtins_probe_name(struct cg *c, LLVMValueRef dst, unsigned size, unsigned skip)
{
    if (!c->map_names)
        c->map_names = ir_map_global(c, CG_MAP_NAMES, 4);
    LLVMValueRef largs[2] = {c->map_names, ir_index(c, c->entry_idx)};
    LLVMValueRef name = ir_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, largs, 2);
    struct ir_if f;
    ir_if_begin(c, LLVMBuildICmp(c->b, LLVMIntNE, name, LLVMConstNull(c->ptr), ""), &f);
    LLVMValueRef cargs[3] = {dst, ir_i64(c, size), ir_at(c, name, skip)};
    ir_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, cargs, 3);
    ir_if_else(c, &f);
    LLVMBuildStore(c->b, LLVMConstInt(c->i8, 0, 0), dst);
    ir_if_end(c, &f, NULL, NULL);
}

/* probe: the point of the program, known when it is generated; which point
 * fired, in a shared program: its text, from the names the runtime filled in */
static void gen_probe(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    if (!c->shared) {
        str_literal(c, c->probe_name, strlen(c->probe_name), dst, size);
        return;
    }
    builtins_probe_name(c, dst, size, 0);
}

/* reg("name"): the register at the offset the checks found, in the
 * context, which is the registers (pt_regs; a perf event's starts with
 * them) */
static LLVMValueRef gen_reg(struct cg *c, const struct ast_node *n)
{
    return ir_ctx_load(c, (int)n->ival, 8, false);
}

/* uaddr("name") in a position-independent file: where the process loaded
 * it (the uprobe's ip, less the probed instruction's linked address) plus
 * the symbol's linked address */
static LLVMValueRef gen_uaddr(struct cg *c, const struct ast_node *n)
{
    LLVMValueRef ip = ir_ctx_load(c, arch_reg_offset("ip"), 8, false);
    return LLVMBuildAdd(c->b, LLVMBuildSub(c->b, ip, ir_i64(c, c->point->addr), ""),
                        ir_i64(c, (uint64_t)n->ival), "");
}

/* ksym(addr): the address; user space finds its symbol when it prints it */
static LLVMValueRef gen_ksym(struct cg *c, const struct ast_node *n)
{
    return expr_int(c, n->args);
}

/* str(p [, n]): from user or kernel memory, as the address says */
static void gen_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    const struct ast_node *a = n->args;
    if (a->ty.kind == TY_STR) {
        str_into(c, a, dst, size);
        return;
    }
    LLVMValueRef addr = expr_int(c, a), len = ir_i64(c, size);
    bool typed = a->ty.kind == TY_PTR;
    if (a->next) {
        /* at most n characters; the verifier must see the bound */
        LLVMValueRef want = expr_int(c, a->next);
        len = ir_bounded(c, LLVMBuildAdd(c->b, want, ir_i64(c, 1), ""), size);
    }
    ir_loc(c, n->loc);
    if (!typed) { /* an integer: where it points, the address says */
        ir_read_mem(c, dst, len, addr, true);
        return;
    }
    /* a pointer's type says where it points, whatever the address */
    LLVMValueRef args[3] = {dst, len, ir_ptr(c, addr)};
    ir_helper(c, a->ty.user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str, c->i64,
              args, 3);
}

static LLVMValueRef gen_curtask(struct cg *c, const struct ast_node *n)
{
    return ir_helper(c, BPF_FUNC_get_current_task, c->i64, NULL, 0);
}

/* kptr(p), uptr(p): the address itself; reads tell kernel from user memory
 * by the address */
static LLVMValueRef gen_ptr_mark(struct cg *c, const struct ast_node *n)
{
    return expr_int(c, n->args);
}

static LLVMValueRef gen_strncmp(struct cg *c, const struct ast_node *n)
{
    const struct ast_node *a = n->args, *b = a->next;
    return str_ncmp(c, a, b, (uint64_t)b->next->ival);
}

static LLVMValueRef gen_strcontains(struct cg *c, const struct ast_node *n)
{
    return str_contains(c, n->args, n->args->next);
}

/* cgroup_path(id): the id; user space finds its path when it prints it */
static LLVMValueRef gen_cgroup_path(struct cg *c, const struct ast_node *n)
{
    return expr_int(c, n->args);
}

void builtins_signal(struct cg *c, const struct ast_node *call)
{
    LLVMValueRef sig = LLVMBuildTrunc(c->b, expr_int(c, call->args), c->i32, "");
    ir_loc(c, call->loc);
    ir_helper(c, BPF_FUNC_send_signal, c->i64, &sig, 1);
}

typedef LLVMValueRef (*int_hook)(struct cg *c, const struct ast_node *n);
typedef void (*str_hook)(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
typedef void (*bytes_hook)(struct cg *c, const struct ast_node *n, LLVMValueRef dst);

static const struct {
    int_hook int_value;
    str_hook str_value;
    bytes_hook bytes_value;
} hooks[BI__COUNT] = {
    [BI_PID] = {.int_value = gen_pid},
    [BI_TID] = {.int_value = gen_tid},
    [BI_UID] = {.int_value = gen_uid},
    [BI_GID] = {.int_value = gen_gid},
    [BI_NSECS] = {.int_value = gen_nsecs},
    [BI_CPU] = {.int_value = gen_cpu},
    [BI_ARG] = {.int_value = gen_arg},
    [BI_RETVAL] = {.int_value = gen_retval},
    [BI_ELAPSED] = {.int_value = gen_elapsed},
    [BI_CGROUP] = {.int_value = gen_cgroup},
    [BI_PPID] = {.int_value = gen_ppid},
    [BI_COMM] = {.str_value = gen_comm},
    [BI_CPID] = {.int_value = gen_cpid},
    [BI_TARGET] = {.int_value = gen_target},
    [BI_PROBE] = {.str_value = gen_probe},
    [BI_STR] = {.str_value = gen_str},
    [BI_NTOP] = {.bytes_value = bytes_ntop},
    [BI_BUF] = {.bytes_value = bytes_buf},
    [BI_STRNCMP] = {.int_value = gen_strncmp},
    [BI_STRCONTAINS] = {.int_value = gen_strcontains},
    [BI_KPTR] = {.int_value = gen_ptr_mark},
    [BI_UPTR] = {.int_value = gen_ptr_mark},
    [BI_CGROUP_PATH] = {.int_value = gen_cgroup_path},
    [BI_CURTASK] = {.int_value = gen_curtask},
    [BI_KSTACK] = {.bytes_value = stack_into},
    [BI_USTACK] = {.bytes_value = stack_into},
    [BI_KSTACK_F] = {.bytes_value = stack_into},
    [BI_USTACK_F] = {.bytes_value = stack_into},
    [BI_FUNC] = {.str_value = stack_func},
    [BI_KSYM] = {.int_value = gen_ksym},
    [BI_USYM] = {.bytes_value = stack_usym},
    [BI_REG] = {.int_value = gen_reg},
    [BI_UADDR] = {.int_value = gen_uaddr},
};

LLVMValueRef builtins_int(struct cg *c, const struct ast_node *n)
{
    return hooks[n->bi].int_value(c, n);
}

void builtins_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size)
{
    hooks[n->bi].str_value(c, n, dst, size);
}

void builtins_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst)
{
    hooks[n->bi].bytes_value(c, n, dst);
}
