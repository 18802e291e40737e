#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/disasm.h"
#include "lang/xalloc.h"

const struct disasm_style disasm_plain = {"", "", "", ""};

/* The uapi's list of helpers, whichever form its macro takes (6.1:
 * FN(name) with commas between; 6.2 and later: FN(name, number, ...) without). */
#ifdef __BPF_FUNC_MAPPER_APPLY
#define HELPER_NAME(x, ...) [BPF_FUNC_##x] = "bpf_" #x,
#else
#define HELPER_NAME(x, ...) [BPF_FUNC_##x] = "bpf_" #x
#endif
static const char *const helpers[] = {__BPF_FUNC_MAPPER(HELPER_NAME)};
#undef HELPER_NAME

const char *disasm_helper(int id)
{
    if (id <= 0 || id >= (int)(sizeof(helpers) / sizeof(helpers[0])))
        return NULL;
    return helpers[id];
}

static bool is_ld_imm64(const struct bpf_insn *in)
{
    return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

int disasm_target(const struct bpf_insn *insns, int n, int i)
{
    if (i < 0 || i >= n)
        return -1;
    const struct bpf_insn *in = &insns[i];
    int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
    if (cls != BPF_JMP && cls != BPF_JMP32)
        return -1;
    if (op == BPF_CALL || op == BPF_EXIT)
        return -1;
    /* gotol keeps its distance in imm, a wider field */
    long long t = (long long)i + 1 + (cls == BPF_JMP32 && op == BPF_JA ? in->imm : in->off);
    return t >= 0 && t < n ? (int)t : -1;
}

int disasm_callee(const struct bpf_insn *insns, int n, int i)
{
    if (i < 0 || i >= n)
        return -1;
    const struct bpf_insn *in = &insns[i];
    bool call = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
    bool func = is_ld_imm64(in) && in->src_reg == BPF_PSEUDO_FUNC;
    if (!call && !func)
        return -1;
    /* the kernel, once it has compiled the functions of a program apart,
     * keeps a call's distance in off and the function's index in imm (an
     * object's calls have off 0) */
    long long t = (long long)i + 1 + (call && in->off ? in->off : in->imm);
    return t >= 0 && t < n ? (int)t : -1;
}

/* appends to a line, never past its end */
struct out {
    char *buf;
    size_t len, cap;
    int width;
};

static void put(struct out *o, bool visible, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct out *o, bool visible, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    size_t w = (size_t)k < o->cap - o->len ? (size_t)k : o->cap - o->len - 1;
    o->len += w;
    if (visible)
        o->width += (int)w;
}

/* a part in its colour */
static void styled(struct out *o, const char *on, const char *off, const char *text)
{
    put(o, false, "%s", on);
    put(o, true, "%s", text);
    put(o, false, "%s", *on ? off : "");
}

static const char *size_name(int size, bool sign)
{
    switch (size) {
    case BPF_B: return sign ? "s8" : "u8";
    case BPF_H: return sign ? "s16" : "u16";
    case BPF_W: return sign ? "s32" : "u32";
    default: return sign ? "s64" : "u64";
    }
}

/* a register as 64 bits (r1) or as its low 32 (w1) */
static void reg(struct out *o, int r, bool w)
{
    put(o, true, "%c%d", w ? 'w' : 'r', r);
}

/* "(r6 + 16)", "(r10 - 8)" */
static void addr(struct out *o, int r, int off)
{
    put(o, true, "(r%d %c %d)", r, off < 0 ? '-' : '+', off < 0 ? -off : off);
}

static void imm64(struct out *o, int64_t v)
{
    if (v > -65536 && v < 65536)
        put(o, true, "%" PRId64, v);
    else
        put(o, true, "0x%" PRIx64, (uint64_t)v);
}

static const char *alu_op(int op)
{
    switch (op) {
    case BPF_ADD: return "+=";
    case BPF_SUB: return "-=";
    case BPF_MUL: return "*=";
    case BPF_DIV: return "/=";
    case BPF_OR: return "|=";
    case BPF_AND: return "&=";
    case BPF_LSH: return "<<=";
    case BPF_RSH: return ">>=";
    case BPF_MOD: return "%=";
    case BPF_XOR: return "^=";
    case BPF_ARSH: return "s>>=";
    default: return NULL;
    }
}

static void alu(struct out *o, const struct bpf_insn *in)
{
    bool w = BPF_CLASS(in->code) == BPF_ALU;
    int op = BPF_OP(in->code);
    bool x = BPF_SRC(in->code) == BPF_X;
    if (op == BPF_END) {
        const char *how = !w ? "bswap" : BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le";
        reg(o, in->dst_reg, false);
        put(o, true, " = %s%d ", how, in->imm);
        reg(o, in->dst_reg, false);
        return;
    }
    if (op == BPF_NEG) {
        reg(o, in->dst_reg, w);
        put(o, true, " = -");
        reg(o, in->dst_reg, w);
        return;
    }
    if (op == BPF_MOV) {
        reg(o, in->dst_reg, w);
        put(o, true, " = ");
        if (!x) {
            imm64(o, in->imm);
        } else if (in->off == 8 || in->off == 16 || in->off == 32) { /* sign-extending */
            put(o, true, "(s%d)", in->off);
            reg(o, in->src_reg, w);
        } else if (!w && in->off == -1) { /* the kernel's per-CPU address, 6.8 and later */
            put(o, true, "&(void __percpu *)(r%d)", in->src_reg);
        } else {
            reg(o, in->src_reg, w);
        }
        return;
    }
    const char *sym = alu_op(op);
    if (!sym) {
        put(o, true, "invalid alu op 0x%02x", in->code);
        return;
    }
    reg(o, in->dst_reg, w);
    /* off 1 makes a division or a modulo signed (CPU v4) */
    put(o, true, " %s%s ", in->off == 1 && (op == BPF_DIV || op == BPF_MOD) ? "s" : "", sym);
    if (x)
        reg(o, in->src_reg, w);
    else
        imm64(o, in->imm);
}

static const char *jmp_op(int op)
{
    switch (op) {
    case BPF_JEQ: return "==";
    case BPF_JGT: return ">";
    case BPF_JGE: return ">=";
    case BPF_JSET: return "&";
    case BPF_JNE: return "!=";
    case BPF_JSGT: return "s>";
    case BPF_JSGE: return "s>=";
    case BPF_JLT: return "<";
    case BPF_JLE: return "<=";
    case BPF_JSLT: return "s<";
    case BPF_JSLE: return "s<=";
    default: return NULL;
    }
}

static void call(struct out *o, const struct bpf_insn *insns, int n, int i,
                 const struct disasm_names *nm, const struct disasm_style *st)
{
    const struct bpf_insn *in = &insns[i];
    if (BPF_SRC(in->code) == BPF_X) { /* a call through a register (LLVM's callx) */
        put(o, true, "callx r%d", in->dst_reg);
        return;
    }
    const char *name = nm && nm->call ? nm->call(nm->ctx, i, in) : NULL;
    put(o, true, "call ");
    if (in->src_reg == BPF_PSEUDO_CALL) {
        int t = disasm_callee(insns, n, i);
        if (name)
            put(o, true, "%s (%d)", name, t);
        else
            put(o, true, "%d", t);
        return;
    }
    if (!name && in->src_reg == 0)
        name = disasm_helper(in->imm);
    if (name)
        styled(o, st->helper, st->reset, name);
    else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
        put(o, true, "kernel function %d", in->imm);
    else
        put(o, true, "helper %d", in->imm);
}

static void jmp(struct out *o, const struct bpf_insn *insns, int n, int i,
                const struct disasm_names *nm, const struct disasm_style *st)
{
    const struct bpf_insn *in = &insns[i];
    bool w = BPF_CLASS(in->code) == BPF_JMP32;
    int op = BPF_OP(in->code);
    if (op == BPF_CALL && !w) {
        call(o, insns, n, i, nm, st);
        return;
    }
    if (op == BPF_EXIT && !w) {
        put(o, true, "exit");
        return;
    }
    int t = disasm_target(insns, n, i);
    if (op == BPF_JA) {
        put(o, true, w ? "gotol " : "goto "); /* gotol: CPU v4's jump beyond 32767 */
    } else if (op == 0xe0 && !w) {            /* BPF_JCOND: may_goto, 6.9 and later */
        put(o, true, "may_goto ");
    } else {
        const char *sym = jmp_op(op);
        if (!sym) {
            put(o, true, "invalid jump op 0x%02x", in->code);
            return;
        }
        put(o, true, "if ");
        reg(o, in->dst_reg, w);
        put(o, true, " %s ", sym);
        if (BPF_SRC(in->code) == BPF_X)
            reg(o, in->src_reg, w);
        else
            imm64(o, in->imm);
        put(o, true, " goto ");
    }
    if (t >= 0)
        put(o, true, "%d", t);
    else /* out of the program: the verifier refuses it, but show it */
        put(o, true, "pc%+d", w && op == BPF_JA ? in->imm : in->off);
}

static void atomic(struct out *o, const struct bpf_insn *in)
{
    const char *sz = size_name(BPF_SIZE(in->code), false);
    bool w = BPF_SIZE(in->code) != BPF_DW;
    int bits = w ? 32 : 64;
    const char *op = NULL;
    switch (in->imm & ~BPF_FETCH) {
    case BPF_ADD: op = "add"; break;
    case BPF_AND: op = "and"; break;
    case BPF_OR: op = "or"; break;
    case BPF_XOR: op = "xor"; break;
    }
    if (op && !(in->imm & BPF_FETCH)) {
        put(o, true, "lock *(%s *)", sz);
        addr(o, in->dst_reg, in->off);
        put(o, true, " %s ", alu_op(in->imm));
        reg(o, in->src_reg, w);
    } else if (op) {
        reg(o, in->src_reg, w);
        put(o, true, " = atomic_fetch_%s((%s *)", op, sz);
        addr(o, in->dst_reg, in->off);
        put(o, true, ", ");
        reg(o, in->src_reg, w);
        put(o, true, ")");
    } else if (in->imm == BPF_XCHG) {
        reg(o, in->src_reg, w);
        put(o, true, " = xchg_%d(r%d %c %d, ", bits, in->dst_reg, in->off < 0 ? '-' : '+',
            abs(in->off));
        reg(o, in->src_reg, w);
        put(o, true, ")");
    } else if (in->imm == BPF_CMPXCHG) {
        reg(o, 0, w);
        put(o, true, " = cmpxchg_%d(r%d %c %d, ", bits, in->dst_reg, in->off < 0 ? '-' : '+',
            abs(in->off));
        reg(o, 0, w);
        put(o, true, ", ");
        reg(o, in->src_reg, w);
        put(o, true, ")");
    } else {
        put(o, true, "invalid atomic op 0x%x", (unsigned)in->imm);
    }
}

static void ld_imm64(struct out *o, const struct bpf_insn *insns, int n, int i,
                     const struct disasm_names *nm, const struct disasm_style *st)
{
    const struct bpf_insn *in = &insns[i];
    reg(o, in->dst_reg, false);
    put(o, true, " = ");
    if (i + 1 >= n) {
        put(o, true, "invalid: the 64-bit immediate's second half is missing");
        return;
    }
    const char *name = nm && nm->load ? nm->load(nm->ctx, i, in) : NULL;
    uint64_t v = (uint32_t)in->imm | (uint64_t)(uint32_t)insns[i + 1].imm << 32;
    switch (in->src_reg) {
    case 0:
        imm64(o, (int64_t)v);
        put(o, true, " ll");
        return;
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX:
        put(o, true, "map ");
        if (name)
            styled(o, st->map, st->reset, name);
        else
            put(o, true, "%s%d", in->src_reg == BPF_PSEUDO_MAP_IDX ? "#" : "id ", in->imm);
        return;
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE:
        put(o, true, "&map ");
        if (name) {
            styled(o, st->map, st->reset, name);
        } else {
            put(o, true, "%s%d", in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE ? "#" : "id ", in->imm);
            if (insns[i + 1].imm)
                put(o, true, " + %d", insns[i + 1].imm);
        }
        return;
    case BPF_PSEUDO_BTF_ID:
        put(o, true, "&%s", name ? name : "kernel variable");
        if (!name)
            put(o, true, " %d", in->imm);
        return;
    case BPF_PSEUDO_FUNC:
        put(o, true, "&");
        if (name)
            put(o, true, "%s (%d)", name, disasm_callee(insns, n, i));
        else
            put(o, true, "%d", disasm_callee(insns, n, i));
        return;
    default: imm64(o, (int64_t)v); put(o, true, " ll (kind %d)", in->src_reg);
    }
}

int disasm_insn(const struct bpf_insn *insns, int n, int i, uint16_t ctx_regs,
                const struct disasm_names *nm, const struct disasm_style *st,
                struct disasm_line *line)
{
    struct out o = {line->text, 0, sizeof(line->text), 0};
    line->text[0] = line->note[0] = 0;
    if (!st)
        st = &disasm_plain;
    const struct bpf_insn *in = &insns[i];
    int cls = BPF_CLASS(in->code), size = BPF_SIZE(in->code), mode = BPF_MODE(in->code);
    int slots = 1;
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: alu(&o, in); break;
    case BPF_JMP:
    case BPF_JMP32: jmp(&o, insns, n, i, nm, st); break;
    case BPF_LD:
        if (is_ld_imm64(in)) {
            ld_imm64(&o, insns, n, i, nm, st);
            slots = i + 1 < n ? 2 : 1;
        } else if (mode == BPF_ABS || mode == BPF_IND) { /* the old packet loads */
            put(&o, true, "r0 = *(%s *)skb[", size_name(size, false));
            if (mode == BPF_IND)
                put(&o, true, "r%d + ", in->src_reg);
            put(&o, true, "%d]", in->imm);
        } else {
            put(&o, true, "invalid load 0x%02x", in->code);
        }
        break;
    case BPF_LDX: {
        /* 0x20 is the kernel's BPF_PROBE_MEM, a load it rewrote; 0x80 sign-extends */
        bool sx = mode == 0x80 || mode == 0x40;
        if (mode != BPF_MEM && mode != 0x80 && mode != 0x20 && mode != 0x40) {
            put(&o, true, "invalid load 0x%02x", in->code);
            break;
        }
        reg(&o, in->dst_reg, size != BPF_DW && !sx);
        put(&o, true, " = *(%s *)", size_name(size, sx));
        addr(&o, in->src_reg, in->off);
        int bytes = size == BPF_B ? 1 : size == BPF_H ? 2 : size == BPF_W ? 4 : 8;
        const char *f = (ctx_regs >> in->src_reg) & 1 && nm && nm->field
                            ? nm->field(nm->ctx, in->off, bytes)
                            : NULL;
        if (f)
            snprintf(line->note, sizeof(line->note), "%s%s%s", st->field, f,
                     *st->field ? st->reset : "");
        break;
    }
    case BPF_ST:
        if (mode != BPF_MEM) {
            put(&o, true, "invalid store 0x%02x", in->code);
            break;
        }
        put(&o, true, "*(%s *)", size_name(size, false));
        addr(&o, in->dst_reg, in->off);
        put(&o, true, " = ");
        imm64(&o, in->imm);
        break;
    case BPF_STX:
        if (mode == BPF_ATOMIC) {
            atomic(&o, in);
        } else if (mode == BPF_MEM) {
            put(&o, true, "*(%s *)", size_name(size, false));
            addr(&o, in->dst_reg, in->off);
            put(&o, true, " = ");
            reg(&o, in->src_reg, size != BPF_DW);
        } else {
            put(&o, true, "invalid store 0x%02x", in->code);
        }
        break;
    }
    line->width = o.width;
    return slots;
}

