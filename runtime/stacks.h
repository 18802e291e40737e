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
/* Reads the processes' mappings recorded since: before events, so that
 * the mappings of a process are known before its stacks are printed. */
void stacks_poll(struct stacks *s);
/* Stacks the kernel had no room for, each table's: a message each, after
 * the run, through the output's runtime_error. */
void stacks_report_lost(struct rt *rt);

#endif
