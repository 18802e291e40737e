/* Probe kinds, as ply's providers: the bottom layer, which knows the kernel
 * and nothing of the script. Each kind is one file (bpf/kind_*.c) holding a
 * struct of hooks: it expands a target, perhaps a pattern, into points; says
 * where a point's arguments are; attaches a program to a point with one link
 * or many; and lists what exists. It declares what its programs can read,
 * and the checks build their "only in ..." messages from that. Adding a kind
 * is one file and one line in probe.c's registry. */
#ifndef TP_PROBE_H
#define TP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>

struct bpf_program;
struct bpf_link;

/* An error as plain data: what went wrong and, where there is something to
 * do, what; the caller prints it at the script's place (lang/diag). */
struct probe_err {
    char msg[512];
    char hint[512];
};
void probe_errf(struct probe_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void probe_hintf(struct probe_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A named argument of a point: a tracepoint's field, as its format file
 * says. FIELD_BYTES is an array of bytes that are not text (__u8 saddr[4]). */
enum field_kind { FIELD_INT, FIELD_CHARS, FIELD_DATA_LOC, FIELD_OTHER, FIELD_BYTES };
struct probe_field {
    char *name;
    char *decl; /* as the format file declares it: "const char * filename" (-lv) */
    enum field_kind kind;
    int offset, size;
    bool is_signed;
    unsigned btf; /* its type in the kernel's BTF where one is known (raw
                     tracepoints, fentry), else 0 */
};

/* One place a program attaches to: a target after its kind, a pattern's
 * match. */
struct probe_point {
    const struct probe_kind *kind;
    char *target; /* "syscalls:sys_enter_openat", "vfs_read", "/bin/bash:readline" */
    struct probe_field *fields;
    int nfields;
    int nargs;        /* arg1..argN that exist; 0 when the kind cannot know */
    bool void_return; /* a function that returns nothing: no retval */
    uint64_t addr;    /* uprobes: the probed instruction's address as its file links it */
    void *data;       /* the kind's own, freed by its release hook or free() */
};

struct probe_points {
    struct probe_point **v;
    int n, cap;
};
/* A new point of kind k for `target`, added to ps. */
struct probe_point *probe_point_add(struct probe_points *ps, const struct probe_kind *k,
                                    const char *target);
void probe_point_free(struct probe_point *pt);
void probe_points_free(struct probe_points *ps);
const struct probe_field *probe_field(const struct probe_point *pt, const char *name);
/* arg_btf for kinds whose fields are their arguments, in order. */
unsigned probe_field_btf(const struct probe_point *pt, int n);

enum probe_when { WHEN_EVENT, WHEN_BEGIN, WHEN_END };

/* The most arguments any point has (the kernel's MAX_BPF_FUNC_ARGS, and
 * USDT's). */
#define PROBE_ARGS_MAX 12

/* The most points one spec may name when each needs a program of its own
 * (fentry, fexit, usdt, raw tracepoints): thousands would load for minutes,
 * or run out of file descriptors. */
#define PROBE_PROGRAMS_MAX 4096

/* The links of one program: one for most kinds, one a CPU for profile. */
struct probe_links {
    struct bpf_link **v;
    int n, cap;
};
void probe_links_add(struct probe_links *l, struct bpf_link *link);
/* A link just made, or NULL with errno set by libbpf: 0 with it added to
 * l, or -1 with err saying errno's text (errno kept, for the caller's own
 * words). */
int probe_linked(struct probe_links *l, struct bpf_link *link, struct probe_err *err);
/* Destroys every link (detaching the program) and frees the vector. */
void probe_links_free(struct probe_links *l);

/* Whom the probes are for: -p PID, or every process (0); and the cookie to
 * attach with (a shared program's: see cookie_shares). */
struct probe_opts {
    int pid;
    uint64_t cookie;
};

/* What a kind's programs can read beyond what every program can: the checks
 * allow a builtin only in probes whose kinds have what it needs. */
enum probe_cap {
    PROBE_ARGS = 1 << 0,   /* arg1..argN */
    PROBE_RETVAL = 1 << 1, /* retval */
    PROBE_FIELDS = 1 << 2, /* args.FIELD */
    PROBE_REGS = 1 << 3,   /* reg(): its context is the registers (pt_regs) */
    PROBE_FUNC = 1 << 4,   /* func: it fires in a function it names */
    PROBE_STACK = 1 << 5,  /* kstack, ustack: it runs in a task that has a stack */
    PROBE_UBIN = 1 << 6,   /* uaddr(): it fires in a binary of user space it names */
};

struct probe_kind {
    const char *name;
    const char *alias;
    const char *usage; /* how a spec of it is written: "tracepoint:CATEGORY:NAME" */
    enum bpf_prog_type prog_type;
    enum probe_when when;
    unsigned caps;      /* enum probe_cap */
    bool args_usdt;     /* argN is where libbpf's USDT spec says (codegen/usdt.c), not in ctx */
    bool args_in_regs;  /* argN is a register: arg1..ARCH_MAX_ARGS only */
    bool cookie_shares; /* a pattern's points may share one program, told apart by the
                           attach cookie (when they read the same fields at the same places) */
    bool untargeted;    /* fires on a timer, in whatever task runs: -p and --cgroup do not
                           filter it (interval; profile they do, to profile a process) */
    /* Adds the points `target` names (NULL when the spec had no ':'); a
     * pattern ('*') adds every match. 0, or -1 with err filled. */
    int (*expand)(const struct probe_kind *k, const char *target, struct probe_points *out,
                  struct probe_err *err);
    /* The ELF section of the point's program (libbpf reads nothing from it:
     * the loader sets each program's type). */
    void (*section)(const struct probe_point *pt, char *buf, size_t n);
    /* Where in the context argument n (1-based) is, or the return value
     * when n is 0. */
    int (*ctx_offset)(const struct probe_point *pt, int n);
    /* Attaches, adding one link or many (one a CPU) to `links`; 0, or -1
     * with err filled and errno set. */
    int (*attach)(const struct probe_point *pt, struct bpf_program *prog,
                  const struct probe_opts *o, struct probe_links *links, struct probe_err *err);
    /* -l: prints "kind:target" for each probe matching `pattern` (NULL:
     * every one), and with `verbose` its arguments; the count printed, or -1
     * with err filled. */
    int (*list)(const struct probe_kind *k, const char *pattern, bool verbose, FILE *out,
                struct probe_err *err);
    void (*release)(struct probe_point *pt); /* frees pt->data; NULL: free() */
    /* Optional: the kernel BTF type of argument n (1-based) where the kind
     * knows it (a function's prototype), so that argN of a struct pointer
     * reads members without a cast; 0 where it does not. */
    unsigned (*arg_btf)(const struct probe_point *pt, int n);
    /* Optional, for programs that serve several points: made ready before
     * the load (prepare), then attached to all n points at once, point i
     * with cookie first_cookie + i, in one link (attach_many: 0, 1 when this
     * program is to be attached point by point, or -1 with err filled). */
    void (*prepare)(struct bpf_program *prog, bool shared);
    int (*attach_many)(const struct probe_point *const *pts, int n, uint64_t first_cookie,
                       struct bpf_program *prog, struct probe_links *links, struct probe_err *err);
    /* The kernel refused to load the point's program before verifying it
     * (errno err): why, as the kind knows, and what works instead. */
    void (*refused)(const struct probe_point *pt, int err, struct probe_err *e);
    bool listed; /* by -l without a kind (not kretprobe: kprobe lists the same) */
};

/* The kind named `name` (its first `len` bytes), by name or alias; NULL. */
const struct probe_kind *probe_kind_find(const char *name, size_t len);
/* Every kind, in the order -l lists them. */
const struct probe_kind *const *probe_kinds(int *n);
/* -l [PATTERN]: "KIND:TARGET" lists that kind's probes matching TARGET;
 * anything else is matched against the targets of every kind that is
 * listed; the count printed, or -1 with err filled (nothing matched is an
 * error too). */
int probe_list(const char *pattern, bool verbose, FILE *out, struct probe_err *err);
/* The names of the kinds that have `cap`, as "kprobe or kretprobe". */
void probe_kinds_with(unsigned cap, char *buf, size_t n);
/* The closest of `n` names to `s`, or NULL when none is close: for "did you mean". */
const char *probe_closest(const char *s, const char *const *names, int n);
/* The function a point fires in, as `func` says it: its target after the
 * binary ("/bin/bash:readline"), without an offset ("vfs_read+4"); len
 * bytes of it. */
const char *probe_target_func(const char *target, size_t *len);
/* What the context holds at byte off, read size bytes wide, by the name a
 * script gives it ("args.filename", "arg2", "retval", "regs.ip"), into buf;
 * NULL when the point names nothing there. For the -d listings. */
const char *probe_ctx_name(const struct probe_point *pt, int off, int size, char *buf, size_t n);
/* Whether `s` is a pattern, and whether `pattern` ('*' for any run of
 * characters) matches `s` whole. */
bool probe_is_pattern(const char *s);
bool probe_match(const char *pattern, const char *s);

#endif
