/* bpf/disasm.c: every form of instruction as the listings print it (LLVM's
 * syntax, the kernel's numbers), the names the caller gives, and which
 * registers hold the context along the jumps. The instructions are built
 * with the uapi's fields, as the kernel reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/disasm.h"

static int failures;

#define I(c, d, s, o, i)                                                                           \
    ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static const char *load_name(void *ctx, int i, const struct bpf_insn *in)
{
    (void)ctx;
    (void)in;
    return i == 1 ? "@start" : NULL; /* the ld_imm64 of named() */
}

static const char *field_name(void *ctx, int off, int size)
{
    (void)ctx;
    return off == 24 && size == 8 ? "args.filename" : NULL;
}

static const struct disasm_names names = {NULL, load_name, NULL, field_name};

/* one instruction (and the one after it, for a 64-bit immediate) */
static void expect(const char *want, struct bpf_insn a, struct bpf_insn b)
{
    struct bpf_insn in[3] = {a, b, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    struct disasm_line d;
    disasm_insn(in, 3, 0, 0, NULL, NULL, &d);
    if (strcmp(d.text, want) != 0 || d.width != (int)strlen(want)) {
        printf("FAIL: \"%s\" (width %d), not \"%s\"\n", d.text, d.width, want);
        failures++;
    }
}
#define E(want, a) expect(want, a, I(0, 0, 0, 0, 0))

static void forms(void)
{
    E("r1 += 5", I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 5));
    E("w1 -= w2", I(BPF_ALU | BPF_SUB | BPF_X, 1, 2, 0, 0));
    E("r3 s>>= 7", I(BPF_ALU64 | BPF_ARSH | BPF_K, 3, 0, 0, 7));
    E("r1 s/= r2", I(BPF_ALU64 | BPF_DIV | BPF_X, 1, 2, 1, 0));
    E("w1 s%= -3", I(BPF_ALU | BPF_MOD | BPF_K, 1, 0, 1, -3));
    E("r1 = -r1", I(BPF_ALU64 | BPF_NEG, 1, 0, 0, 0));
    E("r6 = r1", I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0));
    E("w0 = 0", I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0));
    E("r1 = (s16)r2", I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 16, 0));
    E("r0 = &(void __percpu *)(r0)", I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 0, -1, 0));
    E("r1 = be16 r1", I(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 16));
    E("r1 = le64 r1", I(BPF_ALU | BPF_END | BPF_TO_LE, 1, 0, 0, 64));
    E("r1 = bswap32 r1", I(BPF_ALU64 | BPF_END, 1, 0, 0, 32));
    E("r1 = 0x10000", I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 65536));

    E("r3 = *(u64 *)(r6 + 24)", I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 24, 0));
    E("w3 = *(u8 *)(r6 - 1)", I(BPF_LDX | BPF_MEM | BPF_B, 3, 6, -1, 0));
    E("r3 = *(s32 *)(r6 + 0)", I(BPF_LDX | 0x80 | BPF_W, 3, 6, 0, 0));
    E("*(u32 *)(r10 - 4) = w1", I(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0));
    E("*(u64 *)(r10 - 8) = r1", I(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0));
    E("*(u16 *)(r10 - 2) = 7", I(BPF_ST | BPF_MEM | BPF_H, 10, 0, -2, 7));
    E("lock *(u64 *)(r0 + 0) += r1", I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD));
    E("r1 = atomic_fetch_or((u64 *)(r0 + 8), r1)",
      I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 8, BPF_OR | BPF_FETCH));
    E("r1 = xchg_64(r8 + 0, r1)", I(BPF_STX | BPF_ATOMIC | BPF_DW, 8, 1, 0, BPF_XCHG));
    E("r0 = cmpxchg_64(r8 + 0, r0, r7)", I(BPF_STX | BPF_ATOMIC | BPF_DW, 8, 7, 0, BPF_CMPXCHG));
    E("r0 = *(u16 *)skb[12]", I(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 12));

    /* jumps go to numbers: instruction 0's next is 1 */
    E("goto 2", I(BPF_JMP | BPF_JA, 0, 0, 1, 0));
    E("gotol 2", I(BPF_JMP32 | BPF_JA, 0, 0, 0, 1));
    E("if r1 s> 5 goto 2", I(BPF_JMP | BPF_JSGT | BPF_K, 1, 0, 1, 5));
    E("if w1 != w2 goto 1", I(BPF_JMP32 | BPF_JNE | BPF_X, 1, 2, 0, 0));
    E("if r1 & 4 goto 2", I(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1, 4));
    E("if r1 == 0 goto pc+100", I(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 100, 0));
    E("may_goto 2", I(BPF_JMP | 0xe0, 0, 0, 1, 0));
    E("call bpf_map_lookup_elem", I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem));
    E("call bpf_ringbuf_reserve", I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve));
    E("call helper 100000", I(BPF_JMP | BPF_CALL, 0, 0, 0, 100000));
    E("call 2", I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1));
    E("call kernel function 77", I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 77));
    E("callx r3", I(BPF_JMP | BPF_CALL | BPF_X, 3, 0, 0, 0));
    E("exit", I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));

    expect("r1 = 0x200000000 ll", I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0), I(0, 0, 0, 0, 2));
    expect("r1 = -1 ll", I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, -1), I(0, 0, 0, 0, -1));
    expect("r1 = map id 7", I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 7),
           I(0, 0, 0, 0, 0));
    expect("r1 = &map id 7 + 16", I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_VALUE, 0, 7),
           I(0, 0, 0, 0, 16));
    expect("r2 = &2", I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 1), I(0, 0, 0, 0, 0));
    E("invalid alu op 0xe7", I(BPF_ALU64 | 0xe0 | BPF_K, 1, 0, 0, 0));
}

