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

    /* reg()'s names: aarch64's against the struct written out; x86_64's
     * are the kernel's own member names, checked against its BTF below */
    for (const struct arch_reg *r = a->regs; r->name; r++) {
        int want = -1, i;
        if (sscanf(r->name, "x%d", &i) == 1)
            want = (int)offsetof(struct aarch64_user_pt_regs, regs) + 8 * i;
        else if (strcmp(r->name, "fp") == 0)
            want = (int)offsetof(struct aarch64_user_pt_regs, regs) + 8 * 29;
        else if (strcmp(r->name, "lr") == 0)
            want = (int)offsetof(struct aarch64_user_pt_regs, regs) + 8 * 30;
        else if (strcmp(r->name, "sp") == 0)
            want = (int)offsetof(struct aarch64_user_pt_regs, sp);
        else if (strcmp(r->name, "pc") == 0 || strcmp(r->name, "ip") == 0)
            want = (int)offsetof(struct aarch64_user_pt_regs, pc);
        else if (strcmp(r->name, "pstate") == 0)
            want = (int)offsetof(struct aarch64_user_pt_regs, pstate);
        char what[48];
        snprintf(what, sizeof(what), "aarch64 reg(\"%s\")", r->name);
        expect(what, r->off, want);
    }
    expect("x86_64 reg(\"ip\")", x->regs[16].off, offsetof(struct x86_64_pt_regs, ip));

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
        for (const struct arch_reg *r = n->regs; r->name; r++) {
            if (!kbtf_ready(why, sizeof(why)))
                break;
            /* through anonymous unions: 6.9+ keeps cs and ss in ones (FRED) */
            struct kbtf_member m;
            unsigned rec = kbtf_find_record("pt_regs", false);
            int off = rec && kbtf_member_find(rec, r->name, &m) ? (int)(m.bit_off / 8) : -1;
            char what[48];
            snprintf(what, sizeof(what), "reg(\"%s\") in the kernel's pt_regs", r->name);
            expect(what, r->off, off);
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
