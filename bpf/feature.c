#include "bpf/feature.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>

bool feature_kprobes(void)
{
    return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
           access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
           access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

bool feature_kprobe_multi(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    known = 0;
    if (!feature_kprobes())
        return false;
    const struct bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
    int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "tp_kmulti", "GPL", insns, 2, &po);
    if (fd < 0)
        return false;
    /* a symbol no kernel has: "not found" says the kernel would attach */
    const char *sym = "tinyprobe_no_such_function";
    LIBBPF_OPTS(bpf_link_create_opts, lo);
    lo.kprobe_multi.syms = &sym;
    lo.kprobe_multi.cnt = 1;
    int link = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
    known = link >= 0 || errno == ENOENT || errno == ESRCH;
    if (link >= 0)
        close(link);
    close(fd);
    return known;
}

bool feature_ksym(const char *func)
{
    FILE *f = fopen("/proc/kallsyms", "re");
    if (!f)
        return true; /* cannot tell: let the kernel say */
    char line[512];
    size_t n = strlen(func);
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        /* "ffffffff81234567 T name [module]" */
        char *name = strchr(line, ' ');
        name = name ? strchr(name + 1, ' ') : NULL;
        if (!name)
            continue;
        name++;
        found = strncmp(name, func, n) == 0 &&
                (name[n] == '\n' || name[n] == '\t' || name[n] == ' ' || name[n] == 0);
    }
    fclose(f);
    return found;
}

bool feature_current_task_btf(void)
{
    static int known = -1;
    if (known < 0)
        known = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_current_task_btf,
                                        NULL) == 1;
    return known;
}

bool feature_gotol(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    /* Returns 0 where gotol jumps, 1 where it falls through. Loading is not
     * proof enough: a kernel may take the instruction as a jump to the next
     * one. The random compare only makes every instruction reachable. */
    const struct bpf_insn insns[] = {
        {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_prandom_u32},
        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_0},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
        {.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_1, .off = 1, .imm = 0x7fffffff},
        {.code = BPF_JMP32 | BPF_JA, .imm = 1}, /* gotol +1 */
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "tp_gotol", "GPL", insns,
                           sizeof(insns) / sizeof(insns[0]), NULL);
    known = 0;
    if (fd >= 0) {
        LIBBPF_OPTS(bpf_test_run_opts, run);
        known = bpf_prog_test_run_opts(fd, &run) == 0 && run.retval == 0;
        close(fd);
    }
    return known;
}

bool feature_alloc_in_tracing(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    known = 0;
    /* the one kind of program that kernels before it refused outright: the
     * others were let through with a WARN, which no probe should cause */
    LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
    int map = bpf_map_create(BPF_MAP_TYPE_HASH, "tp_alloc", 4, 4, 1, &mo);
    if (map < 0)
        return known;
    const struct bpf_insn insns[] = {
        {.code = BPF_LD | BPF_DW | BPF_IMM,
         .dst_reg = BPF_REG_1,
         .src_reg = BPF_PSEUDO_MAP_FD,
         .imm = map},
        {0},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_PERF_EVENT, "tp_alloc", "GPL", insns,
                           sizeof(insns) / sizeof(insns[0]), NULL);
    known = fd >= 0;
    if (fd >= 0)
        close(fd);
    close(map);
    return known;
}

bool feature_missing_caps(char *buf, size_t n)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2] = {0};
    if (syscall(SYS_capget, &hdr, data))
        return false;
    uint64_t eff = data[0].effective | (uint64_t)data[1].effective << 32;
    static const struct {
        int cap;
        const char *name;
    } caps[] = {{39, "CAP_BPF"}, {38, "CAP_PERFMON"}, {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}};
    if (eff & (1ull << CAP_SYS_ADMIN) || ((eff & (1ull << 39)) && (eff & (1ull << 38))))
        return false;
    size_t len = 0;
    buf[0] = 0;
    int missing = 0;
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
        missing += !(eff & (1ull << caps[i].cap));
    for (size_t i = 0, k = 0; i < sizeof(caps) / sizeof(caps[0]) && len < n; i++) {
        if (eff & (1ull << caps[i].cap))
            continue;
        k++;
        len += snprintf(buf + len, n - len, "%s%s",
                        k == 1                 ? ""
                        : k == (size_t)missing ? " and "
                                               : ", ",
                        caps[i].name);
    }
    return true;
}
