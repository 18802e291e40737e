/* The stacks that events and maps hold by their hash: their frames read
 * from the kernel's tables of stacks (codegen/stack.c) when first printed,
 * and kept, since a hash stands for the same frames for the whole run; and
 * the symbols they are printed with (runtime/syms.c). */
#ifndef TP_STACKS_H
#define TP_STACKS_H

#include <stdio.h>

#include "runtime/value.h"

struct rt;
struct stacks;

/* The tables of the loaded object, for its plan's stacks; NULL when the
 * plan has none. */
struct stacks *stacks_new(struct rt *rt);
void stacks_free(struct stacks *s);
/* What the printers call (value_env.syms): frames and symbols. s may be
 * NULL when there are no stacks: symbols are still found. */
void stacks_env(struct stacks *s, struct value_syms *vs);
/* Keeps n frames in table rec (a stack unwound in user space): the hash
 * that stands for them. */
uint64_t stacks_intern(struct stacks *s, int rec, const uint64_t *v, int n);
/* --unwind dwarf: the update of a map keyed by user stacks that a probe
 * left to user space (lang/event.h's EV_DEFER record, size bytes at data):
 * its stacks unwound into the key, and the aggregation made, in the map in
 * the kernel, as the probe would have made it. */
void stacks_defer(struct rt *rt, const void *data, size_t size);
/* Reads the processes' mappings recorded since: before events, so that
 * the mappings of a process are known before its stacks are printed. */
void stacks_poll(struct stacks *s);
/* Stacks the kernel had no room for, each table's: a message each, after
 * the run, through the output's runtime_error. */
void stacks_report_lost(struct rt *rt);

#endif
