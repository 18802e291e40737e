/* tracefs: where it is, mounting it when we may, and tracepoint formats. */
#ifndef TP_TRACEFS_H
#define TP_TRACEFS_H

#include "bpf/probe.h"

/* The tracefs mount point, mounting it at /sys/kernel/tracing if neither
 * usual place has it and we are root; NULL with `why` filled otherwise. */
const char *tracefs_root(char *why, size_t n);
/* Reads events/CAT/NAME/format into pt->fields; -errno. */
int tracefs_format(const char *root, const char *cat, const char *name, struct probe_point *pt);
/* Every event as "CATEGORY:NAME", sorted, from available_events (one read,
 * not a walk of the events directory); NULL with errno set. Free with
 * tracefs_names_free. */
char **tracefs_events(const char *root, int *n);
/* The names of the events in category `cat` (or the categories when cat is
 * NULL), for suggestions; free with tracefs_names_free. */
char **tracefs_names(const char *root, const char *cat, int *n);
void tracefs_names_free(char **names, int n);
/* A sorted array of names, from a growing one. */
void tracefs_sort(char **names, int n);

#endif
