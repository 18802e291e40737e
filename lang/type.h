/* The one model of what a value is, shared by the checks (which decide it),
 * the plan (which lays maps and events out by it), codegen (which writes
 * values by it) and the runtime (which prints each kind by its own printer,
 * runtime/value.c). A new kind of value is a kind here, its size, and its
 * printers there. */
#ifndef TP_TYPE_H
#define TP_TYPE_H

#include <stdbool.h>
#include <stdint.h>

enum ty_kind {
    TY_NONE,
    TY_INT,    /* size: its width as declared, 1, 2, 4 or 8 bytes; is_signed. Kept
                  in 8 bytes everywhere, sign- or zero-extended */
    TY_STR,    /* size: the most bytes, the NUL included; ends at the first NUL */
    TY_BUF,    /* size: the most bytes that are not text; kept as a uint64 length (at
                  most size), then size bytes */
    TY_JOIN,   /* an argv: a count, then TY_JOIN_MAX strings of size bytes */
    TY_TIME,   /* CLOCK_MONOTONIC ns, printed by a strftime() format */
    TY_PTR,    /* an address, of a btf (the pointee's kernel BTF id, 0 for
                  void) in user memory or the kernel's; printed in hex */
    TY_RECORD, /* a struct or union of size bytes (btf its id): in memory
                  while a chain reads through it, its bytes once kept;
                  printed by the plan's records[rec] */
    TY_TUPLE,  /* (a, b, ...): size bytes, laid out by the plan's records[rec],
                  integers in 8 bytes, strings in their size rounded up to 8 */
    TY_ARRAY,  /* an array of size bytes (btf its id), other than of chars
                  (a string): read an element at a time */
    TY_INET,   /* ntop(): an int64 address family (AF_INET, AF_INET6), then 16 bytes
                  of address, as bpftrace keeps it */
    TY_CGPATH, /* cgroup_path(): a cgroup v2 id, printed as its path */
    TY_STACK,  /* kstack, ustack (user): TY_STACK_SIZE bytes, a 64-bit hash of the frames,
                  whose addresses the plan's stacks[rec] table keeps in the kernel by it
                  (0: none kept), then the tgid whose addresses they are (ustack);
                  printed as `mode` says */
    TY_SYM,    /* ksym(), usym() (user): an address, printed as the symbol it is in;
                  usym's is followed by the tgid whose address it is (16 bytes) */
    TY_KINDS
};

struct ty {
    enum ty_kind kind;
    bool is_signed;     /* TY_INT */
    int size;           /* see the kinds */
    bool user;          /* TY_PTR: into user memory, read with the user helpers */
    unsigned btf;       /* TY_PTR, TY_RECORD; TY_STR read from a char array: the array's;
                           TY_INT of an enum: the enum's */
    int rec;            /* TY_RECORD, TY_TUPLE: its layout in the plan, once it is kept, -1
                           before; TY_INT of an enum %s prints: the plan's enum + 1; TY_STACK:
                           the plan's stack table */
    unsigned char mode; /* TY_STACK: enum ty_stack_mode */
};

/* How a stack is printed, as bpftrace's modes: a frame a line, "sym+off"
 * indented; perf's "\taddr sym+off (file)"; or the addresses alone. */
enum ty_stack_mode { STACK_BPFTRACE, STACK_PERF, STACK_RAW };
/* The bytes a stack takes: its hash, then the tgid (0 for a kernel stack). */
#define TY_STACK_SIZE 16
/* --unwind dwarf: a user stack as the probe saw it, for user space to
 * unwind (a TY_STACK of this size, in an event): the tgid and tid (a u64,
 * as bpf_get_current_pid_tgid), the user registers by their DWARF numbers
 * (TY_STACK_REGS of them), the number of the stack's bytes copied, then
 * TY_STACK_COPY bytes from the stack pointer up. */
#define TY_STACK_REGS       33
#define TY_STACK_COPY       8192
#define TY_STACK_COPY_CHUNK 1024 /* read a chunk at a time: where one fails, the stack ends */
#define TY_STACK_CAPTURE    (8 + 8 * TY_STACK_REGS + 8 + TY_STACK_COPY)
/* The most frames a stack keeps: the kernel's own bound
 * (PERF_MAX_STACK_DEPTH, the default of kernel.perf_event_max_stack). */
#define TY_STACK_DEPTH_MAX 127

/* The longest strftime() format, in bytes: what a TY_TIME's printer
 * expands is bounded by it. */
#define TY_TIME_FMT_MAX 255

/* buf(): the most bytes one holds. */
#define TY_BUF_MAX 4096
/* ntop(): the bytes a TY_INET takes. */
#define TY_INET_SIZE 24

/* join(): the arguments kept. */
#define TY_JOIN_MAX 32
/* Bit of a join's count that says the list was cut off. */
#define TY_JOIN_CUT (1ull << 32)

static inline struct ty ty_int(int size, bool is_signed)
{
    return (struct ty){.kind = TY_INT, .is_signed = is_signed, .size = size};
}
static inline struct ty ty_int64(bool is_signed)
{
    return ty_int(8, is_signed);
}
static inline struct ty ty_str(int size)
{
    return (struct ty){.kind = TY_STR, .size = size};
}

static inline struct ty ty_ptr(unsigned pointee, bool user)
{
    return (struct ty){.kind = TY_PTR, .size = 8, .btf = pointee, .user = user};
}
static inline bool ty_is_int(struct ty t)
{
    return t.kind == TY_INT;
}
/* Integers and addresses both: what arithmetic, comparisons and printf's
 * integer conversions take. */
static inline bool ty_is_scalar(struct ty t)
{
    return t.kind == TY_INT || t.kind == TY_PTR;
}

/* Whether a value of type t is kept as one 8-byte word that an integer
 * expression computes (an integer, an address, a cgroup_path()'s id). */
static inline bool ty_is_word(struct ty t)
{
    return t.kind == TY_INT || t.kind == TY_PTR || t.kind == TY_CGPATH ||
           (t.kind == TY_SYM && !t.user);
}

/* The bytes one value of type t takes in memory, as C lays it out (an
 * address 8; an integer, string, struct or array its size), where it is
 * kept extended or padded elsewhere (ty_store_size). */
static inline unsigned ty_mem_size(struct ty t)
{
    return t.kind == TY_PTR ? 8 : t.size > 0 ? (unsigned)t.size : 0;
}

/* The bytes a value of type t takes in an event, a map key or a map value:
 * integers 8, the rest their size (a join its count and its slots). */
uint64_t ty_store_size(struct ty t);
/* As -d ast and messages name it: "uint32", "string[64]". */
const char *ty_name(struct ty t, char *buf, int len);
/* The type of a value that holds either a or b (both of one kind): the
 * wider, signed only if both are. */
struct ty ty_merge(struct ty a, struct ty b);

#endif
