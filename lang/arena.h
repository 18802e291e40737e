/* Arena allocation for the front end. */
#ifndef TP_ARENA_H
#define TP_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Whether p is in a's memory: tests show that the plan keeps nothing of
 * the tree's. */
bool arena_holds(const struct arena *a, const void *p);

#endif