/* names and the context's fields, with the registers that hold it */
static void named(void)
{
    struct bpf_insn p[] = {
        I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 3), /* 0: @start */
        I(0, 0, 0, 0, 0),
        I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0), /* 2: r6 = r1, but r1 is the map now */
        I(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 2, 0),   /* 3: if r2 == 0 goto 6 */
        I(BPF_LDX | BPF_MEM | BPF_DW, 3, 7, 24, 0), /* 4: r7 is the context */
        I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0), /* 5: r7 no longer, on this path only */
        I(BPF_LDX | BPF_MEM | BPF_DW, 3, 7, 24, 0), /* 6: paths meet: r7 may not be */
        I(BPF_JMP | BPF_CALL, 0, 0, 0, 1),          /* 7: r1..r5 lost */
        I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    int n = sizeof(p) / sizeof(p[0]);
    /* r7 made the context first: insert that as a program would */
    struct bpf_insn q[16];
    q[0] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 1, 0, 0);
    memcpy(q + 1, p, sizeof(p));
    n++;
    uint16_t ctx[16];
    disasm_ctx_regs(q, n, ctx);
    struct disasm_line d;
    disasm_insn(q, n, 1, ctx[1], &names, NULL, &d);
    if (strcmp(d.text, "r1 = map @start") != 0) {
        printf("FAIL: the map's name: \"%s\"\n", d.text);
        failures++;
    }
    disasm_insn(q, n, 5, ctx[5], &names, NULL, &d);
    if (strcmp(d.note, "args.filename") != 0) {
        printf("FAIL: the context's field on the one path: \"%s\"\n", d.note);
        failures++;
    }
    disasm_insn(q, n, 7, ctx[7], &names, NULL, &d);
    if (d.note[0]) {
        printf("FAIL: a field named where r7 may not be the context: \"%s\"\n", d.note);
        failures++;
    }
    if (ctx[1] != ((1 << 1) | (1 << 7)) || ctx[3] != (1 << 7) || ctx[8] != 0 || ctx[9] != 0) {
        printf("FAIL: context registers %#x %#x %#x %#x\n", ctx[1], ctx[3], ctx[8], ctx[9]);
        failures++;
    }
    /* colour: the escapes take no columns */
    struct disasm_style st = {"<h>", "<m>", "<f>", "</>"};
    disasm_insn(q, n, 8, ctx[8], &names, &st, &d);
    if (strcmp(d.text, "call <h>bpf_map_lookup_elem</>") != 0 ||
        d.width != (int)strlen("call bpf_map_lookup_elem")) {
        printf("FAIL: a helper in colour: \"%s\", width %d\n", d.text, d.width);
        failures++;
    }
    if (disasm_helper(0) || disasm_helper(-1) || disasm_helper(1 << 20) ||
        strcmp(disasm_helper(BPF_FUNC_get_current_pid_tgid), "bpf_get_current_pid_tgid") != 0) {
        printf("FAIL: helper names\n");
        failures++;
    }
}

int main(void)
{
    forms();
    named();
    if (failures)
        printf("%d failures\n", failures);
    else
        printf("all passed\n");
    return failures != 0;
}
