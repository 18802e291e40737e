/* The running kernel's types, from its BTF (/sys/kernel/btf/vmlinux), for
 * builtins that read kernel structures (ppid), raw tracepoints' arguments and
 * fentry's. Loaded on first use only. */
#ifndef TP_KBTF_H
#define TP_KBTF_H

#include <stddef.h>

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
/* The names of every function in the kernel's BTF, unsorted; NULL with why. */
char **kbtf_func_names(int *n, char *why, size_t whylen);
/* Frees what was loaded. */
void kbtf_free(void);

#endif
