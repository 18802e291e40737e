/* tracefs: where it is, mounting it when we may, and tracepoint formats. */
#ifndef TP_TRACEFS_H
#define TP_TRACEFS_H

#include "bpf/probe.h"

/* The tracefs mount point, mounting it at /sys/kernel/tracing if neither
 * usual place has it and we are root; NULL with `why` filled otherwise. */
const char *tracefs_root(char *why, size_t n);
/* Reads events/CAT/NAME/format into pt->fields; -errno. */
int tracefs_format(const char *root, struct probe_point *pt);
/* The names of the events in category `cat` (or the categories when cat is
 * NULL), for suggestions; free with tracefs_names_free. */
char **tracefs_names(const char *root, const char *cat, int *n);
void tracefs_names_free(char **names, int n);

#endif
