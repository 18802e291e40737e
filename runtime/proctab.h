/* Which files each process has mapped where, recorded as it happens, so
 * that a user stack is symbolized after its process has exited (bpftrace's
 * issue 246): the kernel's PERF_RECORD_MMAP2, COMM, FORK and EXIT records
 * of a dummy software event on every CPU, as perf records them, read with
 * libbpf's raw perf buffer. Only executable mappings are reported. */
#ifndef TP_PROCTAB_H
#define TP_PROCTAB_H

#include <stddef.h>
#include <stdint.h>

struct proctab;

/* The processes and the mappings of one process kept: past them a new
 * process is not recorded (its stacks are symbolized while it lives), and
 * a process's further mappings are not. */
#define PROCTAB_PROCS    32768
#define PROCTAB_MAPPINGS 4096

/* Starts recording: a table, or NULL with why filled. */
struct proctab *proctab_open(char *why, size_t whylen);
/* Reads what the kernel has recorded since; never blocks. */
void proctab_poll(struct proctab *t);
/* A file mapped executable: file offset pgoff at address start. */
struct proctab_mapping {
    uint64_t start, len, pgoff;
    char *path;
};
/* Process tgid's mappings, in *v until the next poll: their number, 0
 * when the table has not seen the process start. */
int proctab_mappings(struct proctab *t, uint32_t tgid, const struct proctab_mapping **v);
void proctab_free(struct proctab *t);

#endif
