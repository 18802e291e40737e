/* Detaching: see detach.h for why a process of its own does most of it.
 *
 * Where the time goes (Linux 6.18, 2 vCPUs, perf record -e sched:sched_switch
 * -g over a Ctrl-C of tracepoint:syscalls:sys_enter_*, 360 points, 8.6 s):
 * closing a link waits in perf_event_detach_bpf_prog for
 * synchronize_rcu_tasks_trace (360 waits, 22 ms each), and the last close of
 * its perf event waits in perf_trace_event_unreg for
 * synchronize_rcu_tasks_trace again (358 waits, 23 ms each, 8.2 s in all)
 * and synchronize_rcu (expedited here: 0.5 ms), holding event_mutex. The
 * first kind of wait overlaps across threads; the second cannot, whatever
 * the order or the number of threads: 32 threads spent 228 s between them
 * waiting for event_mutex. /sys/kernel/rcu_expedited does not reach RCU
 * Tasks Trace (it was already 1 on that machine), and is the whole
 * system's to set anyway. So the kernel's floor is a grace period a
 * tracepoint, and the way to the prompt is to leave that wait to a
 * process that outlives this one. */
#include "runtime/detach.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/probe.h"
#include "runtime/runtime.h"

/* Up to this many links are closed by this process, from as many threads
 * (their grace periods overlap, the perf events' do not: about 23 ms a
 * link, under 0.3 s). Past it a closing process is worth its fork (1.3 ms
 * here, tinyprobe being 25 MB). */
#define DETACH_INLINE_MAX 8

/* Threads of the closing process for its links: their grace periods
 * overlap, so 720 links take some 23 ms x 720 / 64. */
#define CLOSER_THREADS 64

static struct {
    struct rt *rt;
    pthread_t threads[DETACH_INLINE_MAX];
    int nthreads, stride;
    pid_t closer;
} state;

/* Thread k of n frees the links of programs k, k + n, ... */
static void *free_links(void *arg)
{
    int k = (int)(intptr_t)arg;
    for (int i = k; i < state.rt->cg->nprogs; i += state.stride)
        probe_links_free(&state.rt->links[i]);
    return NULL;
}

struct fds {
    int *v;
    int n, cap;
};

static int fds_add(struct fds *f, int fd)
{
    if (f->n == f->cap) {
        int cap = f->cap ? 2 * f->cap : 256, *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = fd;
    return 0;
}

/* "anon_inode:bpf_link", "anon_inode:[perf_event]": what fd is. */
static bool fd_is(int fd, const char *what)
{
    char path[64], target[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return false;
    target[n] = 0;
    return strcmp(target, what) == 0;
}

struct share {
    const struct fds *fds;
    int first, step;
};

static void *close_share(void *arg)
{
    const struct share *s = arg;
    for (int i = s->first; i < s->fds->n; i += s->step)
        close(s->fds->v[i]);
    return NULL;
}

/* The closing process: keeps the links and perf events, lets go of
 * everything else at once (the terminal, pipes, -o's file: a reader must
 * not wait for it), closes the links from threads, whose grace periods
 * overlap, then the perf events, which the kernel takes one at a time
 * anyway, and exits. Killed on the way, it still closes all as it exits. */
__attribute__((noreturn)) static void closer(void)
{
    setsid(); /* out of the terminal's process group: a second Ctrl-C is not for it */
    prctl(PR_SET_NAME, "tinyprobe-close");
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    for (int fd = 0; fd < 3; fd++) /* nothing to say, and a terminal or pipe to let go of */
        close(fd);
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        _exit(0); /* no /proc: exiting closes them all the same, one by one */
    struct fds links = {0}, perfs = {0};
    for (struct dirent *e; (e = readdir(dir));) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < 3 || fd == dirfd(dir))
            continue;
        struct fds *to = fd_is(fd, "anon_inode:bpf_link")       ? &links
                         : fd_is(fd, "anon_inode:[perf_event]") ? &perfs
                                                                : NULL;
        if (!to) {
            close(fd);
            continue;
        }
        if (fds_add(to, fd))
            _exit(0); /* out of memory: exiting closes them all the same, one by one */
    }
    closedir(dir);
    pthread_t threads[CLOSER_THREADS];
    struct share shares[CLOSER_THREADS];
    int nt = links.n < CLOSER_THREADS ? links.n : CLOSER_THREADS;
    bool started[CLOSER_THREADS];
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (int i = 0; i < nt; i++) {
        shares[i] = (struct share){&links, i, nt};
        started[i] = pthread_create(&threads[i], &attr, close_share, &shares[i]) == 0;
    }
    for (int i = 0; i < nt; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
        else
            close_share(&shares[i]); /* no thread for it: here, one by one */
    for (int i = 0; i < perfs.n; i++)
        close(perfs.v[i]);
    _exit(0);
}

void detach_start(struct rt *rt)
{
    int nlinks = 0, nwith = 0;
    for (int i = 0; i < rt->cg->nprogs; i++) {
        nlinks += rt->links[i].n;
        nwith += rt->links[i].n > 0;
    }
    state.rt = rt;
    if (nlinks > DETACH_INLINE_MAX) {
        pid_t pid = fork();
        if (pid == 0)
            closer();
        if (pid > 0) {
            state.closer = pid;
            /* the closer holds every link and perf event now: these closes
             * are not the last (the 720 links took 13 to 70 ms, disabling
             * each perf event on the way: libbpf's bpf_link__destroy) */
            for (int i = 0; i < rt->cg->nprogs; i++)
                probe_links_free(&rt->links[i]);
            return;
        }
        /* no fork: the slow way, from threads of this process */
    }
    /* those of a thread that did not start are left to detach_finish */
    state.stride = nwith < DETACH_INLINE_MAX ? nwith : DETACH_INLINE_MAX;
    for (state.nthreads = 0; state.nthreads < state.stride; state.nthreads++)
        if (pthread_create(&state.threads[state.nthreads], NULL, free_links,
                           (void *)(intptr_t)state.nthreads))
            break;
}

void detach_finish(struct rt *rt)
{
    for (int i = 0; i < state.nthreads; i++)
        pthread_join(state.threads[i], NULL);
    state.nthreads = 0;
    /* what no thread took: freeing twice is nothing */
    for (int i = 0; i < rt->cg->nprogs; i++)
        probe_links_free(&rt->links[i]);
    if (state.closer > 0 && waitpid(state.closer, NULL, WNOHANG) == state.closer)
        state.closer = 0; /* done already: no zombie until we exit */
}
