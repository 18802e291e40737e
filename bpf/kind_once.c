/* BEGIN and END: run once, by tinyprobe itself, through BPF_PROG_TEST_RUN,
 * before the other probes attach and after they detach. */
#include <string.h>

#include "bpf/kinds.h"

static int once_expand(const struct probe_kind *k, const char *target, struct probe_points *out,
                       struct probe_err *err)
{
    if (target) {
        probe_errf(err, "%s takes no target", k->name);
        return -1;
    }
    probe_point_add(out, k, NULL);
    return 0;
}

static void once_section(const struct probe_point *pt, char *buf, size_t n)
{
    (void)pt;
    snprintf(buf, n, "raw_tp");
}

const struct probe_kind kind_begin = {
    .name = "BEGIN",
    .usage = "BEGIN",
    .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
    .when = WHEN_BEGIN,
    .expand = once_expand,
    .section = once_section,
};

const struct probe_kind kind_end = {
    .name = "END",
    .usage = "END",
    .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
    .when = WHEN_END,
    .expand = once_expand,
    .section = once_section,
};
