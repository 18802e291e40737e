/* A set of strings that the caller keeps alive. */
#ifndef TP_STRSET_H
#define TP_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset {
    const char **slot;
    size_t cap, n;
};

/* Adds `s`; false when it was there already. */
bool strset_add(struct strset *set, const char *s);
void strset_free(struct strset *set);

#endif
