/* kprobe:FUNCTION and kretprobe:FUNCTION, FUNCTION perhaps a pattern: any
 * kernel function, at its entry (arguments in registers) or its return. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/arch.h"
#include "bpf/feature.h"
#include "bpf/kbtf.h"
#include "bpf/kinds.h"
#include "bpf/ksyms.h"
#include "lang/xalloc.h"

static int kp_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                     struct probe_err *err)
{
    if (!target || !*target || strchr(target, ':')) {
        probe_errf(err, "a %s is written %s:FUNCTION", k->name, k->name);
        return -1;
    }
    if (!probe_is_pattern(target)) {
        bool traceable;
        int r = ksyms_find(target, &traceable);
        if (r != 0) { /* there, or cannot tell: the kernel will say at attach */
            probe_point_add(out, k, target)->nargs = ARCH_MAX_ARGS;
            return 0;
        }
        if (traceable && feature_ksym(target)) {
            probe_errf(err, "function '%s' cannot be traced", target);
            probe_hintf(err, "it is not in available_filter_functions: it may be inlined, "
                             "or marked notrace");
            return -1;
        }
        probe_errf(err, "this kernel has no function '%s'", target);
        struct ksyms ks;
        const char *best = NULL;
        if (ksyms_load(&ks) == 0)
            best = probe_closest(target, (const char *const *)ks.names, ks.n);
        if (best)
            probe_hintf(err, "did you mean %s:%s?", k->name, best);
        else
            probe_hintf(err, "tinyprobe -l '%s:*' lists the functions", k->name);
        ksyms_free(&ks);
        return -1;
    }
    struct ksyms ks;
    int e = ksyms_load(&ks);
    if (e) {
        probe_errf(err, "cannot read the kernel's functions from /proc/kallsyms: %s", strerror(-e));
        return -1;
    }
    for (int i = 0; i < ks.n; i++)
        if (probe_match(target, ks.names[i]))
            probe_point_add(out, k, ks.names[i])->nargs = ARCH_MAX_ARGS;
    int rc = 0;
    if (!out->n) {
        probe_errf(err, "no kernel function matches '%s'", target);
        probe_hintf(err, "tinyprobe -l '%s:*' lists the functions", k->name);
        rc = -1;
    }
    ksyms_free(&ks);
    return rc;
}

static void kp_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", pt->kind->name, pt->target);
}

int kind_regs_offset(const struct probe_point *pt, int n)
{
    (void)pt;
    return n == 0 ? arch_retval_offset() : arch_arg_offset(n);
}

/* The syscall tracepoint that sees what a well-known kernel function sees,
 * for kernels without kprobes. */
