/* The plan: what the checks decide that codegen and the runtime both need,
 * as plain data with no pointers into the tree: the maps, with their key and
 * value layouts; the layout of every event; the requests probes make of
 * user space (print, clear and zero a map); and the points the probes attach
 * to. Codegen makes the BPF maps from it; the runtime reads and prints them
 * by it. The plan owns its memory (its own arena, every string copied), so
 * the tree is freed once codegen is done and the runtime runs without it. */
#ifndef TP_PLAN_H
#define TP_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/probe.h"
#include "lang/diag.h"
#include "lang/type.h"

/* A map's value: a plain value, or an aggregation kept per CPU. */
enum plan_agg {
    AGG_NONE,
    AGG_COUNT,
    AGG_SUM,
    AGG_MIN,
    AGG_MAX,
    AGG_AVG,
    AGG_STATS,
    AGG_HIST,  /* power-of-2 buckets: the bucket is the key's last part */
    AGG_LHIST, /* linear buckets, lhist_min to lhist_max by lhist_step */
};
/* The most buckets an lhist may have. */
#define PLAN_LHIST_MAX 1024

/* One part of a map's key: an integer (8 bytes) or a string (its size), at
 * off. */
struct plan_key {
    struct ty ty;
    unsigned off;
};

#define PLAN_KEYS_MAX 8

struct plan_map {
    const char *name; /* "@x", or "@" */
    int nkeys;        /* 0: a map without a key, @x */
    struct plan_key keys[PLAN_KEYS_MAX];
    unsigned key_size;
    enum plan_agg agg;
    struct ty value;                          /* AGG_NONE: the value's; else an int64 */
    unsigned value_size;                      /* of one value; per CPU for aggregations */
    struct tp_loc key_at, value_at;           /* where the key's and the value's types were set */
    int64_t lhist_min, lhist_max, lhist_step; /* AGG_LHIST */
    unsigned user_key_size;                   /* hist, lhist: the key before the bucket */
    /* An aggregation without a key is an array of array_size values (one,
     * or one a bucket for hist and lhist), kept per CPU in the slots: plain
     * global memory, a block of plan.slots_block bytes a CPU, the map's at
     * slot_off in it. A program reaches its CPU's value with no map lookup,
     * touching one page; user space reads it all through one mmap. */
    bool array;
    bool in_slots; /* false past PLAN_SLOTS_MAX: a per-CPU array map instead */
    unsigned array_size;
    unsigned slot_off;
    /* count() and sum() with a key also have a cache in the slots: per CPU,
     * cache_n slots of cache_slot_size bytes at slot_off, each a state
     * (PLAN_CACHE_FREE, _CLAIMED, _READY), a key, and a value as the hash
     * map keeps it. A key takes its slot (chosen by a hash of the key)
     * while the slot is free, once the hash map holds the key, so the map's
     * size still bounds the keys; from then on it is counted there, with
     * no lookup in the hash map and no page touched but the slot's. Keys
     * whose slot another key holds go to the hash map. User space adds the
     * slots to what it reads from the map, and frees them when the map is
     * cleared. Not for maps deleted from (a delete cannot reach other
     * CPUs' slots). */
    bool deleted; /* some probe calls delete() on it */
    /* Its key has a user stack that user space unwinds (--unwind dwarf):
     * each update is an event (EV_DEFER) that user space makes, once it has
     * unwound the stack into the key. */
    bool deferred;
    unsigned cache_n, cache_slot_size;
};
enum { PLAN_CACHE_FREE, PLAN_CACHE_CLAIMED, PLAN_CACHE_READY };
/* Slots a CPU for each cached map: a power of 2. */
#define PLAN_CACHE_SLOTS 64
/* The largest key cached, in bytes. */
#define PLAN_CACHE_KEY_MAX 32
/* The most bytes of caches a CPU, all maps': the first maps get them. */
#define PLAN_CACHE_BYTES 8192

/* What a probe asks of user space through the requests map: never lost,
 * since it is a counter, not an event; its place among the events follows
 * as an event too (EV_REQUEST), so that it is carried out in order. */
enum plan_req_kind { REQ_PRINT, REQ_CLEAR, REQ_ZERO };
struct plan_req {
    enum plan_req_kind kind;
    int map;
    int64_t top; /* REQ_PRINT: the top N entries, 0 for all */
};

/* A struct or union kept as a value (print(*p), @m = p->f_path): its
 * members as the printers lay them out, taken from the kernel's BTF when
 * the script is checked, so that the runtime prints it without BTF. */
struct plan_field {
    const char *name;
    unsigned off;   /* bytes from the record's start */
    struct ty ty;   /* TY_INT, TY_PTR, TY_STR (a char array), TY_RECORD (its rec) */
    unsigned count; /* an array of count elements of ty; 0 for one */
    unsigned char bit_off, bit_size; /* a bitfield: bit_size bits, bit_off bits past off */
};
struct plan_record {
    const char *name; /* "struct timespec"; "tuple" */
    bool tuple;       /* printed (1, a), a JSON array; its fields are 0, 1, ... */
    unsigned btf;     /* the kernel's id, so that each is laid out once */
    unsigned size;
    struct plan_field *fields;
    int nfields;
};
/* The largest record kept as a value, in bytes; how deep records nest in
 * one, and how many members it has with those nested. */
