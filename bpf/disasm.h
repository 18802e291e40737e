/* BPF instructions as text, for -d asm and -d xlated: the syntax LLVM's BPF
 * backend and llvm-objdump use ("r1 = *(u64 *)(r6 + 16)", "if r0 == 0 goto
 * 12"), with jumps to the instruction numbers the kernel gives, helpers by
 * name and what the caller knows of maps, calls and the context. Plain data
 * in, text out: no kernel, no libbpf, so a unit test checks every form. */
#ifndef TP_DISASM_H
#define TP_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/* What the caller knows that the instructions do not say; each may be NULL,
 * and each answer NULL (the instruction is printed by its numbers). */
struct disasm_names {
    void *ctx;
    /* what the ld_imm64 at i loads: "@start", "events" (a map), "run + 8" (a
     * map's value), "BEGIN.1_for1" (a function) */
    const char *(*load)(void *ctx, int i, const struct bpf_insn *in);
    /* the function the call at i calls, where its number alone does not say
     * (the kernel's rewritten calls are addresses) */
    const char *(*call)(void *ctx, int i, const struct bpf_insn *in);
    /* the context's field at off, size bytes: "args.filename", "arg1" */
    const char *(*field)(void *ctx, int off, int size);
};

/* Escape sequences around the parts a reader looks for; "" for none. */
struct disasm_style {
    const char *helper, *map, *field, *reset;
};
extern const struct disasm_style disasm_plain;

/* One instruction: its text, how many columns it takes on a terminal (the
 * escapes take none), and a note for the end of the line ("args.filename"). */
struct disasm_line {
    char text[256];
    int width;
    char note[128];
};

/* Instruction i of the n in insns; returns the slots it takes (2 for a
 * 64-bit immediate, 1 otherwise). ctx_regs: the registers that hold the
 * context before it (bit r), from disasm_ctx_regs; 0 if unknown. */
int disasm_insn(const struct bpf_insn *insns, int n, int i, uint16_t ctx_regs,
                const struct disasm_names *names, const struct disasm_style *st,
                struct disasm_line *out);

/* The helper numbered id, as the uapi names it ("bpf_map_lookup_elem"), or
 * NULL. */
const char *disasm_helper(int id);

/* Where the jump at i goes, or -1 when it is no jump (calls and exit are
 * not jumps; a call of a function in the program is, see disasm_callee). */
int disasm_target(const struct bpf_insn *insns, int n, int i);
/* The first instruction of the function the call at i, or the function
 * address loaded at i, names; -1 when it names none. */
int disasm_callee(const struct bpf_insn *insns, int n, int i);

/* For each instruction, the registers that surely hold the program's
 * context when it runs: r1 at the first instruction, then copied by moves
 * and lost to writes and calls, on every path (a must analysis over the
 * jumps). ctx_regs has n entries; the second slot of a 64-bit immediate gets
 * 0. Functions called from the program (at entries) start without it. */
void disasm_ctx_regs(const struct bpf_insn *insns, int n, uint16_t *ctx_regs);

#endif
