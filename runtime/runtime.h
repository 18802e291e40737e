/* Runtime: load the object into the kernel, run BEGIN, attach, print events
 * until told to stop, detach, run END. */
#ifndef TP_RUNTIME_H
#define TP_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/probe.h"
#include "codegen/codegen.h"
#include "lang/diag.h"
#include "runtime/child.h"
#include "runtime/listing.h"
#include "runtime/output.h"
#include "runtime/sink.h"

struct rt_opts {
    bool dry_run;             /* load, attach nothing, run nothing */
    bool verbose;             /* -v: list what was loaded */
    bool quiet;               /* no "Attached N probes" */
    bool dump_verifier;       /* -d verifier: every program's verifier log, by script line */
    bool dump_xlated;         /* -d xlated: every program as the kernel holds it */
    enum listing_color color; /* of those listings */
    struct output *out;       /* what prints, and its sink (opened once the probes are attached) */
    const char *outpath;      /* -o FILE, or NULL for standard output */
    struct probe_opts probe;  /* whom the probes are for (-p) */
    struct child *child;      /* -c's command, released once the probes are attached */
    int cgroup_fd;            /* --cgroup's directory, or -1 */
    uint64_t start_ns;        /* CLOCK_MONOTONIC when tinyprobe started: elapsed counts from it */
    const char *flamegraph;   /* --flamegraph FILE: the SVG to write at exit, or NULL */
    const char *title;        /* the flame graph's: the script's name, or its one line */
    bool stack_lines;         /* --stack-lines: user frames with their source file and line */
};

struct rt {
    const struct cg_output *cg;
    struct diag_src *src;
    const struct rt_opts *o;
    struct bpf_object *obj;
    struct bpf_program **progs; /* by cg program index */
    struct probe_links *links;  /* by cg program index */
    struct output *out;         /* o->out */
    uint64_t *reqs_seen;        /* by plan request: the count last carried out */
    unsigned char *slots;       /* the plan's slots: the kernel's memory, mapped */
    size_t slots_len;
    int64_t round_end;      /* CLOCK_MONOTONIC ns at which this round of the drain ends */
    uint64_t drained;       /* events formatted: the clock is read every 64 */
    uint64_t *unprinted;    /* by program: events left in the buffer once out of time */
    bool dropping;          /* counting those, not printing them */
    struct stacks *stacks;  /* the frames of the stacks printed, and symbols */
    struct value_syms syms; /* what the printers ask them through */
    struct flame *flame;    /* --flamegraph: the maps printed at exit, while they are */
};

/* libbpf's messages are kept for the error reports (and shown with -v),
 * from the first use of libbpf on, the checks' included. */
void load_messages(bool verbose);
/* 0, or -1 after printing why. */
int load_object(struct rt *rt);
/* Runs until exit, Ctrl-C or SIGTERM; the exit code. */
int run_probes(struct rt *rt);
void load_free(struct rt *rt);
/* A note with the limit of open files in force, after running out of them. */
void load_note_fd_limit(struct rt *rt);

#endif
