/* Symbols for the addresses that stacks, ksym() and usym() print: the
 * kernel's from /proc/kallsyms (bpf/kallsyms.c), a process's from the ELF
 * files it has mapped, read with elfutils' libdwfl (.symtab, .dynsym, and a
 * separate debug file found by build-id or debuglink where one is
 * installed). Each is read once, when first asked for. */
#ifndef TP_SYMS_H
#define TP_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct syms;

/* How an address is written: its symbol alone ("vfs_read"), or with the
 * offset into it ("vfs_read+5"), and the file it is in ("(/usr/lib/...)").
 * SYMS_RETURN: the address is one a call returns to, which is looked up
 * one byte back, in the call (a call may be a function's last bytes). */
enum { SYMS_OFFSET = 1, SYMS_FILE = 2, SYMS_RETURN = 4, SYMS_LINE = 8 };
/* SYMS_LINE: a user address's source file and line, where its file has
 * DWARF line info ("inner+12 (/src/helper.c:58)"). */

/* The processes whose symbols are kept at once: past them, the one used
 * least recently is let go. */
#define SYMS_PROCS 64

struct proctab;
/* Symbols; a process the table `pt` (NULL: none) has seen start is read as
 * it recorded it, the rest as /proc shows them. */
struct syms *syms_new(struct proctab *pt);
void syms_free(struct syms *s);
/* The symbol of kernel address addr, into buf, as `how` says; an address
 * in no symbol is written in hex. buf, always. */
const char *syms_kernel(struct syms *s, uint64_t addr, unsigned how, char *buf, size_t len);
/* The same for address addr of process tgid. */
const char *syms_user(struct syms *s, uint32_t tgid, uint64_t addr, unsigned how, char *buf,
                      size_t len);

/* A thread's user stack as a probe copied it (--unwind dwarf): the
 * registers by their DWARF numbers, and `len` bytes of the stack from the
 * stack pointer (register `sp`) up. */
struct syms_sample {
    uint32_t tgid, tid;
    const uint64_t *regs;
    int nregs, sp;
    const uint8_t *stack;
    size_t len;
};
/* Unwinds it with the call frame information of the process's files
 * (.eh_frame, .debug_frame), and frame pointers where a function has none,
 * as elfutils' libdwfl does: the return addresses, innermost first, at most
 * max into frames; their number (0 when nothing is known of the process). */
int syms_unwind(struct syms *s, const struct syms_sample *sm, uint64_t *frames, int max);

#endif
