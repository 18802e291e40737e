#include "bpf/arch.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di
 * orig_ax ip cs flags sp ss, 8 bytes each, as x86's names for them
 * (bpftrace's too) */
static const struct arch_reg x86_64_regs[] = {
    {"r15", 0},     {"r14", 8},  {"r13", 16}, {"r12", 24},      {"bp", 32},  {"bx", 40},
    {"r11", 48},    {"r10", 56}, {"r9", 64},  {"r8", 72},       {"ax", 80},  {"cx", 88},
    {"dx", 96},     {"si", 104}, {"di", 112}, {"orig_ax", 120}, {"ip", 128}, {"cs", 136},
    {"flags", 144}, {"sp", 152}, {"ss", 160}, {NULL, 0},
};

/* struct user_pt_regs: regs[31] sp pc pstate */
static const struct arch_reg aarch64_regs[] = {
    {"x0", 0},       {"x1", 8},    {"x2", 16},   {"x3", 24},   {"x4", 32},   {"x5", 40},
    {"x6", 48},      {"x7", 56},   {"x8", 64},   {"x9", 72},   {"x10", 80},  {"x11", 88},
    {"x12", 96},     {"x13", 104}, {"x14", 112}, {"x15", 120}, {"x16", 128}, {"x17", 136},
    {"x18", 144},    {"x19", 152}, {"x20", 160}, {"x21", 168}, {"x22", 176}, {"x23", 184},
    {"x24", 192},    {"x25", 200}, {"x26", 208}, {"x27", 216}, {"x28", 224}, {"x29", 232},
    {"x30", 240},    {"fp", 232},  {"lr", 240},  {"sp", 248},  {"pc", 256},  {"ip", 256},
    {"pstate", 264}, {NULL, 0},
};

/* DWARF's numbering (the x86-64 psABI): ax dx cx bx si di bp sp r8..r15,
 * then the return address, ip */
static const int x86_64_dwarf[] = {80, 96, 88, 40, 104, 112, 32, 152, 72,
                                   64, 56, 48, 24, 16,  8,   0,  128};
/* DWARF's numbering for arm64: x0..x30, sp, pc */
static const int aarch64_dwarf[] = {0,   8,   16,  24,  32,  40,  48,  56,  64,  72,  80,
                                    88,  96,  104, 112, 120, 128, 136, 144, 152, 160, 168,
                                    176, 184, 192, 200, 208, 216, 224, 232, 240, 248, 256};

static const struct arch_regs layouts[] = {
    /* arguments in di si dx cx r8 r9, the return value in ax; user mode
     * where cs's privilege level is 3 */
    {"x86_64", {112, 104, 96, 88, 72, 64}, 80, x86_64_regs, x86_64_dwarf, 17, 152, 136, 3, 3, 168},
    /* arguments in x0..x5, the return value in x0; user mode where
     * pstate's mode bits are EL0t (0) */
    {"aarch64", {0, 8, 16, 24, 32, 40}, 0, aarch64_regs, aarch64_dwarf, 33, 248, 264, 0xf, 0, 272},
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

int arch_reg_offset(const char *name)
{
    for (const struct arch_reg *r = arch_native()->regs; r->name; r++)
        if (strcmp(r->name, name) == 0)
            return r->off;
    return -1;
}

void arch_reg_names(char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (const struct arch_reg *r = arch_native()->regs; r->name && n < len; r++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", r->name);
}
