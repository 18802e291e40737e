#include "lang/plan.h"

/* What each aggregation keeps per CPU: the runtime merges the CPUs. */
unsigned plan_agg_size(enum plan_agg agg)
{
    switch (agg) {
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX: return 16; /* the value, and whether this CPU has one */
    case AGG_AVG:
    case AGG_STATS: return 16; /* the count and the total */
    default: return 8;         /* count: the total; hist, lhist: the bucket's count */
    }
}

const char *plan_agg_name(enum plan_agg agg)
{
    static const char *const names[] = {
        [AGG_NONE] = "",       [AGG_COUNT] = "count", [AGG_SUM] = "sum",
        [AGG_MIN] = "min",     [AGG_MAX] = "max",     [AGG_AVG] = "avg",
        [AGG_STATS] = "stats", [AGG_HIST] = "hist",   [AGG_LHIST] = "lhist",
    };
    return names[agg];
}
