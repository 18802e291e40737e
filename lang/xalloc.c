#include "lang/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn void xalloc_fail(size_t bytes)
{
    /* no stdio: it may want memory of its own */
    char msg[160];
    int n = bytes ? snprintf(msg, sizeof(msg),
                             "tinyprobe: error: out of memory (allocating %zu bytes); "
                             "check ulimit -v and the memory cgroup\n",
                             bytes)
                  : snprintf(msg, sizeof(msg),
                             "tinyprobe: error: out of memory; check ulimit -v and the "
                             "memory cgroup\n");
    if (n > 0)
        (void)!write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    _exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        xalloc_fail(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        xalloc_fail(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        xalloc_fail(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    n = strnlen(s, n);
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}
