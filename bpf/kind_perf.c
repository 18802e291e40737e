/* Sampling on the kernel's counters: software:EVENT[:COUNT] (page faults,
 * context switches, the CPU clock ...) and hardware:EVENT[:COUNT] (cycles,
 * instructions, cache misses ...), each a perf event on every CPU that runs
 * the program once every COUNT events; the names and aliases are perf's and
 * bpftrace's, and so are the counts taken when none is given. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/kinds.h"
#include "lang/xalloc.h"

struct perf_ev {
    const char *name, *alias;
    uint64_t config;
    uint64_t count; /* the period when none is given */
};

// clang-format off
static const struct perf_ev software[] = {
    {"alignment-faults", NULL,     PERF_COUNT_SW_ALIGNMENT_FAULTS,  1},
    {"context-switches", "cs",     PERF_COUNT_SW_CONTEXT_SWITCHES,  1000},
    {"cpu-clock",        "cpu",    PERF_COUNT_SW_CPU_CLOCK,         1000000},
    {"cpu-migrations",   NULL,     PERF_COUNT_SW_CPU_MIGRATIONS,    1},
    {"emulation-faults", NULL,     PERF_COUNT_SW_EMULATION_FAULTS,  1},
    {"major-faults",     NULL,     PERF_COUNT_SW_PAGE_FAULTS_MAJ,   1},
    {"minor-faults",     NULL,     PERF_COUNT_SW_PAGE_FAULTS_MIN,   100},
    {"page-faults",      "faults", PERF_COUNT_SW_PAGE_FAULTS,       100},
    {"task-clock",       NULL,     PERF_COUNT_SW_TASK_CLOCK,        1000000},
};
static const struct perf_ev hardware[] = {
    {"backend-stalls",      NULL,       PERF_COUNT_HW_STALLED_CYCLES_BACKEND,  1000000},
    {"branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS,     100000},
    {"branch-misses",       NULL,       PERF_COUNT_HW_BRANCH_MISSES,           100000},
    {"bus-cycles",          NULL,       PERF_COUNT_HW_BUS_CYCLES,              100000},
    {"cache-misses",        NULL,       PERF_COUNT_HW_CACHE_MISSES,            1000000},
    {"cache-references",    NULL,       PERF_COUNT_HW_CACHE_REFERENCES,        1000000},
    {"cpu-cycles",          "cycles",   PERF_COUNT_HW_CPU_CYCLES,              1000000},
    {"frontend-stalls",     NULL,       PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000},
    {"instructions",        NULL,       PERF_COUNT_HW_INSTRUCTIONS,            1000000},
    {"ref-cycles",          NULL,       PERF_COUNT_HW_REF_CPU_CYCLES,          1000000},
};
// clang-format on
#define NSW (sizeof(software) / sizeof(software[0]))
#define NHW (sizeof(hardware) / sizeof(hardware[0]))

/* What one point samples: the event and its period. */
struct perf_point {
    uint32_t type;
    uint64_t config, period;
};

static const struct perf_ev *table(const struct probe_kind *k, size_t *n)
{
    bool hw = k == &kind_hardware;
    *n = hw ? NHW : NSW;
    return hw ? hardware : software;
}

static struct perf_event_attr perf_attr(const struct perf_point *p)
{
    return (struct perf_event_attr){
        .type = p->type,
        .size = sizeof(struct perf_event_attr),
        .config = p->config,
        .sample_period = p->period,
    };
}

int kind_perf_attach(struct perf_event_attr *attr, bool every_cpu, struct bpf_program *prog,
                     struct probe_links *links, struct probe_err *err)
{
    int ncpu = every_cpu ? libbpf_num_possible_cpus() : 1;
    for (int cpu = 0; cpu < ncpu; cpu++) {
        int fd = (int)syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0 && every_cpu && errno == ENODEV)
            continue; /* a possible CPU that is not online */
        if (fd < 0) {
            int e = errno;
            probe_errf(err, "perf_event_open: %s", strerror(e));
            errno = e;
            return -1;
        }
        struct bpf_link *l = bpf_program__attach_perf_event(prog, fd);
        if (!l) {
            int e = errno;
            close(fd);
            probe_errf(err, "%s", strerror(e));
            errno = e;
            return -1;
        }
        probe_links_add(links, l); /* the link owns the perf event's fd */
    }
    return 0;
}

