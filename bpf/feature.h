/* What this kernel can do, found by looking rather than by version numbers. */
#ifndef TP_FEATURE_H
#define TP_FEATURE_H

#include <stdbool.h>
#include <stddef.h>

/* CONFIG_KPROBES: the kprobe PMU or tracefs's kprobe_events exists. */
bool feature_kprobes(void);
/* Whether one link can attach a program to many kernel functions
 * (kprobe.multi: Linux 5.18 with CONFIG_FPROBE). */
bool feature_kprobe_multi(void);
/* Whether `func` is in /proc/kallsyms. */
bool feature_ksym(const char *func);

/* Whether tracing programs may call bpf_get_current_task_btf (Linux 5.11),
 * whose task_struct they may then read with plain loads. */
bool feature_current_task_btf(void);

/* Whether the verifier knows `gotol`, the jump of more than 32767
 * instructions (Linux 6.6). */
bool feature_gotol(void);

/* Whether tracing programs may use hash maps that allocate their entries
 * as they are added (BPF_F_NO_PREALLOC): Linux 6.1, where such maps took
 * the BPF memory allocator. Before it perf_event programs were refused them
 * and other tracing programs loaded with a warning in the kernel's log. */
bool feature_alloc_in_tracing(void);

/* When this process lacks what loading BPF needs (CAP_BPF and CAP_PERFMON,
 * or CAP_SYS_ADMIN): true, with the missing ones named in buf. */
bool feature_missing_caps(char *buf, size_t n);

#endif
