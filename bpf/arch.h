/* What differs between architectures, kept in one place. */
#ifndef TP_ARCH_H
#define TP_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_MAX_ARGS 6
/* Offset in struct pt_regs of PT_REGS_PARMn (n from 1), or -1. */
int arch_arg_offset(int n);
/* Offset in struct pt_regs of PT_REGS_RC. */
int arch_retval_offset(void);
/* Kernel addresses have the top bit set on the architectures we support, so
 * one compare tells user memory from kernel memory. */
#define ARCH_KERNEL_ADDR_SIGN_BIT 1

#endif
