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

/* join() reads at most this many argv entries; one more is looked at to know
 * whether the list was cut off. */
#define EV_JOIN_MAX PLAN_JOIN_MAX
/* Bit of a join slot's count that says the list was cut off. */
#define EV_JOIN_CUT (1ull << 32)

enum ev_arg_kind {
    EA_INT,       /* int64 at off */
    EA_UINT,      /* uint64 at off */
    EA_STR,       /* NUL-terminated, `size` bytes at off */
    EA_JOIN,      /* uint64 count, then EV_JOIN_MAX strings of `size` bytes; text: separator */
    EA_TIME,      /* uint64 CLOCK_MONOTONIC ns at off; text: strftime format */
    EA_PROBE,     /* the name of the probe that sent the event, from the header */
    EA_CONST_STR, /* text, known at compile time: nothing in the event */
    EA_CONST_INT, /* ival */
};

struct ev_arg {
    enum ev_arg_kind kind;
    uint32_t off, size;
    const char *text;
    size_t textlen;
    int64_t ival;
};

struct ev_desc {
    bool laid_out;              /* a print or printf that was checked */
    const struct fmt_spec *fmt; /* printf; NULL for print */
    struct ev_arg *args;
    int nargs;
    uint32_t size;
};

/* Lays the checked print or printf statement `s` out into `d`: one slot per
 * argument, 8-byte aligned, after the header; `args` from the arena. */
void ev_layout(struct ev_desc *d, const struct ast_node *s, struct arena *a);

#endif
