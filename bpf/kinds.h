/* The probe kinds, one file each (bpf/kind_*.c), for probe.c's registry. */
#ifndef TP_KINDS_H
#define TP_KINDS_H

#include "bpf/probe.h"

extern const struct probe_kind kind_tracepoint;    /* kind_tracepoint.c */
extern const struct probe_kind kind_rawtracepoint; /* kind_rawtracepoint.c */
extern const struct probe_kind kind_kprobe;        /* kind_kprobe.c */
extern const struct probe_kind kind_kretprobe;
extern const struct probe_kind kind_fentry; /* kind_fentry.c */
extern const struct probe_kind kind_fexit;
extern const struct probe_kind kind_uprobe; /* kind_uprobe.c */
extern const struct probe_kind kind_uretprobe;
extern const struct probe_kind kind_usdt;     /* kind_usdt.c */
extern const struct probe_kind kind_interval; /* kind_timer.c */
extern const struct probe_kind kind_profile;
extern const struct probe_kind kind_software; /* kind_perf.c */
extern const struct probe_kind kind_hardware;
extern const struct probe_kind kind_begin; /* kind_once.c */
extern const struct probe_kind kind_end;

struct perf_event_attr;
/* Opens perf event attr on every CPU (or on CPU 0 alone) and attaches prog
 * to each, a link each into links: 0, or -1 with err filled and errno set
 * (kind_perf.c). */
int kind_perf_attach(struct perf_event_attr *attr, bool every_cpu, struct bpf_program *prog,
                     struct probe_links *links, struct probe_err *err);

/* Where pt_regs keeps argument n, or the return value (n 0): kprobes' and
 * uprobes' context. */
int kind_regs_offset(const struct probe_point *pt, int n);

/* What works where kprobes and fentry do not: a kprobe if the kernel has
 * them, else the tracepoint that sees what the function sees; into e's hint. */
void kind_instead(const char *func, bool ret, struct probe_err *e);

#endif
