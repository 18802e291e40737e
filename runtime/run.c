#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/cgroup.h"
#include "bpf/probe.h"
#include "lang/xalloc.h"
#include "runtime/actions.h"
#include "runtime/detach.h"
#include "runtime/printmap.h"
#include "runtime/flamegraph.h"
#include "runtime/runtime.h"
#include "runtime/stacks.h"

/* Events are drained on this timer: the programs do not wake us per event.
 * For the first DRAIN_EAGER_NS after attaching, every DRAIN_EAGER_EVERY_NS:
 * the first events show within a quarter of a millisecond of being sent,
 * not ten, for 400 wakeups. */
#define DRAIN_NS             10000000ll
#define DRAIN_EAGER_NS       100000000ll
#define DRAIN_EAGER_EVERY_NS 250000ll
/* A round of the drain formats events for at most this long, then looks at
 * the stop signals: producers that keep up with us cannot keep us from them
 * (libbpf's consume returns only once the buffer is empty). */
#define ROUND_NS 50000000ll
/* Once stopping, events already in the buffer are printed for at most this
 * long; what is left then is counted as lost, not printed. */
#define STOP_DRAIN_NS 300000000ll
/* What on_event returns to end a round with events left in the buffer
 * (libbpf has consumed the one it was given). */
#define ROUND_OVER (-EAGAIN)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t size)
{
    struct rt *rt = ctx;
    const struct ev_header *h = data;
    bool request = size >= sizeof(*h) && (h->id & EV_REQUEST);
    if (rt->dropping) { /* out of time: counted, by the probe that sent it */
        if (!request && size >= sizeof(*h) && h->prog < (uint32_t)rt->cg->nprogs)
            rt->unprinted[h->prog]++;
        return 0;
    }
    if (request)
        printmap_request_event(rt, data, size);
    else if (size >= sizeof(*h) && (h->id & EV_DEFER))
        stacks_defer(rt, data, size); /* a map's update, made here */
    else
        output_event(rt->out, rt->cg, data, size);
    /* the clock is read every 64 events: a fraction of formatting one */
    if (!(++rt->drained & 63) && clock_ns(CLOCK_MONOTONIC) > rt->round_end)
        return ROUND_OVER;
    return 0;
}

static int map_fd(struct rt *rt, const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, name);
    return m ? bpf_map__fd(m) : -1;
}

/* The exit gate (plan.h) holds the code of a probe's exit, with
 * CG_EXIT_SET, once one ran. */
static bool exit_requested(struct rt *rt, int *code)
{
    uint64_t v = rt->slots ? __atomic_load_n((uint64_t *)rt->slots, __ATOMIC_ACQUIRE) : 0;
    if (!(v & CG_EXIT_SET))
        return false;
    *code = (int)(v & 0xff);
    return true;
}

/* BEGIN and END are programs too: the kernel runs them once, on this CPU,
 * when asked through BPF_PROG_TEST_RUN. */
