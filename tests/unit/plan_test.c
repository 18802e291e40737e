/* The slots' layout (lang/plan.c) without a kernel: which aggregations get
 * slots, which fall back to a per-CPU array map past the kernel's cap on one
 * map value, and which keyed maps get a cache, on machines of 1 to 4096
 * CPUs. */
#include <stdio.h>
#include <string.h>

#include "lang/plan.h"

static int failures;

static void expect(const char *what, long long got, long long want)
{
    if (got != want) {
        printf("FAIL %s: %lld, not %lld\n", what, got, want);
        failures++;
    }
}

/* n maps @0.. of aggregation agg without a key (lhist(v, 0, 1000, 1) for
 * AGG_LHIST), then one @[comm] = count(). */
static void make(struct plan *p, struct plan_map *maps, int n, enum plan_agg agg)
{
    memset(p, 0, sizeof(*p));
    memset(maps, 0, (n + 1) * sizeof(*maps));
    for (int i = 0; i < n; i++) {
        maps[i].agg = agg;
        maps[i].value_size = plan_agg_size(agg);
        maps[i].lhist_min = 0;
        maps[i].lhist_max = 1000;
        maps[i].lhist_step = 1;
    }
    maps[n].agg = AGG_COUNT;
    maps[n].value_size = plan_agg_size(AGG_COUNT);
    maps[n].nkeys = 1;
    maps[n].keys[0] = (struct plan_key){.ty = ty_str(16)};
    p->maps = maps;
    p->nmaps = n + 1;
}

static int in_slots(const struct plan *p)
{
    int k = 0;
    for (int i = 0; i < p->nmaps; i++)
        k += p->maps[i].in_slots;
    return k;
}

int main(void)
{
    static struct plan_map maps[400];
    struct plan p;

    /* @ = count(): one 64-byte line a CPU; the cache of @[comm] after it */
    make(&p, maps, 1, AGG_COUNT);
    plan_layout(&p, 2);
    expect("count(): in the slots", maps[0].in_slots, 1);
    expect("count(): its offset", maps[0].slot_off, 0);
    expect("@[comm]: key bytes", maps[1].key_size, 16);
    expect("@[comm]: cached", maps[1].cache_n, PLAN_CACHE_SLOTS);
    expect("@[comm]: its cache after count()'s line", maps[1].slot_off, 64);
    expect("@[comm]: a cache slot (state, key, value)", maps[1].cache_slot_size, 8 + 16 + 8);
    expect("a CPU's block", p.slots_block, 64 + PLAN_CACHE_SLOTS * 32);

    /* 300 lhist(v, 0, 1000, 1): 1002 buckets, 8064 bytes a CPU each; on 2
     * CPUs the first 260 fit in 4 MiB with the head, the rest fall back */
    make(&p, maps, 300, AGG_LHIST);
    plan_layout(&p, 2);
    expect("lhist: buckets", maps[0].array_size, 1002);
    expect("300 lhists on 2 CPUs: in the slots", in_slots(&p), 260);
    expect("the 261st: a per-CPU array map", maps[260].in_slots, 0);
    expect("the 261st: still an array", maps[260].array, 1);
    expect("no cache once the slots are full", maps[300].cache_n, 0);
    expect("2 CPUs' blocks within the cap", PLAN_SLOTS_HEAD + 2ll * p.slots_block <= PLAN_SLOTS_MAX,
           1);

    /* on 1 CPU all of them fit */
    plan_layout(&p, 1);
    expect("300 lhists on 1 CPU: in the slots", in_slots(&p), 300);

    /* 4096 CPUs: 1 KiB a CPU; 12 hist()s (528 bytes, 576 with padding)
     * would need 6912: one fits */
    make(&p, maps, 12, AGG_HIST);
    plan_layout(&p, 4096);
    expect("12 hists on 4096 CPUs: in the slots", in_slots(&p), 1);
    expect("4096 CPUs' blocks within the cap",
           PLAN_SLOTS_HEAD + 4096ll * p.slots_block <= PLAN_SLOTS_MAX, 1);
    expect("no cache on 4096 CPUs", maps[12].cache_n, 0);

    /* 0 CPUs (not counted) is taken as 1 */
    make(&p, maps, 1, AGG_SUM);
    plan_layout(&p, 0);
    expect("0 CPUs: in the slots", maps[0].in_slots, 1);

    if (failures)
        return 1;
    printf("the slots' layout is right\n");
    return 0;
}
