/* What differs between architectures, kept in one place: where struct
 * pt_regs keeps the parameters (PT_REGS_PARM1..6) and the return value
 * (PT_REGS_RC). Both layouts are here whatever the build's machine, so a
 * test can check each against its definition. */
#ifndef TP_ARCH_H
#define TP_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARCH_MAX_ARGS 6

/* A register of pt_regs, by the name the architecture gives it. */
struct arch_reg {
    const char *name;
    int off;
};

struct arch_regs {
    const char *machine; /* as uname -m says */
    int args[ARCH_MAX_ARGS];
    int rc;
    const struct arch_reg *regs; /* for reg("name"), ending with a NULL name */
    /* --unwind dwarf: the registers in the order of their DWARF numbers
     * (0, 1, ...), as offsets in pt_regs; the stack pointer's; and where
     * pt_regs says the task was in user mode: (word at mode_off & mode_mask)
     * == mode_user */
    const int *dwarf;
    int ndwarf, sp;
    int mode_off;
    uint64_t mode_mask, mode_user;
    int pt_regs_size;
};
/* The most registers a stack copy holds (aarch64's 33: x0..x30, sp, pc). */
#define ARCH_DWARF_REGS_MAX 33

/* The layout of `machine` ("x86_64", "aarch64"), or NULL. */
const struct arch_regs *arch_regs(const char *machine);
/* The layout of the machine tinyprobe was built for. */
const struct arch_regs *arch_native(void);
/* Offset in struct pt_regs of PT_REGS_PARMn (n from 1), or -1. */
int arch_arg_offset(int n);
/* Offset in struct pt_regs of PT_REGS_RC. */
int arch_retval_offset(void);
/* Offset in struct pt_regs of the native register `name` ("ip", "sp"), or -1. */
int arch_reg_offset(const char *name);
/* The native registers' names, "ip, sp, ...", for a message. */
void arch_reg_names(char *buf, size_t len);
/* Kernel addresses have the top bit set on the architectures we support, so
 * one compare tells user memory from kernel memory. */
#define ARCH_KERNEL_ADDR_SIGN_BIT 1

#endif
