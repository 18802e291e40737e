#include "bpf/arch.h"

#include <stddef.h>

#if defined(__x86_64__)
/* struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip */
enum { R9 = 64, R8 = 72, AX = 80, CX = 88, DX = 96, SI = 104, DI = 112 };
static const int args[ARCH_MAX_ARGS] = {DI, SI, DX, CX, R8, R9};
static const int rc = AX;
#elif defined(__aarch64__)
/* struct user_pt_regs: regs[31] sp pc pstate; arguments in x0..x5 */
static const int args[ARCH_MAX_ARGS] = {0, 8, 16, 24, 32, 40};
static const int rc = 0;
#else
#error "tinyprobe knows the pt_regs layout of x86_64 and aarch64 only"
#endif

int arch_arg_offset(int n)
{
    return n >= 1 && n <= ARCH_MAX_ARGS ? args[n - 1] : -1;
}

int arch_retval_offset(void)
{
    return rc;
}
