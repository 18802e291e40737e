/* Probe kinds, as ply's providers: each kind is a struct of hooks that knows
 * how to resolve its specs, what context its programs get, which builtins it
 * allows, and how to attach. Adding a kind means adding one of these. */
#ifndef TP_PROBE_H
#define TP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "lang/ast.h"
#include "lang/diag.h"

struct bpf_program;
struct bpf_link;

/* A tracepoint's field, as its format file says. */
enum field_kind { FIELD_INT, FIELD_CHARS, FIELD_DATA_LOC, FIELD_OTHER };
struct probe_field {
    char *name;
    enum field_kind kind;
    int offset, size;
    bool is_signed;
};

/* A spec resolved against this kernel. */
struct probe_point {
    const struct probe_kind *kind;
    char *target;          /* after "kind:": "syscalls:sys_enter_openat", a function */
    char *category, *name; /* tracepoints */
    uint64_t period;       /* interval: ns between runs; profile: runs a second on each CPU */
    struct probe_field *fields;
    int nfields;
};

enum probe_when { WHEN_EVENT, WHEN_BEGIN, WHEN_END };

/* The links of one program: one for most kinds, one a CPU for profile. */
struct probe_links {
    struct bpf_link **v;
    int n, cap;
};
void probe_links_add(struct probe_links *l, struct bpf_link *link);
/* Destroys every link (detaching the program) and frees the vector. */
void probe_links_free(struct probe_links *l);

/* What a kind's programs can read beyond what every program can: the checks
 * allow a builtin only in probes whose kinds have what it needs. */
enum probe_cap {
    PROBE_ARGS = 1 << 0,   /* arg1..argN */
    PROBE_RETVAL = 1 << 1, /* retval */
    PROBE_FIELDS = 1 << 2, /* args.FIELD */
};

struct probe_kind {
    const char *name;
    const char *alias;
    enum bpf_prog_type prog_type;
    enum probe_when when;
    unsigned caps; /* enum probe_cap */
    /* Checks `target` (NULL when the spec had no ':'); on error reports at
     * `loc` and returns NULL. */
    struct probe_point *(*resolve)(const struct probe_kind *k, const char *target,
                                   struct diag_src *src, struct tp_loc loc);
    /* The ELF section name libbpf reads the program type from. */
    void (*section)(const struct probe_point *pt, char *buf, size_t n);
    /* Where in the context argument n (1-based) is, or the return value
     * when n is 0. */
    int (*ctx_offset)(int n);
    /* Attaches, adding one link or many (one a CPU) to `links`; on failure
     * returns -1 and writes why, and a hint, for the user. */
    int (*attach)(const struct probe_point *pt, struct bpf_program *prog, struct probe_links *links,
                  char *why, size_t whylen, char *hint, size_t hintlen);
};

/* Finds the kind of `spec` ("kind:target"), resolves it and stores both in it;
 * false after reporting an error. */
bool probe_resolve(struct ast_spec *spec, struct diag_src *src);
const struct probe_field *probe_field(const struct probe_point *pt, const char *name);
void probe_point_free(struct probe_point *pt);
/* The names of the kinds that have `cap`, as "kprobe or kretprobe". */
void probe_kinds_with(unsigned cap, char *buf, size_t n);
/* The closest of `n` names to `s`, or NULL when none is close: for "did you mean". */
const char *probe_closest(const char *s, const char *const *names, int n);

#endif
