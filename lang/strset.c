#include "lang/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of `s`, or the empty one where it would go. */
static struct strset_slot *lookup(const struct strset *set, const char *s)
{
    size_t i = hash(s) & (set->cap - 1);
    for (; set->slot[i].s; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->slot[i].s, s) == 0)
            break;
    return &set->slot[i];
}

bool strset_put(struct strset *set, const char *s, int val)
{
    if (2 * (set->n + 1) > set->cap) {
        struct strset bigger = {.cap = set->cap ? 2 * set->cap : 64};
        bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i].s)
                *lookup(&bigger, set->slot[i].s) = set->slot[i];
        bigger.n = set->n;
        free(set->slot);
        *set = bigger;
    }
    struct strset_slot *sl = lookup(set, s);
    if (sl->s)
        return false;
    sl->s = s;
    sl->val = val;
    set->n++;
    return true;
}

void strset_set(struct strset *set, const char *s, int val)
{
    if (!strset_put(set, s, val))
        lookup(set, s)->val = val;
}

int strset_find(const struct strset *set, const char *s)
{
    if (!set->cap)
        return -1;
    const struct strset_slot *sl = lookup(set, s);
    return sl->s ? sl->val : -1;
}

void strset_free(struct strset *set)
{
    free(set->slot);
    memset(set, 0, sizeof(*set));
}
