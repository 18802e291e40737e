/* User-space binaries for uprobes: a library or program found by name as
 * the dynamic loader or the shell would, and its functions read from the
 * ELF symbol tables (.symtab, else .dynsym) with libelf. */
#ifndef TP_USYM_H
#define TP_USYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usym_func {
    char *name;
    uint64_t offset; /* in the file: what a uprobe attaches at */
    uint64_t addr;   /* the symbol's value, which its section holds */
    uint64_t size;   /* 0: not known */
};

struct usym_file {
    char *path;
    int machine;             /* e_machine: EM_X86_64, ... */
    struct usym_func *funcs; /* sorted by name, each name once */
    int nfuncs;
};

/* Where `name` is: itself when it has a '/'; else a library in ld.so.cache,
 * LD_LIBRARY_PATH or the default directories ("libc" finds libc.so.6), or a
 * program in $PATH. A malloc'ed path, or NULL with a message in why. */
char *usym_find(const char *name, char *why, size_t whylen);
/* Reads the functions of the ELF file at `path`; 0, or -1 with a message in
 * why ("not an ELF file", ...). */
int usym_open(struct usym_file *f, const char *path, char *why, size_t whylen);
const struct usym_func *usym_lookup(const struct usym_file *f, const char *name);
/* The first bytes of function u as f's file holds them: at most max, fewer
 * where its section or the file ends first. 0 with a malloc'ed copy in
 * *code (*len bytes), or -1 with a message in why (no section holds it, or
 * the section's bytes are not in the file). */
int usym_func_bytes(const struct usym_file *f, const struct usym_func *u, size_t max,
                    uint8_t **code, size_t *len, char *why, size_t whylen);

/* A USDT probe: a note in .note.stapsdt (<sys/sdt.h>'s DTRACE_PROBE). */
struct usym_usdt {
    char *provider, *name;
    int nargs; /* the operands its note describes */
};
/* The USDT probes of the ELF file at `path`, sorted by provider and name:
 * their number, or -1 with a message in why. Free with usym_usdt_free. */
int usym_usdt(const char *path, struct usym_usdt **out, char *why, size_t whylen);
void usym_usdt_free(struct usym_usdt *v, int n);
void usym_close(struct usym_file *f);

/* uaddr(): the address of symbol `name` (a function or a variable) as the
 * ELF file at `path` links it, and whether the file is position-independent
 * (a PIE or a library, loaded at an address of its own in each process):
 * 0, or -1 with why filled, which names the closest symbols where there is
 * no such one. */
int usym_addr(const char *path, const char *name, uint64_t *addr, bool *pie, char *why,
              size_t whylen);

#endif
