#include "lang/plan.h"

/* What each aggregation keeps per CPU: the runtime merges the CPUs. */
unsigned plan_agg_size(enum plan_agg agg)
{
    switch (agg) {
    case AGG_COUNT:
    case AGG_SUM: return 8; /* the total */
    case AGG_MIN:
    case AGG_MAX: return 16; /* the value, and whether this CPU has one */
    case AGG_AVG:
    case AGG_STATS: return 16; /* the count and the total */
    default: return 8;
    }
}

const char *plan_agg_name(enum plan_agg agg)
{
    static const char *const names[] = {
        [AGG_NONE] = "",   [AGG_COUNT] = "count", [AGG_SUM] = "sum",     [AGG_MIN] = "min",
        [AGG_MAX] = "max", [AGG_AVG] = "avg",     [AGG_STATS] = "stats",
    };
    return names[agg];
}
