#include "bpf/timer.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lang/xalloc.h"

/* The longest period: an hour; the highest rate: 100 kHz (a perf event's
 * own limit is lower still, perf_event_max_sample_rate). */
#define PERIOD_MAX_NS 3600000000000ull
#define HZ_MAX        100000

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
            return n >= 1 && n <= HZ_MAX ? -n : 0;
        return n >= 1 && (uint64_t)(n * units[i].ns) <= PERIOD_MAX_NS ? n * units[i].ns : 0;
    }
    return 0;
}

struct probe_point *timer_resolve(const struct probe_kind *k, const char *target,
                                  struct diag_src *src, struct tp_loc loc)
{
    int64_t p = parse_period(target);
    if (!p) {
        diag_error(src, loc, "%s probes are written %s:UNIT:N, UNIT s, ms, us or hz", k->name,
                   k->name);
        diag_note(src,
                  "as in %s:s:1 (every second) or %s:hz:99 (99 times a second); N from "
                  "1, at most an hour or %d hz",
                  k->name, k->name, HZ_MAX);
        return NULL;
    }
    struct probe_point *pt = xcalloc(1, sizeof(*pt));
    pt->kind = k;
    pt->target = xstrdup(target);
    pt->period = (uint64_t)p; /* a negated frequency stays negative as int64 */
    return pt;
}

void timer_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "perf_event");
}

static int open_clock(const struct probe_point *pt, int cpu)
{
    struct perf_event_attr attr = {
        .type = PERF_TYPE_SOFTWARE,
        .size = sizeof(attr),
        .config = PERF_COUNT_SW_CPU_CLOCK,
    };
    int64_t p = (int64_t)pt->period;
    if (p < 0) {
        attr.freq = 1;
        attr.sample_freq = (uint64_t)-p;
    } else {
        attr.sample_period = (uint64_t)p;
    }
    return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int timer_attach(const struct probe_point *pt, struct bpf_program *prog, struct probe_links *links,
                 char *why, size_t whylen, char *hint, size_t hintlen)
{
    /* interval: one CPU, so it fires once a period; profile: each CPU */
    bool every_cpu = strcmp(pt->kind->name, "profile") == 0;
    int ncpu = every_cpu ? libbpf_num_possible_cpus() : 1;
    for (int cpu = 0; cpu < ncpu; cpu++) {
        int fd = open_clock(pt, cpu);
        if (fd < 0 && every_cpu && errno == ENODEV)
            continue; /* a possible CPU that is not online */
        if (fd < 0) {
            snprintf(why, whylen, "perf_event_open: %s", strerror(errno));
            if (errno == EINVAL && (int64_t)pt->period < 0)
                snprintf(hint, hintlen,
                         "the rate may be above /proc/sys/kernel/perf_event_max_sample_rate");
            return -1;
        }
        struct bpf_link *l = bpf_program__attach_perf_event(prog, fd);
        if (!l) {
            int err = errno;
            close(fd);
            snprintf(why, whylen, "%s", strerror(err));
            return -1;
        }
        probe_links_add(links, l); /* the link owns the perf event's fd */
    }
    return 0;
}
