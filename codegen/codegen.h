/* Codegen: the checked tree to a BPF ELF object in memory, through the LLVM
 * C API, with DWARF that the BPF backend turns into BTF (maps must be
 * BTF-defined, and line info maps verifier messages back to the script). */
#ifndef TP_CODEGEN_H
#define TP_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bpf/probe.h"
#include "lang/diag.h"
#include "lang/event.h"
#include "lang/plan.h"

/* The tree is codegen's input only: the runtime, which reads codegen's
 * output, never sees it. */
struct ast_program;

struct cg_opts {
    int str_size;          /* as for checks */
    unsigned ringbuf_size; /* bytes, a power of two, at least a page */
    unsigned map_size;     /* entries of each map */
    unsigned stack_max;    /* stacks each table of stacks keeps */
    int ncpus;             /* possible CPUs: each has its own slots (plan.h); 0 is 1 */
    FILE *dump_ir;         /* -d ir: the optimized IR */
    /* kernel structs' members read through CO-RE relocations (mem.c), for
     * an object that may load on another kernel (--emit). Not otherwise:
     * libbpf would then read the kernel's BTF at each load (~80 ms), and
     * each relocated offset costs an instruction. */
    bool core;
    /* tests only: emit a load the verifier refuses, in every print (the
     * first refuses), or only in a probe's last statement (a long log) */
    enum { CG_FAULT_NONE, CG_FAULT_EVERY, CG_FAULT_LAST } inject_fault;
};

/* What differs from run to run, which the programs read from a global in the
 * object's .rodata, and the runtime sets before load (load.c), so that an
 * object is not made for one run. libbpf freezes the map before the
 * programs load, and the verifier then reads these as the constants they
 * are: bounds checked against them hold, and branches a run does not take
 * are dropped, as those of -p and --cgroup are without them. */
struct cg_run {
    uint64_t pid;      /* -p: the process whose events are kept, where cg_opts.pid */
    uint64_t cpid;     /* -c: the command's pid, for cpid */
    uint64_t start_ns; /* CLOCK_MONOTONIC when tinyprobe started: elapsed counts from it */
    uint64_t ncpus;    /* CPUs whose slots programs use: at most cg_output.ncpus */
    uint64_t cgroup;   /* --cgroup: 1, and only tasks under the cgroup in CG_MAP_CGROUP count */
};
#define CG_RUN         "run" /* the global */
#define CG_RUN_SECTION ".rodata"

/* One BPF program per (probe, spec): specs of one probe differ in context.
 * Plain data for the runtime, which reads no tree: the spec's text and place,
 * and what bpf/ resolved it to. */
/* An entry for each point: its program, perhaps one several points share
 * (the same name). */
struct cg_prog {
    char name[64]; /* the ELF symbol, and so libbpf's program name */
    char section[160];
    char *text;        /* its point in full: "tracepoint:syscalls:sys_enter_openat" */
    struct tp_loc loc; /* where it is written */
    const struct probe_kind *kind;
    const struct probe_point *point; /* owned by the plan (plan.points) */
    bool shared;   /* its program serves other points too: attach with its index as cookie */
    bool has_loop; /* a while loop, the first at loop_at: where a refusal */
    struct tp_loc loop_at; /* to bound one points */
};

struct cg_output {
    void *obj;
    size_t objlen;
    struct cg_prog *progs;
    int nprogs;
    const struct plan *plan; /* the program's events, maps, requests and points */
    unsigned names_size;     /* CG_MAP_NAMES's values: each entry's text, padded; 0: no map */
    unsigned map_size;       /* entries of each map */
    unsigned stack_max;      /* entries of each table of stacks */
    int ncpus;               /* CPUs the slots are laid out for */
    /* the places code was made for, sorted, each once: line info says
     * where an instruction's part of the script starts, this where it ends */
    struct tp_loc *spans;
    int nspans;
};

/* Names of the maps in the object, for runtime. */
#define CG_MAP_EVENTS     "events"
#define CG_MAP_LOST       "lost"
#define CG_MAP_SCRATCH    "scratch"
#define CG_MAP_FULL       "map_full"    /* by plan map: updates refused, the map being full */
#define CG_MAP_REQUESTS   "requests"    /* by plan request: how many times it was asked */
#define CG_MAP_PREFIX     "m"           /* m0, m1...: the plan's maps */
#define CG_MAP_CGROUP     "cgroup"      /* --cgroup: the cgroup's directory, at 0 */
#define CG_MAP_NAMES      "probe_names" /* by entry: its text, for `probe` in shared programs */
#define CG_MAP_STACK_LOST "stack_lost"  /* by plan stack table: stacks it had no room for */
#define CG_STACK_PREFIX   "stk"         /* stk0, stk1...: the plan's stack tables */
#define CG_SLOTS          "slots"       /* the plan's slots, in PLAN_SLOTS_SECTION */
/* The exit gate's word, at the head of the slots: zero while probes run;
 * a probe's exit sets CG_EXIT_SET or'ed with its code, and tinyprobe sets
 * CG_EXIT_STOP when it stops for another reason. */
#define CG_EXIT_SET  (1ull << 32)
#define CG_EXIT_STOP (1ull << 33)

/* 0, or -1 after reporting why (at the script's location where there is one). */
int cg_compile(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out);
void cg_output_free(struct cg_output *out);

#endif
