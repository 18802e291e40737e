/* The running kernel's types, from its BTF (/sys/kernel/btf/vmlinux), for
 * builtins that read kernel structures (ppid), raw tracepoints' arguments and
 * fentry's. Loaded on first use only. */
#ifndef TP_KBTF_H
#define TP_KBTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The byte offset of `member` in struct `name`, and its size; -1 when the
 * kernel has no BTF, or no such member (a message in why). */
int kbtf_member(const char *name, const char *member, int *size, char *why, size_t whylen);
/* The parameters of the function prototype that typedef `name` points to
 * (btf_trace_NAME: a raw tracepoint's, after its context), skipping the
 * first `skip`: their number, with each one's name and C declaration added
 * to fields (kind FIELD_OTHER); -1 when the kernel has no BTF or no such
 * typedef (a message in why). */
struct probe_point;
int kbtf_typedef_params(const char *name, int skip, struct probe_point *pt, char *why,
                        size_t whylen);
/* The parameters of kernel function `func` (fentry, fexit), typed: a field
 * each, FIELD_INT where args.NAME reads an integer or a pointer; their
 * number, and the return's declaration in ret ("" for void); -1 when the
 * kernel has no BTF or no such function (a message in why). */
int kbtf_func_params(const char *func, struct probe_point *pt, char *ret, size_t retlen, char *why,
                     size_t whylen);
/* The type of parameter n (1-based) of kernel function `func`, or 0. */
unsigned kbtf_func_param(const char *func, int n);
/* The names of every function in the kernel's BTF, unsorted; NULL with why. */
char **kbtf_func_names(int *n, char *why, size_t whylen);
/* Types, for member chains, casts and printing structs: the checks ask by
 * id, and nothing of libbpf shows through. */
enum kbtf_kind {
    KBTF_VOID,
    KBTF_INT, /* also bool and char */
    KBTF_ENUM,
    KBTF_PTR,
    KBTF_STRUCT,
    KBTF_UNION,
    KBTF_ARRAY,
    KBTF_OTHER, /* functions, floats: nothing a script reads */
};
struct kbtf_type {
    enum kbtf_kind kind;
    unsigned id;     /* with typedefs and qualifiers skipped */
    unsigned size;   /* bytes (a pointer's 8) */
    bool is_signed;  /* KBTF_INT, KBTF_ENUM */
    bool is_text;    /* KBTF_ARRAY: of char, signed char or unsigned char as
                        written, which holds text; of u8 (a typedef), bytes */
    bool user;       /* KBTF_PTR: tagged __user in the kernel's BTF */
    unsigned target; /* KBTF_PTR: the pointee; KBTF_ARRAY: the element */
    unsigned count;  /* KBTF_ARRAY: elements */
};
/* Whether the kernel's BTF is there (loading it on first use). */
bool kbtf_ready(char *why, size_t whylen);
/* Type `id` resolved; false for an id the BTF lacks. */
bool kbtf_resolve(unsigned id, struct kbtf_type *t);
/* The struct (or union) called `name`: its id, or 0. */
unsigned kbtf_find_record(const char *name, bool is_union);
/* The typedef called `name` (u32): its id, or 0. */
unsigned kbtf_find_typedef(const char *name);
/* The names of every struct (or union), for "did you mean"; freed by the
 * caller, each and the array. */
char **kbtf_record_names(bool is_union, int *n);
/* A member of a struct or union, found by name also inside its anonymous
 * members (their offsets added up). */
struct kbtf_member {
    const char *name;
    unsigned type;
    unsigned bit_off;  /* from the start of the outer record */
    unsigned bit_size; /* a bitfield's width; 0 for a whole member */
};
bool kbtf_member_find(unsigned rec, const char *name, struct kbtf_member *m);
/* The members of a record as the script names them (the members of its
 * anonymous members in their place): their number; at most max into m. */
int kbtf_members(unsigned rec, struct kbtf_member *m, int max);
/* The values of enum `id` and their names: their number; at most max into
 * names and values (the names are the BTF's, valid until kbtf_free). */
int kbtf_enum_values(unsigned id, const char **names, int64_t *values, int max);
/* A type as C writes it: "struct task_struct *", "unsigned int". */
const char *kbtf_type_name(unsigned id, char *buf, size_t len);
/* The pointee of a tracepoint field declared as a pointer to a struct or
 * union ("struct __kernel_timespec * rqtp"): its id, or 0. */
unsigned kbtf_decl_pointee(const char *decl);
/* Frees what was loaded. */
void kbtf_free(void);

#endif