static int perf_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                       struct probe_err *err)
{
    size_t n;
    const struct perf_ev *evs = table(k, &n);
    char name[64] = "";
    const char *colon = target ? strchr(target, ':') : NULL;
    size_t len = target ? (colon ? (size_t)(colon - target) : strlen(target)) : 0;
    if (len < sizeof(name))
        memcpy(name, target ? target : "", len), name[len] = 0;
    const struct perf_ev *e = NULL;
    for (size_t i = 0; i < n && !e && len < sizeof(name); i++)
        if (strcmp(evs[i].name, name) == 0 || (evs[i].alias && strcmp(evs[i].alias, name) == 0))
            e = &evs[i];
    if (!e) {
        probe_errf(err, "%s has no event '%s'", k->name, target ? name : "");
        const char *names[2 * NHW + 2 * NSW];
        int nn = 0;
        for (size_t i = 0; i < n; i++)
            names[nn++] = evs[i].name;
        const char *best = target ? probe_closest(name, names, nn) : NULL;
        if (best)
            probe_hintf(err, "did you mean %s:%s? tinyprobe -l '%s:*' lists them", k->name, best,
                        k->name);
        else
            probe_hintf(err,
                        "%s probes are written %s, as %s:%s:%llu; tinyprobe -l '%s:*' lists "
                        "the events",
                        k->name, k->usage, k->name, evs[0].name, (unsigned long long)evs[0].count,
                        k->name);
        return -1;
    }
    uint64_t count = e->count;
    if (colon) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(colon + 1, &end, 10);
        if (!colon[1] || *end || errno || v == 0 || colon[1] == '-') {
            probe_errf(err, "%s:%s: the count must be a number from 1, not '%s'", k->name, name,
                       colon + 1);
            probe_hintf(err, "the program runs once every COUNT events: %s:%s:%llu", k->name,
                        e->name, (unsigned long long)e->count);
            return -1;
        }
        count = v;
    }
    struct perf_point *p = xcalloc(1, sizeof(*p));
    *p = (struct perf_point){k == &kind_hardware ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE,
                             e->config, count};
    if (k == &kind_hardware) { /* whether this machine counts it, said now */
        struct perf_event_attr attr = perf_attr(p);
        attr.disabled = 1;
        int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0) {
            int er = errno;
            free(p);
            probe_errf(err, "this machine has no hardware counter for %s (perf_event_open: %s)",
                       e->name, strerror(er));
            probe_hintf(err, "a virtual machine often has none; software:cpu-clock samples by time "
                             "instead, as profile:hz:99 does");
            return -1;
        }
        close(fd);
    }
    /* the point's name says the count, given or not */
    char full[128];
    snprintf(full, sizeof(full), "%s:%llu", e->name, (unsigned long long)count);
    probe_point_add(out, k, full)->data = p;
    return 0;
}

static void perf_section(const struct probe_point *pt, char *buf, size_t n)
{
    (void)pt;
    snprintf(buf, n, "perf_event");
}

static int perf_attach(const struct probe_point *pt, struct bpf_program *prog,
                       const struct probe_opts *o, struct probe_links *links, struct probe_err *err)
{
    (void)o; /* every task, which the program filters by -p and --cgroup */
    struct perf_event_attr attr = perf_attr(pt->data);
    return kind_perf_attach(&attr, true, prog, links, err);
}

/* -l: "software:page-faults:", as bpftrace lists them; -lv adds the alias
 * and the count taken when none is given */
static int perf_list(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                     struct probe_err *err)
{
    (void)err;
    size_t n;
    const struct perf_ev *evs = table(k, &n);
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (pattern && !probe_match(pattern, evs[i].name) &&
            !(evs[i].alias && probe_match(pattern, evs[i].alias)))
            continue;
        fprintf(out, "%s:%s:\n", k->name, evs[i].name);
        if (verbose)
            fprintf(out, "    alias %s, count %llu\n", evs[i].alias ? evs[i].alias : "none",
                    (unsigned long long)evs[i].count);
        shown++;
    }
    return shown;
}

const struct probe_kind kind_software = {
    .name = "software",
    .alias = "s",
    .usage = "software:EVENT[:COUNT]",
    .prog_type = BPF_PROG_TYPE_PERF_EVENT,
    .caps = PROBE_REGS | PROBE_STACK,
    .expand = perf_expand,
    .section = perf_section,
    .attach = perf_attach,
    .list = perf_list,
    .listed = true,
};

const struct probe_kind kind_hardware = {
    .name = "hardware",
    .alias = "h",
    .usage = "hardware:EVENT[:COUNT]",
    .prog_type = BPF_PROG_TYPE_PERF_EVENT,
    .caps = PROBE_REGS | PROBE_STACK,
    .expand = perf_expand,
    .section = perf_section,
    .attach = perf_attach,
    .list = perf_list,
    .listed = true,
};