/* which registers an instruction writes (bit r), and whether it reads the
 * context's copy r_src into r_dst */
static uint16_t written(const struct bpf_insn *in)
{
    int cls = BPF_CLASS(in->code);
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
    case BPF_LDX: return (uint16_t)(1u << (in->dst_reg & 15));
    case BPF_LD: return (uint16_t)(1u << (is_ld_imm64(in) ? in->dst_reg & 15 : 0));
    case BPF_STX:
        if (BPF_MODE(in->code) == BPF_ATOMIC && in->imm & BPF_FETCH)
            return (uint16_t)(1u << (in->imm == BPF_CMPXCHG ? 0 : in->src_reg & 15));
        return 0;
    case BPF_JMP:
        if (BPF_OP(in->code) == BPF_CALL)
            return 0x3f; /* r0..r5 */
        return 0;
    default: return 0;
    }
}

void disasm_ctx_regs(const struct bpf_insn *insns, int n, uint16_t *regs)
{
    if (n <= 0)
        return;
    bool *seen = xcalloc((size_t)n, sizeof(*seen));
    bool *listed = xcalloc((size_t)n, sizeof(*listed));
    int *work = xcalloc((size_t)n, sizeof(*work));
    int nwork = 0;
    memset(regs, 0, (size_t)n * sizeof(*regs));
    regs[0] = 1u << BPF_REG_1;
    seen[0] = true;
    work[nwork++] = 0;
    listed[0] = true;
    /* the functions the program calls start without it: seen, with none */
    for (int i = 0; i < n; i++) {
        int t = disasm_callee(insns, n, i);
        if (t > 0 && !seen[t]) {
            seen[t] = true;
            regs[t] = 0;
            listed[t] = true;
            work[nwork++] = t;
        }
    }
    while (nwork) {
        int i = work[--nwork];
        listed[i] = false;
        const struct bpf_insn *in = &insns[i];
        uint16_t out = regs[i] & (uint16_t)~written(in);
        if ((BPF_CLASS(in->code) == BPF_ALU64) && BPF_OP(in->code) == BPF_MOV &&
            BPF_SRC(in->code) == BPF_X && in->off == 0 && (regs[i] >> (in->src_reg & 15)) & 1)
            out |= (uint16_t)(1u << (in->dst_reg & 15));
        int next[2], nn = 0;
        int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
        bool jump = cls == BPF_JMP || cls == BPF_JMP32;
        if (jump && op == BPF_EXIT && cls == BPF_JMP) {
            /* nothing follows */
        } else {
            int step = is_ld_imm64(in) ? 2 : 1;
            bool always = jump && op == BPF_JA;
            if (!always && i + step < n)
                next[nn++] = i + step;
            int t = disasm_target(insns, n, i);
            if (t >= 0 && !(jump && op == BPF_CALL))
                next[nn++] = t;
        }
        for (int k = 0; k < nn; k++) {
            int s = next[k];
            uint16_t before = regs[s];
            regs[s] = seen[s] ? (uint16_t)(before & out) : out;
            if (!seen[s] || regs[s] != before) {
                seen[s] = true;
                /* at most once on the list, which n entries hold; pushed
                 * only when its registers shrink, so this ends */
                if (!listed[s]) {
                    listed[s] = true;
                    work[nwork++] = s;
                }
            }
        }
    }
    free(seen);
    free(listed);
    free(work);
}
