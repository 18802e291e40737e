/* A BPF ELF object read as libbpf will hand it to the kernel: each program's
 * instructions with the functions it calls appended after it (so numbered
 * as the kernel numbers them, and as its verifier log does), what each
 * relocation names (a map, a map's data, a function), and the line info of
 * .BTF.ext (the script's line and column of each instruction). For -d asm,
 * and the verifier listing. The object is treated as hostile: every offset
 * and count is checked against the bytes there are. */
#ifndef TP_BPFOBJ_H
#define TP_BPFOBJ_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/* The script's place an instruction, and those after it up to the next
 * record, came from. */
struct bpfobj_line {
    int insn;
    int line, col;    /* from 1; col 0: not known */
    const char *text; /* the line as the object keeps it (LLVM copies it) */
};

struct bpfobj_prog {
    char *name;    /* its symbol: libbpf's program name */
    char *section; /* "tracepoint/syscalls/sys_enter_openat" */
    struct bpf_insn *insns;
    int n;
    /* what the relocation of instruction i names ("m0", "run + 8",
     * "BEGIN.1_for1"), or NULL; in insns, src_reg says which kind, as
     * libbpf sets it (BPF_PSEUDO_MAP_FD, _MAP_VALUE, _FUNC, _CALL) */
    char **names;
    struct bpfobj_line *lines; /* by insn, ascending */
    int nlines;
};

struct bpfobj {
    struct bpfobj_prog *progs;
    int nprogs;
    char *strings; /* a copy of .BTF's strings, which the lines point into */
};

/* The most instructions one program may have with its functions (the
 * kernel's limit), and the most programs: past them it is not our object. */
#define BPFOBJ_INSNS_MAX (1 << 20)
#define BPFOBJ_PROGS_MAX 65536

/* Reads the object in data (len bytes): 0, or -1 with why filled. */
int bpfobj_read(const void *data, size_t len, struct bpfobj *o, char *why, size_t whylen);
/* The program named `name` (its symbol, libbpf's program name), or NULL. */
const struct bpfobj_prog *bpfobj_find(const struct bpfobj *o, const char *name);
/* The line record that covers instruction i, or NULL. */
const struct bpfobj_line *bpfobj_line_at(const struct bpfobj_prog *p, int i);
void bpfobj_free(struct bpfobj *o);

#endif