#define PLAN_RECORD_MAX    4096
#define PLAN_RECORD_DEPTH  8
#define PLAN_RECORD_FIELDS 1024

/* An enum whose values a printf's %s prints by name: its names, from the
 * kernel's BTF when the script is checked. A TY_INT of an enum has rec =
 * its index here + 1 (0: none). */
struct plan_enum {
    unsigned btf;
    int n;
    const char **names;
    int64_t *values;
};
#define PLAN_ENUM_MAX 4096 /* values of one enum kept */

/* A table of stacks in the kernel, one for each kind (kernel, user) and
 * depth that the script asks for: a hash map from a stack's hash to its
 * frames, which probes fill and user space reads to print the stacks that
 * events and maps hold by their hash (a TY_STACK's rec). */
struct plan_stack {
    bool user;
    int depth;  /* frames, at most TY_STACK_DEPTH_MAX */
    bool dwarf; /* --unwind dwarf: user stacks unwound in user space from a copy
                   (TY_STACK_CAPTURE), kept there, and no table in the kernel */
};
/* Tables of stacks a script may have; stacks one table keeps (by default:
 * --stack-max). */
#define PLAN_STACKS_MAX 8

struct ev_desc; /* lang/event.h */
struct arena;   /* lang/arena.h */

struct plan {
    struct arena *arena;    /* what the arrays and strings below take */
    struct ev_desc *events; /* by statement id: each print and printf's event */
    int nevents, capevents;
    struct plan_map *maps;
    int nmaps, capmaps;
    struct plan_req *reqs;
    int nreqs, capreqs;
    struct plan_record *records; /* by a TY_RECORD's rec */
    int nrecords, caprecords;
    struct plan_enum *enums; /* by a TY_INT's rec - 1 */
    int nenums, capenums;
    struct plan_stack *stacks; /* by a TY_STACK's rec */
    int nstacks, capstacks;
    bool user_symbols; /* ustack or usym(): the runtime records processes' mappings */
    bool uses_cpid;    /* cpid is read: a compiled script then needs -c */
    bool unsafe;       /* system() or signal(): a compiled script then needs --unsafe */
    /* Every point of every spec, in the order of the probes and their specs:
     * the checks resolve them into the tree's specs, which list them for
     * codegen, and then hand them over, since the runtime attaches to them. */
    struct probe_points points;
    unsigned slots_block; /* bytes of slots a CPU (a multiple of 64), 0 for none */
};

/* An empty plan, and its end: its arena and its points. */
struct plan *plan_new(void);
void plan_free(struct plan *p);
/* Adds `pt` to the plan's points, which then own it. */
void plan_take_point(struct plan *p, struct probe_point *pt);

/* The global that holds the slots, in the object's .bss. Its first
 * PLAN_SLOTS_HEAD bytes are shared by all CPUs: the exit gate (a word every
 * program reads first, on a line of its own so that no CPU's writes evict
 * it), then each CPU's block. */
#define PLAN_SLOTS_SECTION ".bss"
#define PLAN_SLOTS_HEAD    64
/* The most bytes of slots, head and all CPUs': the kernel's cap on one map
 * value (KMALLOC_MAX_SIZE on x86-64 and arm64 with 4 KiB pages). */
#define PLAN_SLOTS_MAX (4u << 20)

/* hist()'s buckets: below 0, 0, then one a power of 2 up to 2^64. */
#define PLAN_HIST_BUCKETS 66

/* Lays out the maps' keys, and which aggregations get slots or a cache
 * (plan_map) on a machine of `ncpus` CPUs, within PLAN_SLOTS_MAX. */
void plan_layout(struct plan *p, int ncpus);

/* What bucket i of a hist or lhist map counts: min to max, both in it; a
 * bucket open below has no min, one open above no max. hist's bounds from
 * bucket 1 on are unsigned (its last bucket ends at 2^64 - 1). */
struct plan_bucket {
    int64_t min, max;
    bool has_min, has_max, is_unsigned;
};
struct plan_bucket plan_bucket(const struct plan_map *m, uint64_t i);

/* The plan as bytes, for a compiled script (plan_io.c), with the CPUs its
 * slots are laid out for; read back with every size and index checked,
 * events no longer than event_max, and the maps laid out again. 0, or -1
 * with in->err saying what is wrong. */
struct wire_out;
struct wire_in;
#define PLAN_CPUS_MAX 8192
void plan_write(struct wire_out *o, const struct plan *p, int ncpus);
int plan_read(struct wire_in *in, struct plan *p, unsigned event_max, int *ncpus);
void plan_put_loc(struct wire_out *o, struct tp_loc l);
struct tp_loc plan_get_loc(struct wire_in *in);

/* -d plan: every map, event and request, one line each part (plan_dump.c). */
void plan_dump(const struct plan *p, FILE *out);

/* An aggregation's bytes per CPU. */
unsigned plan_agg_size(enum plan_agg agg);
/* The name of an aggregation, as called: "count". */
const char *plan_agg_name(enum plan_agg agg);

#endif