static int run_once(struct rt *rt, enum probe_when when)
{
    for (int i = 0; i < rt->cg->nprogs; i++) {
        const struct cg_prog *p = &rt->cg->progs[i];
        if (p->kind->when != when)
            continue;
        LIBBPF_OPTS(bpf_test_run_opts, t);
        if (bpf_prog_test_run_opts(bpf_program__fd(rt->progs[i]), &t)) {
            diag_error(rt->src, p->loc, "the kernel would not run %s: %s", p->text,
                       strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The count of probes now in place, BEGIN and END included, as bpftrace counts. */
static int attach(struct rt *rt)
{
    int n = 0;
    for (int i = 0; i < rt->cg->nprogs; i++) {
        const struct cg_prog *p = &rt->cg->progs[i];
        n++;
        if (p->kind->when != WHEN_EVENT)
            continue;
        struct probe_err e;
        memset(&e, 0, sizeof(e));
        /* a program for several points, in one link where the kind can */
        int group = 1;
        while (p->shared && i + group < rt->cg->nprogs && rt->progs[i + group] == rt->progs[i])
            group++;
        if (group > 1 && p->kind->attach_many) {
            const struct probe_point **pts = xcalloc(group, sizeof(*pts));
            for (int k = 0; k < group; k++)
                pts[k] = rt->cg->progs[i + k].point;
            int r = p->kind->attach_many(pts, group, (uint64_t)i, rt->progs[i], &rt->links[i], &e);
            free(pts);
            if (r < 0) {
                diag_error(rt->src, p->loc, "cannot attach %s and %d more: %s", p->text, group - 1,
                           e.msg);
                if (*e.hint)
                    diag_note(rt->src, "%s", e.hint);
                return -1;
            }
            if (r == 0) {
                n += group - 1;
                i += group - 1;
                continue;
            }
        }
        struct probe_opts po = rt->o->probe;
        po.cookie = p->shared ? (uint64_t)i : 0;
        if (p->kind->attach(p->point, rt->progs[i], &po, &rt->links[i], &e)) {
            int err = errno;
            diag_error(rt->src, p->loc, "cannot attach %s: %s", p->text, e.msg);
            if (*e.hint)
                diag_note(rt->src, "%s", e.hint);
            else if (err == EMFILE)
                load_note_fd_limit(rt);
            return -1;
        }
    }
    return n;
}

/* Events lost because the ring buffer was full, by the probe that lost them,
 * and those not printed in time once stopping:
 * "Lost 12 events: tracepoint:syscalls:sys_enter_openat 9, interval:s:1 3". */
static void report_lost(struct rt *rt)
{
    int ncpu = libbpf_num_possible_cpus();
    int fd = map_fd(rt, CG_MAP_LOST);
    if (ncpu <= 0 || fd < 0)
        return;
    int nprogs = rt->cg->nprogs;
    __u64 *v = xcalloc(ncpu, sizeof(*v));
    uint64_t *by = xcalloc(nprogs ? nprogs : 1, sizeof(*by));
    const char **probes = xcalloc(nprogs ? nprogs : 1, sizeof(*probes));
    struct out_lost l = {.by = by,
                         .probes = probes,
                         .nprogs = nprogs,
                         .stop_drain_ms = (int)(STOP_DRAIN_NS / 1000000)};
    for (int p = 0; p < nprogs; p++) {
        __u32 key = (__u32)p;
        probes[p] = rt->cg->progs[p].text;
        if (bpf_map_lookup_elem(fd, &key, v) == 0)
            for (int i = 0; i < ncpu; i++)
                by[p] += v[i];
        if (rt->unprinted) {
            by[p] += rt->unprinted[p];
            l.unprinted += rt->unprinted[p];
        }
        l.total += by[p];
    }
    if (l.total)
        rt->out->ops->lost(rt->out, &l);
    free(probes);
    free(by);
    free(v);
}

/* What the probes sent and asked since the last drain, events then the
 * requests (print, clear, zero), for at most `budget` ns of formatting;
 * `wait_ns` first waits that long for the buffer to fill. Whether events
 * are left in the buffer. */
static bool drain(struct rt *rt, struct ring_buffer *rb, int64_t wait_ns, int64_t budget, int *err)
{
    rt->round_end = clock_ns(CLOCK_MONOTONIC) + budget;
    /* the wait ends early where the programs woke us (a quarter full); the
     * consume takes what they wrote either way. ppoll on libbpf's epoll
     * descriptor rather than its poll, whose timeout is in milliseconds. */
    int r = 0;
    if (wait_ns) {
        struct pollfd pfd = {.fd = ring_buffer__epoll_fd(rb), .events = POLLIN};
        struct timespec ts = {.tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000};
        r = ppoll(&pfd, 1, &ts, NULL) < 0 ? -errno : 0;
    }
    stacks_poll(rt->stacks); /* what processes mapped, before their stacks */
    if (r >= 0 || r == -EINTR)
        r = ring_buffer__consume(rb);
    bool more = r == ROUND_OVER;
    if (r < 0 && !more && r != -EINTR && err)
        *err = -r;
    printmap_requests(rt);
    return more;
}

/* Stopping: every probe returns at once from now on (the exit gate,
 * plan.h), so the buffer only empties. What is in it is printed for at
 * most STOP_DRAIN_NS; the rest is counted as lost, never left unsaid. */
static void gate(struct rt *rt, struct ring_buffer *rb)
{
    if (rt->slots)
        __atomic_fetch_or((uint64_t *)rt->slots, CG_EXIT_STOP, __ATOMIC_SEQ_CST);
    if (drain(rt, rb, 0, STOP_DRAIN_NS, NULL)) {
        rt->unprinted = xcalloc(rt->cg->nprogs ? rt->cg->nprogs : 1, sizeof(*rt->unprinted));
        rt->dropping = true;
        ring_buffer__consume(rb); /* counting only: bounded by the buffer */
        rt->dropping = false;
    }
}

/* --flamegraph: the stacks of the maps printed at exit, drawn; what could
 * not be written is an error */
static int write_flame(struct rt *rt)
{
    char why[512];
    int rc = flame_write(rt->flame, rt->o->flamegraph, rt->o->title ? rt->o->title : "tinyprobe",
                         why, sizeof(why));
    if (rc)
        rt->out->ops->runtime_error(rt->out, true, why);
    flame_free(rt->flame);
    rt->flame = NULL;
    return rc;
}

/* The reader of our pipe went away (| head -1): end at once and quietly,
 * with the status a shell shows for a tool that SIGPIPE ended. */
#define RC_READER_GONE (128 + SIGPIPE)

int run_probes(struct rt *rt)
{
    rt->out = rt->o->out;
    struct sink *out = rt->out->sink;
    rt->out->src = rt->src;
    rt->out->env.realtime_offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    rt->out->env.records = rt->cg->plan->records;
    rt->out->env.nrecords = rt->cg->plan->nrecords;
    rt->out->env.enums = rt->cg->plan->enums;
    rt->out->env.nenums = rt->cg->plan->nenums;
    rt->out->env.cgroup_path = cgroup_path;
    rt->out->user_action = actions_run;
    struct ring_buffer *rb = ring_buffer__new(map_fd(rt, CG_MAP_EVENTS), on_event, rt, NULL);
    if (!rb) {
        int err = errno;
        diag_sys_error(rt->src, "cannot map the event ring buffer: %s", strerror(err));
        if (err == ENOMEM)
            diag_note(rt->src, "check ulimit -v; a smaller --buffer-size needs less");
        return 1;
    }
    rt->stacks = stacks_new(rt);
    stacks_env(rt->stacks, &rt->syms);
    rt->out->env.syms = &rt->syms;
    int code = 0, rc = 0;
    bool detaching = false;
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: wake the poll */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a closed terminal or ssh session: stop as on SIGTERM */

    if (run_once(rt, WHEN_BEGIN)) {
        rc = 1;
        goto out;
    }
    bool exiting = exit_requested(rt, &code);
    int n = exiting ? 0 : attach(rt);
    if (n < 0) {
        rc = 1;
        goto out;
    }
    /* -o's file is emptied only now that the run will not fail for want of
     * a probe */
    if (rt->o->outpath ? sink_open(out, rt->o->outpath) : (sink_stdout(out), 0)) {
        rc = 1;
        goto out;
    }
    out->stop = &stop_signal; /* a blocked reader cannot keep us from a stop signal */
    if (n && !rt->o->quiet)
        rt->out->ops->attached(rt->out, n);
    /* BEGIN's lines come before anything -c's command prints */
    drain(rt, rb, 0, ROUND_NS, NULL);
    sink_flush(out);
    if (!exiting && rt->o->child && child_release(rt->o->child)) {
        rc = 1;
        goto out;
    }
    bool more = false;
    int64_t eager_until = clock_ns(CLOCK_MONOTONIC) + DRAIN_EAGER_NS;
    while (!exiting && !stop_signal) {
        int err = 0;
        /* wait for events only when the last round left none */
        int64_t wait = clock_ns(CLOCK_MONOTONIC) < eager_until ? DRAIN_EAGER_EVERY_NS : DRAIN_NS;
        more = drain(rt, rb, more ? 0 : wait, ROUND_NS, &err);
        if (err) {
            char msg[128];
            snprintf(msg, sizeof(msg), "reading events failed: %s", strerror(err));
            rt->out->ops->runtime_error(rt->out, true, msg);
            rc = 1;
            break;
        }
        if (sink_flush(out) || sink_reader_gone(out))
            break;
        exiting = exit_requested(rt, &code);
        /* -c: the command is done, and so is tracing it */
        if (rt->o->child && child_exited(rt->o->child))
            exiting = true;
        /* -p: so is a process that is gone */
        if (rt->o->probe.pid && kill(rt->o->probe.pid, 0) && errno == ESRCH)
            exiting = true;
    }
    /* The probes are gated, not yet detached (the kernel lets go of a
     * tracepoint after a grace period, one at a time): what they did until
     * now is all there is to print, while the detach goes on. */
    gate(rt, rb);
    detach_start(rt);
    detaching = true;
    if (out->gone) {
        rc = RC_READER_GONE;
        goto out;
    }
    if (out->err) /* say it now: END and the lost count come after */
        sink_report(out);
    if (run_once(rt, WHEN_END))
        rc = 1;
    drain(rt, rb, 0, STOP_DRAIN_NS, NULL);
    if (rt->o->flamegraph)
        rt->flame = flame_new();
    printmap_all(rt);
    if (rt->flame && write_flame(rt))
        rc = 1;
    sink_flush(out);
    if (out->gone) {
        rc = RC_READER_GONE;
        goto out;
    }
    report_lost(rt);
    stacks_report_lost(rt);
    if (out->err) {
        sink_report(out);
        rc = 1;
    }
    if (!rc)
        rc = code;
out:
    if (!detaching)
        detach_start(rt);
    detach_finish(rt);
    ring_buffer__free(rb);
    rt->out->env.syms = NULL;
    stacks_free(rt->stacks);
    rt->stacks = NULL;
    return rc;
}
