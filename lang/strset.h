/* A set of strings that the caller keeps alive, each with an int: adding and
 * finding are O(1), so that checks and codegen stay linear in the number of
 * names a script has. */
#ifndef TP_STRSET_H
#define TP_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset_slot {
    const char *s;
    int val;
};

struct strset {
    struct strset_slot *slot;
    size_t cap, n;
};

/* Adds `s` with `val`; false (and nothing changed) when it was there. */
bool strset_put(struct strset *set, const char *s, int val);
/* Adds `s` with `val`, or gives it `val` where it was there. */
void strset_set(struct strset *set, const char *s, int val);
/* Adds `s`; false when it was there already. */
static inline bool strset_add(struct strset *set, const char *s)
{
    return strset_put(set, s, 0);
}
/* The int of `s`, or -1 when it is not there. */
int strset_find(const struct strset *set, const char *s);
void strset_free(struct strset *set);

#endif
