#include "bpf/arch.h"

#include <stddef.h>
#include <string.h>

static const struct arch_regs layouts[] = {
    /* struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di
     * orig_ax ip cs flags sp ss, 8 bytes each; arguments in di si dx cx r8
     * r9, the return value in ax */
    {"x86_64", {112, 104, 96, 88, 72, 64}, 80},
    /* struct user_pt_regs, at the start of the kernel's pt_regs: regs[31]
     * sp pc pstate; arguments in x0..x5, the return value in x0 */
    {"aarch64", {0, 8, 16, 24, 32, 40}, 0},
};

const struct arch_regs *arch_regs(const char *machine)
{
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
        if (strcmp(layouts[i].machine, machine) == 0)
            return &layouts[i];
    return NULL;
}

const struct arch_regs *arch_native(void)
{
#if defined(__x86_64__)
    return &layouts[0];
#elif defined(__aarch64__)
    return &layouts[1];
#else
#error "tinyprobe knows the pt_regs layout of x86_64 and aarch64 only"
#endif
}

int arch_arg_offset(int n)
{
    return n >= 1 && n <= ARCH_MAX_ARGS ? arch_native()->args[n - 1] : -1;
}

int arch_retval_offset(void)
{
    return arch_native()->rc;
}
