/* Instruction boundaries in machine code, for uprobes at FUNCTION+OFFSET:
 * the kernel puts its breakpoint where it is told, and one put inside an
 * instruction changes what the traced program runs (it crashes, or worse).
 * x86-64 is decoded with capstone; arm64's instructions are 4 bytes each. */
#ifndef TP_INSN_H
#define TP_INSN_H

#include <stddef.h>
#include <stdint.h>

/* The longest instruction either machine has (x86-64's limit). */
#define INSN_MAX_LEN 15

enum insn_where {
    INSN_BOUNDARY, /* an instruction starts at the offset */
    INSN_INSIDE,   /* the offset is inside the instruction at `before` */
    INSN_INVALID,  /* the bytes at `before`, ahead of the offset, are no instruction */
    INSN_SHORT,    /* the code ends before the offset, or inside the instruction at `before` */
    INSN_MACHINE,  /* a machine this module does not know */
    INSN_DECODER,  /* x86-64's decoder, capstone, cannot be loaded: insn_decoder_error */
};

struct insn_at {
    enum insn_where where;
    /* the instruction boundaries nearest the offset, below it and above it
     * (INSN_INSIDE); the last boundary reached otherwise */
    uint64_t before, after;
};

/* Where `off` falls among the instructions of `code` (len bytes, a function
 * from its first byte), for an ELF e_machine (EM_X86_64, EM_AARCH64).
 * Decodes no further than off + INSN_MAX_LEN, and never past len. */
struct insn_at insn_find(int machine, const uint8_t *code, size_t len, uint64_t off);

/* Why capstone could not be loaded (INSN_DECODER): dlerror's message. */
const char *insn_decoder_error(void);

/* The machine's name, for messages: "x86-64". */
const char *insn_machine(int machine);

#endif
