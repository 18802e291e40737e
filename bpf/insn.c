#include "bpf/insn.h"

#include <dlfcn.h>
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>

#include <capstone/capstone.h>

/* capstone, opened on the first x86-64 lookup rather than linked: loading
 * it relocates 80,000 pointers of its tables, 4 ms of every run's start-up
 * (--version's included), for the few runs that put a uprobe at an offset.
 * By its soname (INSN_CAPSTONE), from the system's library path, as a
 * library linked would be. */
static struct {
    cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
    cs_insn *(*malloc)(csh handle);
    bool (*disasm_iter)(csh handle, const uint8_t **code, size_t *size, uint64_t *address,
                        cs_insn *insn);
    void (*free)(cs_insn *insn, size_t count);
    cs_err (*close)(csh *handle);
} capstone;
static char capstone_error[256];

static bool capstone_open(void)
{
    static void *h;
    if (h)
        return true;
    if (capstone_error[0])
        return false;
    void *l = dlopen(INSN_CAPSTONE, RTLD_NOW | RTLD_LOCAL);
    if (l) {
        *(void **)&capstone.open = dlsym(l, "cs_open");
        *(void **)&capstone.malloc = dlsym(l, "cs_malloc");
        *(void **)&capstone.disasm_iter = dlsym(l, "cs_disasm_iter");
        *(void **)&capstone.free = dlsym(l, "cs_free");
        *(void **)&capstone.close = dlsym(l, "cs_close");
    }
    if (!l || !capstone.open || !capstone.malloc || !capstone.disasm_iter || !capstone.free ||
        !capstone.close) {
        snprintf(capstone_error, sizeof(capstone_error), "%s", l ? "not capstone" : dlerror());
        return false;
    }
    h = l;
    return true;
}

const char *insn_decoder_error(void)
{
    return capstone_error;
}

/* x86-64: one instruction after another from the function's start, the
 * only way to know where they begin, as their lengths vary (1 to 15). */
static struct insn_at x86_64_find(const uint8_t *code, size_t len, uint64_t off)
{
    struct insn_at at = {.where = INSN_SHORT};
    csh cs;
    if (!capstone_open()) {
        at.where = INSN_DECODER;
        return at;
    }
    if (capstone.open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
        at.where = INSN_MACHINE;
        return at;
    }
    cs_insn *insn = capstone.malloc(cs);
    /* an instruction that starts before off ends before off + INSN_MAX_LEN:
     * decoding no further bounds the work by the offset, not the function */
    size_t end = len;
    if (len > INSN_MAX_LEN && off < len - INSN_MAX_LEN)
        end = off + INSN_MAX_LEN;
    uint64_t pos = 0;
    while (insn && pos < off && pos < end) {
        const uint8_t *p = code + pos;
        size_t left = end - pos;
        uint64_t addr = pos;
        if (!capstone.disasm_iter(cs, &p, &left, &addr, insn)) {
            /* too few bytes left for the longest instruction: perhaps cut */
            at.where = len - pos < INSN_MAX_LEN ? INSN_SHORT : INSN_INVALID;
            break;
        }
        if (addr > off) {
            at.where = INSN_INSIDE;
            at.after = addr;
            break;
        }
        pos = addr;
    }
    at.before = pos;
    if (pos == off && off < len)
        at.where = INSN_BOUNDARY;
    capstone.free(insn, 1);
    capstone.close(&cs);
    return at;
}

/* arm64: every instruction is 4 bytes, aligned. */
static struct insn_at arm64_find(size_t len, uint64_t off)
{
    struct insn_at at = {.before = off & ~(uint64_t)3};
    if (off >= len)
        at.where = INSN_SHORT;
    else if (off % 4)
        at = (struct insn_at){INSN_INSIDE, at.before, at.before + 4};
    else
        at.where = INSN_BOUNDARY;
    return at;
}

struct insn_at insn_find(int machine, const uint8_t *code, size_t len, uint64_t off)
{
    switch (machine) {
    case EM_X86_64: return x86_64_find(code, len, off);
    case EM_AARCH64: return arm64_find(len, off);
    default: return (struct insn_at){.where = INSN_MACHINE};
    }
}

const char *insn_machine(int machine)
{
    switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "arm64";
    default: return "this machine's";
    }
}
