/* Timed probes: interval:UNIT:N fires on one CPU every N units; profile:UNIT:N
 * on every CPU, N times a second (hz) or every N units. Both are perf events
 * of the software CPU clock with a BPF program attached. */
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

/* The longest period: an hour. The highest rate is the kernel's for a perf
 * event, perf_event_max_sample_rate (100 kHz by default; the kernel lowers
 * it when samples take too long), HZ_MAX where that cannot be read. */
#define PERIOD_MAX_NS 3600000000000ull
#define HZ_MAX        100000
#define MAX_RATE_FILE "/proc/sys/kernel/perf_event_max_sample_rate"

/* "s:1", "ms:100", "us:500", "hz:99": the period, in ns; a frequency
 * (hz) is returned negated. 0 when it does not parse. */
static int64_t parse_period(const char *target)
{
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = {{"s", 1000000000}, {"ms", 1000000}, {"us", 1000}, {"hz", -1}};
    const char *colon = target ? strchr(target, ':') : NULL;
    if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        strlen(colon + 1) > 12)
        return 0;
    int64_t n = strtoll(colon + 1, NULL, 10);
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].unit) != (size_t)(colon - target) ||
            strncmp(units[i].unit, target, colon - target) != 0)
            continue;
        if (units[i].ns < 0)
            return n >= 1 ? -n : 0;
        return n >= 1 && (uint64_t)(n * units[i].ns) <= PERIOD_MAX_NS ? n * units[i].ns : 0;
    }
    return 0;
}

/* The most times a second the kernel lets a perf event fire. */
static long max_rate(void)
{
    FILE *f = fopen(MAX_RATE_FILE, "re");
    long v = 0;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v > 0 ? v : HZ_MAX;
}

static int timer_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                        struct probe_err *err)
{
    int64_t p = parse_period(target);
    if (!p) {
        probe_errf(err, "%s probes are written %s:UNIT:N, UNIT s, ms, us or hz", k->name, k->name);
        probe_hintf(err,
                    "as in %s:s:1 (every second) or %s:hz:99 (99 times a second); N from "
                    "1, at most an hour",
                    k->name, k->name);
        return -1;
    }
    /* Past it, the kernel refuses a frequency, and a period that short is
     * a storm of timer interrupts that leaves a machine no time to run
     * anything else, tinyprobe's Ctrl-C included. */
    int64_t rate = p < 0 ? -p : 1000000000 / p, most = max_rate();
    if (rate > most) {
        probe_errf(err, "%s:%s fires %lld times a second, more than the %ld the kernel allows",
                   k->name, target, (long long)rate, most);
        probe_hintf(err, "the limit is in " MAX_RATE_FILE "; write a lower rate, as %s:hz:99",
                    k->name);
        return -1;
    }
    int64_t *period = xcalloc(1, sizeof(*period));
    *period = p; /* a frequency negated */
    probe_point_add(out, k, target)->data = period;
    return 0;
}

static void timer_section(const struct probe_point *pt, char *buf, size_t n)
{
    (void)pt;
    snprintf(buf, n, "perf_event");
}

static int timer_attach(const struct probe_point *pt, struct bpf_program *prog,
                        const struct probe_opts *o, struct probe_links *links,
                        struct probe_err *err)
{
    (void)o; /* a timer runs in whichever task is on the CPU */
    int64_t p = *(const int64_t *)pt->data;
    struct perf_event_attr attr = {
        .type = PERF_TYPE_SOFTWARE,
        .size = sizeof(attr),
        .config = PERF_COUNT_SW_CPU_CLOCK,
    };
    if (p < 0) {
        attr.freq = 1;
        attr.sample_freq = (uint64_t)-p;
    } else {
        attr.sample_period = (uint64_t)p;
    }
    /* interval: one CPU, so it fires once a period; profile: each CPU */
    int rc = kind_perf_attach(&attr, pt->kind == &kind_profile, prog, links, err);
    if (rc && errno == EINVAL && p < 0)
        probe_hintf(err, "the rate may be above /proc/sys/kernel/perf_event_max_sample_rate");
    return rc;
}

const struct probe_kind kind_interval = {
    .name = "interval",
    .alias = "i",
    .usage = "interval:UNIT:N",
    .prog_type = BPF_PROG_TYPE_PERF_EVENT,
    .caps = PROBE_REGS | PROBE_STACK,
    .untargeted = true,
    .expand = timer_expand,
    .section = timer_section,
    .attach = timer_attach,
};

const struct probe_kind kind_profile = {
    .name = "profile",
    .alias = "p",
    .usage = "profile:UNIT:N",
    .prog_type = BPF_PROG_TYPE_PERF_EVENT,
    .caps = PROBE_REGS | PROBE_STACK,
    .expand = timer_expand,
    .section = timer_section,
    .attach = timer_attach,
};
