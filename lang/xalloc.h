/* Allocation that cannot fail silently: when memory runs out (ulimit -v, a
 * memory cgroup), tinyprobe says so and exits 1, instead of aborting or
 * limping on with a NULL. */
#ifndef TP_XALLOC_H
#define TP_XALLOC_H

#include <stddef.h>

/* Prints "tinyprobe: error: out of memory ..." and exits 1. */
_Noreturn void xalloc_fail(size_t bytes);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
