/* A set of strings, by open addressing: adding is O(1), so that checks and
 * codegen stay linear in the number of probes. */
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

bool strset_add(struct strset *set, const char *name)
{
    if (2 * (set->n + 1) > set->cap) {
        struct strset bigger = {.cap = set->cap ? 2 * set->cap : 64};
        bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i])
                strset_add(&bigger, set->slot[i]);
        free(set->slot);
        *set = bigger;
    }
    size_t i = hash(name) & (set->cap - 1);
    for (; set->slot[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->slot[i], name) == 0)
            return false;
    set->slot[i] = name;
    set->n++;
    return true;
}

void strset_free(struct strset *set)
{
    free(set->slot);
    memset(set, 0, sizeof(*set));
}
