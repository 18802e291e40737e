/* The events the BPF programs write to the ring buffer, and how user space
 * reads them back: the one contract between codegen and runtime. The checks
 * lay each print/printf out into the plan; codegen writes events by the
 * layout and the runtime prints them by it, so neither hard-codes the other. */
#ifndef TP_EVENT_H
#define TP_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/arena.h"
#include "lang/plan.h"
#include "lang/printf.h"

struct ast_node;

struct ev_header {
    uint32_t id;   /* the statement's id: an index into plan.events */
    uint32_t prog; /* the program that sent it: an index into cg_output.progs */
};
/* An id with this bit is a request's place among the events: the rest of
 * it is the request's index in plan.reqs, and a uint64 follows the header,
 * the request's count once this one was made. */
#define EV_REQUEST (1u << 31)
struct ev_request {
    struct ev_header h;
    uint64_t seq;
};
/* An id with this bit is an update of a map whose key has a user stack to
 * unwind (plan_map.deferred): the rest of it is the map's index, and the
 * header is followed by the aggregation's operand (a uint64), the key as
 * the map lays it out (each such stack's 16 bytes left for user space to
 * fill), then a TY_STACK_CAPTURE for each such stack, in the key's order. */
#define EV_DEFER (1u << 30)

/* Where an argument's value comes from. */
enum ev_src {
    EV_SRC_EVENT, /* the event, at off */
    EV_SRC_CONST, /* known at compile time: nothing in the event; text (a string) or
                     ival (an integer) */
    EV_SRC_PROBE, /* the name of the probe that sent the event, from the header */
};

struct ev_arg {
    struct ty ty;
    enum ev_src src;
    uint32_t off;
    const char *text; /* EV_SRC_CONST strings; TY_JOIN: the separator; TY_TIME: the format */
    size_t textlen;
    int64_t ival;
};

/* What the event is for: how an output format names it. EV_CAT and
 * EV_SYSTEM are printfs whose text is a file to print (cat()) or a command
 * to run (system()) in user space. */
enum ev_kind { EV_PRINT, EV_PRINTF, EV_TIME, EV_JOIN, EV_CAT, EV_SYSTEM };

struct ev_desc {
    bool laid_out; /* a print or printf that was checked */
    enum ev_kind kind;
    const struct fmt_spec *fmt; /* printf; NULL for print */
    struct ev_arg *args;
    int nargs;
    uint32_t size;
};

/* Lays the checked print or printf statement `s` out into `d`: one slot per
 * argument, 8-byte aligned, after the header. `args`, the format and every
 * text are copies in arena `a` (the plan's): nothing points into the tree. */
void ev_layout(struct ev_desc *d, const struct ast_node *s, struct arena *a);

#endif
