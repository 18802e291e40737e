#include "runtime/proctab.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lang/xalloc.h"

/* Records come from each CPU's buffer in turn, not in the order they were
 * made (a fork on one CPU, the child's exec and mmaps on another), so each
 * is placed by its time: a mapping belongs to the image that began (at an
 * exec or a fork) before it. */
struct proc {
    uint32_t tgid; /* 0: a free slot */
    int n, cap;
    struct proctab_mapping *v;
    uint64_t *times; /* each mapping's */
    uint64_t since;  /* when its image began */
};

struct proctab {
    int map_fd; /* the perf event array libbpf's perf buffer wants */
    struct perf_buffer *pb;
    struct proc *procs; /* open addressing by tgid, PROCTAB_PROCS * 2 slots */
    size_t nprocs;
};

#define SLOTS (PROCTAB_PROCS * 2)

static struct proc *find(struct proctab *t, uint32_t tgid, bool add)
{
    size_t i = (tgid * 2654435761u) % SLOTS;
    while (t->procs[i].tgid && t->procs[i].tgid != tgid)
        i = (i + 1) % SLOTS;
    if (t->procs[i].tgid)
        return &t->procs[i];
    if (!add || t->nprocs >= PROCTAB_PROCS)
        return NULL;
    t->nprocs++;
    t->procs[i].tgid = tgid;
    return &t->procs[i];
}

/* A new image at time `at` (an exec, a fork): the mappings made before
 * it are gone. */
static void begin_image(struct proc *p, uint64_t at)
{
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->times[i] < at) {
            free(p->v[i].path);
            continue;
        }
        p->times[k] = p->times[i];
        p->v[k++] = p->v[i];
    }
    p->n = k;
    if (at > p->since)
        p->since = at;
}

static void add_mapping(struct proc *p, uint64_t at, uint64_t start, uint64_t len, uint64_t pgoff,
                        const char *path, size_t pathlen)
{
    if (p->n == PROCTAB_MAPPINGS || at < p->since)
        return;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = xrealloc(p->v, (size_t)p->cap * sizeof(*p->v));
        p->times = xrealloc(p->times, (size_t)p->cap * sizeof(*p->times));
    }
    p->times[p->n] = at;
    p->v[p->n++] = (struct proctab_mapping){start, len, pgoff, xstrndup(path, pathlen)};
}

/* When the record was made: the sample_id every record ends with, which
 * holds the time alone (sample_type PERF_SAMPLE_TIME). */
static uint64_t rec_time(const struct perf_event_header *h)
{
    uint64_t t = 0;
    if (h->size >= sizeof(*h) + 8)
        memcpy(&t, (const char *)h + h->size - 8, 8);
    return t;
}

/* The records, as the kernel lays them out (perf_event.h describes them in
 * comments only). */
struct rec_mmap2 {
    struct perf_event_header h;
    uint32_t pid, tid;
    uint64_t addr, len, pgoff;
    uint8_t id[24]; /* device and inode, or a build id */
    uint32_t prot, flags;
    char filename[];
};
struct rec_task {
    struct perf_event_header h;
    uint32_t pid, ppid, tid, ptid;
    uint64_t time;
};
struct rec_comm {
    struct perf_event_header h;
    uint32_t pid, tid;
    char comm[];
};

static enum bpf_perf_event_ret on_record(void *ctx, int cpu, struct perf_event_header *h)
{
    (void)cpu;
    struct proctab *t = ctx;
    switch (h->type) {
    case PERF_RECORD_MMAP2: {
        const struct rec_mmap2 *r = (const void *)h;
        if (h->size < sizeof(*r) + 8)
            break;
        size_t room = h->size - sizeof(*r) - 8; /* the time after the name */
        size_t len = strnlen(r->filename, room);
        if (len == room || r->filename[0] != '/') /* unterminated, or [vdso], anonymous */
            break;
        struct proc *p = find(t, r->pid, true);
        if (p)
            add_mapping(p, rec_time(h), r->addr, r->len, r->pgoff, r->filename, len);
        break;
    }
    case PERF_RECORD_COMM: { /* an exec: the old image's mappings are gone */
        const struct rec_comm *r = (const void *)h;
        if (h->size < sizeof(*r) || !(h->misc & PERF_RECORD_MISC_COMM_EXEC))
            break;
        struct proc *p = find(t, r->pid, true);
        if (p)
            begin_image(p, rec_time(h));
        break;
    }
    case PERF_RECORD_FORK: { /* a new process has its parent's mappings */
        const struct rec_task *r = (const void *)h;
        if (h->size < sizeof(*r) || r->pid == r->ppid)
            break; /* a thread */
        struct proc *p = find(t, r->pid, true), *parent = find(t, r->ppid, false);
        if (!p || r->time < p->since)
            break;               /* its exec came first */
        begin_image(p, r->time); /* a pid used again: the old process's are gone */
        for (int i = 0; parent && i < parent->n; i++)
            add_mapping(p, r->time, parent->v[i].start, parent->v[i].len, parent->v[i].pgoff,
                        parent->v[i].path, strlen(parent->v[i].path));
        break;
    }
    default: break;
    }
    return LIBBPF_PERF_EVENT_CONT;
}

struct proctab *proctab_open(char *why, size_t whylen)
{
    struct proctab *t = xcalloc(1, sizeof(*t));
    t->procs = xcalloc(SLOTS, sizeof(*t->procs));
    int ncpu = libbpf_num_possible_cpus();
    t->map_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "proctab", 4, 4,
                               ncpu > 0 ? (unsigned)ncpu : 1, NULL);
    if (t->map_fd < 0) {
        snprintf(why, whylen, "cannot make a perf event array: %s", strerror(errno));
        proctab_free(t);
        return NULL;
    }
    struct perf_event_attr attr = {
        .type = PERF_TYPE_SOFTWARE,
        .size = sizeof(attr),
        .config = PERF_COUNT_SW_DUMMY,
        .mmap = 1,
        .mmap2 = 1,
        .comm = 1,
        .comm_exec = 1,
        .task = 1,
        .sample_id_all = 1,
        .sample_type = PERF_SAMPLE_TIME,
        /* read every drain round, never woken */
        .watermark = 1,
        .wakeup_watermark = 1u << 30,
    };
    LIBBPF_OPTS(perf_buffer_raw_opts, opts);
    t->pb = perf_buffer__new_raw(t->map_fd, 64, &attr, on_record, t, &opts);
    if (!t->pb) {
        snprintf(why, whylen, "cannot record the processes' mappings (a perf event a CPU): %s",
                 strerror(errno));
        proctab_free(t);
        return NULL;
    }
    return t;
}

void proctab_poll(struct proctab *t)
{
    if (t && t->pb)
        perf_buffer__consume(t->pb);
}

int proctab_mappings(struct proctab *t, uint32_t tgid, const struct proctab_mapping **v)
{
    struct proc *p = t ? find(t, tgid, false) : NULL;
    *v = p ? p->v : NULL;
    return p ? p->n : 0;
}

void proctab_free(struct proctab *t)
{
    if (!t)
        return;
    if (t->pb)
        perf_buffer__free(t->pb);
    if (t->map_fd >= 0)
        close(t->map_fd);
    for (size_t i = 0; t->procs && i < SLOTS; i++) {
        for (int k = 0; k < t->procs[i].n; k++)
            free(t->procs[i].v[k].path);
        free(t->procs[i].v);
        free(t->procs[i].times);
    }
    free(t->procs);
    free(t);
}