static const char *tracepoint_for(const char *func, bool ret)
{
    static const struct {
        const char *func, *enter, *exit;
    } known[] = {
        {"do_sys_openat2", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat"},
        {"do_sys_open", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat"},
        {"do_execveat_common", "syscalls:sys_enter_execve", "syscalls:sys_exit_execve"},
        {"vfs_read", "syscalls:sys_enter_read", "syscalls:sys_exit_read"},
        {"vfs_write", "syscalls:sys_enter_write", "syscalls:sys_exit_write"},
        {"do_exit", "sched:sched_process_exit", "sched:sched_process_exit"},
        {"do_unlinkat", "syscalls:sys_enter_unlinkat", "syscalls:sys_exit_unlinkat"},
        {"tcp_connect", "sock:inet_sock_set_state", "sock:inet_sock_set_state"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(func, known[i].func) == 0)
            return ret ? known[i].exit : known[i].enter;
    return NULL;
}

void kind_instead(const char *func, bool ret, struct probe_err *e)
{
    if (feature_kprobes()) {
        probe_hintf(e, "trace %s:%s instead", ret ? "kretprobe" : "kprobe", func);
        return;
    }
    const char *tp = tracepoint_for(func, ret);
    static const char *const prefixes[] = {"__x64_sys_", "__arm64_sys_", "__se_sys_",
                                           "__do_sys_",  "ksys_",        "sys_"};
    char guess[160] = "";
    for (size_t i = 0; !tp && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(func, prefixes[i], n) == 0) {
            snprintf(guess, sizeof(guess), "syscalls:sys_%s_%s", ret ? "exit" : "enter", func + n);
            tp = guess;
        }
    }
    if (tp)
        probe_hintf(e, "trace tracepoint:%s instead", tp);
    else
        probe_hintf(e, "use a tracepoint instead: tinyprobe -l 'tracepoint:*' lists them");
}

static int kp_attach(const struct probe_point *pt, struct bpf_program *prog,
                     const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    bool ret = pt->kind->caps & PROBE_RETVAL;
    if (!feature_kprobes()) {
        probe_errf(err, "this kernel has no kprobes (it was built without CONFIG_KPROBES)");
        kind_instead(pt->target, ret, err);
        errno = EOPNOTSUPP;
        return -1;
    }
    LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = ret, .bpf_cookie = o->cookie);
    struct bpf_link *l = bpf_program__attach_kprobe_opts(prog, pt->target, &opts);
    if (probe_linked(links, l, err) == 0)
        return 0;
    int e = errno;
    if (!feature_ksym(pt->target))
        probe_errf(err, "this kernel has no function '%s' (it is not in /proc/kallsyms)",
                   pt->target);
    errno = e;
    return -1;
}

/* -lv: the parameters, as arg1.. reads them, where BTF describes them. */
static void list_params(const struct probe_kind *k, const char *func, FILE *out)
{
    struct probe_point pt = {0};
    char ret[256], why[256];
    int n = kbtf_func_params(func, &pt, ret, sizeof(ret), why, sizeof(why));
    for (int i = 0; (k->caps & PROBE_ARGS) && i < pt.nfields && i < ARCH_MAX_ARGS; i++)
        fprintf(out, "    arg%d: %s\n", i + 1, pt.fields[i].decl);
    if (n >= 0 && (k->caps & PROBE_RETVAL) && ret[0])
        fprintf(out, "    %s\n", ret);
    for (int i = 0; i < pt.nfields; i++) {
        free(pt.fields[i].name);
        free(pt.fields[i].decl);
    }
    free(pt.fields);
}

/* A program for many functions is one kprobe.multi link, where the kernel
 * has them: attaching hundreds of kprobes one by one takes seconds. */
static void kp_prepare(struct bpf_program *prog, bool shared)
{
    if (shared && feature_kprobe_multi())
        bpf_program__set_expected_attach_type(prog, BPF_TRACE_KPROBE_MULTI);
}

static int kp_attach_many(const struct probe_point *const *pts, int n, uint64_t first_cookie,
                          struct bpf_program *prog, struct probe_links *links,
                          struct probe_err *err)
{
    if (bpf_program__expected_attach_type(prog) != BPF_TRACE_KPROBE_MULTI)
        return 1;
    const char **syms = xcalloc(n, sizeof(*syms));
    __u64 *cookies = xcalloc(n, sizeof(*cookies));
    for (int i = 0; i < n; i++) {
        syms[i] = pts[i]->target;
        cookies[i] = first_cookie + (uint64_t)i;
    }
    LIBBPF_OPTS(bpf_kprobe_multi_opts, mo, .syms = syms, .cookies = cookies, .cnt = (size_t)n,
                .retprobe = (pts[0]->kind->caps & PROBE_RETVAL) != 0);
    struct bpf_link *l = bpf_program__attach_kprobe_multi_opts(prog, NULL, &mo);
    int e = errno;
    free(syms);
    free(cookies);
    if (!l) {
        probe_errf(err, "one link for %d functions (kprobe.multi): %s", n, strerror(e));
        errno = e;
        return -1;
    }
    probe_links_add(links, l);
    return 0;
}

static int kp_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                   struct probe_err *err)
{
    struct ksyms ks;
    int e = ksyms_load(&ks);
    if (e) {
        probe_errf(err, "cannot read the kernel's functions from /proc/kallsyms: %s", strerror(-e));
        return -1;
    }
    int shown = 0;
    for (int i = 0; i < ks.n; i++)
        if (!pattern || probe_match(pattern, ks.names[i])) {
            fprintf(out, "%s:%s\n", k->name, ks.names[i]);
            shown++;
            if (verbose)
                list_params(k, ks.names[i], out);
        }
    ksyms_free(&ks);
    return shown;
}

/* argN typed by the function's prototype, where the kernel's BTF has one:
 * kprobe:vfs_read's arg1 is a struct file *, as fentry's is. */
static unsigned kp_arg_btf(const struct probe_point *pt, int n)
{
    return strpbrk(pt->target, "+:") ? 0 : kbtf_func_param(pt->target, n);
}

const struct probe_kind kind_kprobe = {
    .name = "kprobe",
    .alias = "k",
    .usage = "kprobe:FUNCTION",
    .prog_type = BPF_PROG_TYPE_KPROBE,
    .caps = PROBE_ARGS | PROBE_REGS | PROBE_FUNC | PROBE_STACK,
    .args_in_regs = true,
    .cookie_shares = true,
    .prepare = kp_prepare,
    .attach_many = kp_attach_many,
    .expand = kp_expand,
    .section = kp_section,
    .ctx_offset = kind_regs_offset,
    .arg_btf = kp_arg_btf,
    .attach = kp_attach,
    .list = kp_list,
    .listed = true,
};

const struct probe_kind kind_kretprobe = {
    .name = "kretprobe",
    .alias = "kr",
    .usage = "kretprobe:FUNCTION",
    .prog_type = BPF_PROG_TYPE_KPROBE,
    .caps = PROBE_RETVAL | PROBE_REGS | PROBE_FUNC | PROBE_STACK,
    .args_in_regs = true,
    .cookie_shares = true,
    .prepare = kp_prepare,
    .attach_many = kp_attach_many,
    .expand = kp_expand,
    .section = kp_section,
    .ctx_offset = kind_regs_offset,
    .attach = kp_attach,
    .list = kp_list,
};
