/* What this kernel can do, found by looking rather than by version numbers. */
#ifndef TP_FEATURE_H
#define TP_FEATURE_H

#include <stdbool.h>

/* CONFIG_KPROBES: the kprobe PMU or tracefs's kprobe_events exists. */
bool feature_kprobes(void);
/* Whether `func` is in /proc/kallsyms. */
bool feature_ksym(const char *func);

#endif
