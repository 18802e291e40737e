/* The running kernel's types, from its BTF (/sys/kernel/btf/vmlinux), for
 * builtins that read kernel structures (ppid). Loaded on first use only. */
#ifndef TP_KBTF_H
#define TP_KBTF_H

/* The byte offset of `member` in struct `name`, and its size; -1 when the
 * kernel has no BTF, or no such member (a message in why). */
int kbtf_member(const char *name, const char *member, int *size, char *why, size_t whylen);
/* Frees what was loaded. */
void kbtf_free(void);

#endif
