/* bpf/insn.c: where instructions start in known x86-64 code (as objdump
 * decodes it), arm64's 4-byte alignment, and code cut short. Each case's
 * bytes are a malloc'ed copy exactly as long, so that ASan sees a read past
 * them. */
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/insn.h"

static int failures;

static void expect(const char *what, int machine, const uint8_t *bytes, size_t len, uint64_t off,
                   struct insn_at want)
{
    uint8_t *code = malloc(len ? len : 1);
    memcpy(code, bytes, len);
    struct insn_at got = insn_find(machine, code, len, off);
    free(code);
    bool same = got.where == want.where && got.before == want.before &&
                (want.where != INSN_INSIDE || got.after == want.after);
    if (!same) {
        printf("FAIL %s, offset %llu: where %d, before %llu, after %llu; not %d, %llu, %llu\n",
               what, (unsigned long long)off, got.where, (unsigned long long)got.before,
               (unsigned long long)got.after, want.where, (unsigned long long)want.before,
               (unsigned long long)want.after);
        failures++;
    }
}

/* tests/helper.c's tp_target, as gcc -O2 makes it */
static const uint8_t tp_target[] = {
    0x53,                         /* push %rbx */
    0x48, 0x89, 0xfb,             /* mov %rdi,%rbx */
    0x48, 0x89, 0xf7,             /* mov %rsi,%rdi */
    0xe8, 0x1c, 0xf5, 0xff, 0xff, /* call strlen */
    0x48, 0x01, 0xd8,             /* add %rbx,%rax */
    0x5b,                         /* pop %rbx */
    0xc3,                         /* ret */
};

static void x86_64(void)
{
    const uint64_t starts[] = {0, 1, 4, 7, 12, 15, 16, 17};
    for (int i = 0; i + 1 < (int)(sizeof(starts) / sizeof(*starts)); i++) {
        expect("tp_target", EM_X86_64, tp_target, sizeof(tp_target), starts[i],
               (struct insn_at){INSN_BOUNDARY, starts[i], 0});
        for (uint64_t off = starts[i] + 1; off < starts[i + 1]; off++)
            expect("tp_target", EM_X86_64, tp_target, sizeof(tp_target), off,
                   (struct insn_at){INSN_INSIDE, starts[i], starts[i + 1]});
    }
    /* the longest: 15 bytes, nopw with six prefixes; then a 10-byte movabs */
    const uint8_t longest[] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f,
                               0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48, 0xb8, 1,
                               2,    3,    4,    5,    6,    7,    8,    0xc3};
    expect("nopw", EM_X86_64, longest, sizeof(longest), 14, (struct insn_at){INSN_INSIDE, 0, 15});
    expect("nopw", EM_X86_64, longest, sizeof(longest), 15, (struct insn_at){INSN_BOUNDARY, 15, 0});
    expect("movabs", EM_X86_64, longest, sizeof(longest), 20,
           (struct insn_at){INSN_INSIDE, 15, 25});
    expect("ret", EM_X86_64, longest, sizeof(longest), 25, (struct insn_at){INSN_BOUNDARY, 25, 0});
    /* endbr64 begins most functions of Debian's libc */
    const uint8_t endbr[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0xc3};
    expect("endbr64", EM_X86_64, endbr, sizeof(endbr), 1, (struct insn_at){INSN_INSIDE, 0, 4});
    expect("endbr64", EM_X86_64, endbr, sizeof(endbr), 4, (struct insn_at){INSN_BOUNDARY, 4, 0});

    /* 0x06 (push %es) is no instruction in 64-bit mode: ahead of the
     * offset, nothing can be said */
    uint8_t bad[32];
    memset(bad, 0x90, sizeof(bad));
    bad[1] = 0x06;
    expect("invalid", EM_X86_64, bad, sizeof(bad), 5, (struct insn_at){INSN_INVALID, 1, 0});
    expect("before invalid", EM_X86_64, bad, sizeof(bad), 1, (struct insn_at){INSN_BOUNDARY, 1, 0});

    /* cut inside the call: its bytes are not read past the end */
    for (size_t len = 8; len < 12; len++)
        expect("cut call", EM_X86_64, tp_target, len, 10, (struct insn_at){INSN_SHORT, 7, 0});
    /* an offset at or past the end of the bytes is no instruction of them */
    expect("at the end", EM_X86_64, tp_target, sizeof(tp_target), 17,
           (struct insn_at){INSN_SHORT, 17, 0});
    expect("past the end", EM_X86_64, tp_target, sizeof(tp_target), 1000,
           (struct insn_at){INSN_SHORT, 17, 0});
    expect("no bytes", EM_X86_64, tp_target, 0, 0, (struct insn_at){INSN_SHORT, 0, 0});
    expect("no bytes", EM_X86_64, tp_target, 0, 3, (struct insn_at){INSN_SHORT, 0, 0});
}

static void arm64(void)
{
    uint8_t code[16] = {0};
    expect("arm64", EM_AARCH64, code, sizeof(code), 4, (struct insn_at){INSN_BOUNDARY, 4, 0});
    expect("arm64", EM_AARCH64, code, sizeof(code), 12, (struct insn_at){INSN_BOUNDARY, 12, 0});
    for (uint64_t off = 5; off < 8; off++)
        expect("arm64", EM_AARCH64, code, sizeof(code), off, (struct insn_at){INSN_INSIDE, 4, 8});
    expect("arm64 past the end", EM_AARCH64, code, sizeof(code), 16,
           (struct insn_at){INSN_SHORT, 16, 0});
    expect("arm64 past the end", EM_AARCH64, code, sizeof(code), 17,
           (struct insn_at){INSN_SHORT, 16, 0});
}

int main(void)
{
    x86_64();
    arm64();
    uint8_t nop = 0x90;
    expect("riscv", EM_RISCV, &nop, 1, 0, (struct insn_at){INSN_MACHINE, 0, 0});
    if (failures)
        return 1;
    printf("the instruction boundaries of x86-64 and arm64 are right\n");
    return 0;
}
