/* One arena per program: the tree is freed at once, and a syntax error half
 * way through building it leaks nothing. */
#include "lang/arena.h"
#include "lang/xalloc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena {
    struct chunk *head;
};
struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

struct arena *arena_new(void)
{
    return xcalloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    for (struct chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        c = xmalloc(sizeof(*c) + cap);
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return memset(p, 0, n);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    return d;
}

bool arena_holds(const struct arena *a, const void *p)
{
    uintptr_t x = (uintptr_t)p;
    for (const struct chunk *c = a->head; c; c = c->next)
        if (x >= (uintptr_t)c->data && x < (uintptr_t)c->data + c->cap)
            return true;
    return false;
}
