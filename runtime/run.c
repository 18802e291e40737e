#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/probe.h"
#include "lang/xalloc.h"
#include "runtime/detach.h"
#include "runtime/printmap.h"
#include "runtime/runtime.h"

/* Events are drained on this timer: the programs do not wake us per event. */
#define DRAIN_MS 10

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int on_event(void *ctx, void *data, size_t size)
{
    const struct ev_header *h = data;
    if (size >= sizeof(*h) && (h->id & EV_REQUEST))
        printmap_request_event(ctx, data, size);
    else
        format_event(ctx, data, size);
    return 0;
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int map_fd(struct rt *rt, const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, name);
    return m ? bpf_map__fd(m) : -1;
}

/* exit_req holds the code of a probe's exit, with CG_EXIT_SET, once one ran. */
static bool exit_requested(struct rt *rt, int fd, int *code)
{
    __u32 key = 0;
    __u64 v = 0;
    if (bpf_map_lookup_elem(fd, &key, &v) || !(v & CG_EXIT_SET))
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

/* Events lost because the ring buffer was full, by the probe that lost them:
 * "Lost 12 events: tracepoint:syscalls:sys_enter_openat 9, interval:s:1 3". */
static void report_lost(struct rt *rt)
{
    int ncpu = libbpf_num_possible_cpus();
    int fd = map_fd(rt, CG_MAP_LOST);
    if (ncpu <= 0 || fd < 0)
        return;
    __u64 *v = xcalloc(ncpu, sizeof(*v));
    unsigned long long *by = xcalloc(rt->cg->nprogs ? rt->cg->nprogs : 1, sizeof(*by)), total = 0;
    for (int p = 0; p < rt->cg->nprogs; p++) {
        __u32 key = (__u32)p;
        if (bpf_map_lookup_elem(fd, &key, v) == 0)
            for (int i = 0; i < ncpu; i++)
                by[p] += v[i];
        total += by[p];
    }
    if (total) {
        fprintf(stderr, "Lost %llu event%s:", total, total == 1 ? "" : "s");
        const char *sep = " ";
        for (int p = 0; p < rt->cg->nprogs; p++) {
            if (!by[p])
                continue;
            fprintf(stderr, "%s%s %llu", sep, rt->cg->progs[p].text, by[p]);
            sep = ", ";
        }
        fputc('\n', stderr);
        diag_note(rt->src, "the event buffer was full; raise it with --buffer-size");
    }
    free(by);
    free(v);
}

/* What the probes sent and asked since the last drain: events, then the
 * requests (print, clear, zero), in that order. */
static void drain(struct rt *rt, struct ring_buffer *rb)
{
    ring_buffer__consume(rb);
    printmap_requests(rt);
}

/* The reader of our pipe went away (| head -1): end at once and quietly,
 * with the status a shell shows for a tool that SIGPIPE ended. */
#define RC_READER_GONE (128 + SIGPIPE)

int run_probes(struct rt *rt)
{
    struct output *out = rt->o->out;
    out->stop = &stop_signal;
    rt->maps_header = true; /* maps a probe prints need no blank line before them */
    rt->realtime_offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    struct ring_buffer *rb = ring_buffer__new(map_fd(rt, CG_MAP_EVENTS), on_event, rt, NULL);
    if (!rb) {
        int err = errno;
        diag_sys_error(rt->src, "cannot map the event ring buffer: %s", strerror(err));
        if (err == ENOMEM)
            diag_note(rt->src, "check ulimit -v; a smaller --buffer-size needs less");
        return 1;
    }
    int exit_fd = map_fd(rt, CG_MAP_EXIT), code = 0, rc = 0;
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: wake the poll */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a closed terminal or ssh session: stop as on SIGTERM */

    if (run_once(rt, WHEN_BEGIN)) {
        rc = 1;
        goto out;
    }
    bool exiting = exit_requested(rt, exit_fd, &code);
    if (!exiting) {
        int n = attach(rt);
        if (n < 0) {
            detach_start(rt);
            detach_finish(rt);
            ring_buffer__consume(rb);
            output_flush(out);
            rc = 1;
            goto out;
        }
        if (!rt->o->quiet)
            fprintf(stderr, "Attached %d probe%s\n", n, n == 1 ? "" : "s");
        if (rt->o->child && child_release(rt->o->child)) {
            detach_start(rt);
            detach_finish(rt);
            rc = 1;
            goto out;
        }
    }
    while (!exiting && !stop_signal) {
        int err = ring_buffer__poll(rb, DRAIN_MS);
        if (err < 0 && err != -EINTR) {
            diag_sys_error(rt->src, "reading events failed: %s", strerror(-err));
            rc = 1;
            break;
        }
        drain(rt, rb);
        if (output_flush(out) || output_reader_gone(out))
            break;
        exiting = exit_requested(rt, exit_fd, &code);
        /* -c: the command is done, and so is tracing it */
        if (rt->o->child && child_exited(rt->o->child))
            exiting = true;
        /* -p: so is a process that is gone */
        if (rt->o->probe.pid && kill(rt->o->probe.pid, 0) && errno == ESRCH)
            exiting = true;
    }
    detach_start(rt);
    detach_finish(rt);
    if (out->gone) {
        rc = RC_READER_GONE;
        goto out;
    }
    if (out->err) /* say it now: END and the lost count come after */
        output_report(out);
    drain(rt, rb);
    if (run_once(rt, WHEN_END))
        rc = 1;
    drain(rt, rb);
    printmap_all(rt);
    output_flush(out);
    if (out->gone) {
        rc = RC_READER_GONE;
        goto out;
    }
    report_lost(rt);
    if (out->err) {
        output_report(out);
        rc = 1;
    }
    if (!rc)
        rc = code;
out:
    ring_buffer__free(rb);
    return rc;
}
