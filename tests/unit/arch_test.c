/* The register layouts of bpf/arch.c against their definitions: each
 * architecture's struct, written out here as its UAPI header has it (an
 * arm64 header cannot be included on x86-64, nor the other way round), and
 * the running kernel's own struct pt_regs as its BTF describes it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/kbtf.h"

/* arch/x86/include/uapi/asm/ptrace.h, x86-64 */
struct x86_64_pt_regs {
    uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs,
        flags, sp, ss;
};
/* arch/arm64/include/uapi/asm/ptrace.h */
struct aarch64_user_pt_regs {
    uint64_t regs[31], sp, pc, pstate;
};

static int failures;

static void expect(const char *what, int got, int want)
{
    if (got != want) {
        printf("FAIL %s: %d, not %d\n", what, got, want);
        failures++;
    }
}

int main(void)
{
    const struct arch_regs *x = arch_regs("x86_64");
    const int x_args[] = {
        offsetof(struct x86_64_pt_regs, di), offsetof(struct x86_64_pt_regs, si),
        offsetof(struct x86_64_pt_regs, dx), offsetof(struct x86_64_pt_regs, cx),
        offsetof(struct x86_64_pt_regs, r8), offsetof(struct x86_64_pt_regs, r9),
    };
    for (int i = 0; i < ARCH_MAX_ARGS; i++) {
        char what[32];
        snprintf(what, sizeof(what), "x86_64 arg%d", i + 1);
        expect(what, x->args[i], x_args[i]);
    }
    expect("x86_64 retval", x->rc, offsetof(struct x86_64_pt_regs, ax));

    const struct arch_regs *a = arch_regs("aarch64");
    for (int i = 0; i < ARCH_MAX_ARGS; i++) {
        char what[32];
        snprintf(what, sizeof(what), "aarch64 arg%d", i + 1);
        expect(what, a->args[i], offsetof(struct aarch64_user_pt_regs, regs) + 8 * i);
    }
    expect("aarch64 retval", a->rc, offsetof(struct aarch64_user_pt_regs, regs));

    /* the running kernel's struct pt_regs, where it has BTF */
    char why[256];
    int size;
    const struct arch_regs *n = arch_native();
    if (strcmp(n->machine, "x86_64") == 0) {
        const char *names[] = {"di", "si", "dx", "cx", "r8", "r9"};
        for (int i = 0; i < ARCH_MAX_ARGS; i++) {
            int off = kbtf_member("pt_regs", names[i], &size, why, sizeof(why));
            if (off < 0) {
                printf("skip the kernel's pt_regs: %s\n", why);
                break;
            }
            char what[48];
            snprintf(what, sizeof(what), "the kernel's pt_regs.%s", names[i]);
            expect(what, n->args[i], off);
        }
    } else {
        int off = kbtf_member("user_pt_regs", "regs", &size, why, sizeof(why));
        if (off >= 0)
            expect("the kernel's user_pt_regs.regs", n->args[0], off);
    }
    kbtf_free();
    if (failures)
        return 1;
    printf("the layouts of x86_64 and aarch64 are right\n");
    return 0;
}
