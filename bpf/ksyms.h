/* The kernel's functions, by name: those ftrace can trace where tracefs says
 * (available_filter_functions), else every text symbol in /proc/kallsyms. */
#ifndef TP_KSYMS_H
#define TP_KSYMS_H

#include <stdbool.h>

struct ksyms {
    char **names; /* sorted, each once */
    int n;
    bool traceable; /* from available_filter_functions: every one can be traced */
};

/* Whether the kernel has function `name`, by a scan that keeps nothing: 1,
 * 0, or -errno when neither file can be read; *traceable says which file
 * answered. */
int ksyms_find(const char *name, bool *traceable);
/* 0, or -errno when neither file can be read. */
int ksyms_load(struct ksyms *ks);
bool ksyms_has(const struct ksyms *ks, const char *name);
void ksyms_free(struct ksyms *ks);

#endif
