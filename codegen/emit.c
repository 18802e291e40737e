#include "codegen/emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "lang/diag.h"
#include "lang/xalloc.h"

void emit_diag_handler(LLVMDiagnosticInfoRef info, void *opaque)
{
    struct emit_diags *d = opaque;
    if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
        return;
    char *msg = LLVMGetDiagInfoDescription(info);
    if (!d->errors++)
        snprintf(d->msg, sizeof(d->msg), "%s", msg);
    LLVMDisposeMessage(msg);
}

/* LLVM's fatal errors end the process; without a handler they abort with a
 * core dump. Say what failed as tinyprobe's other errors do, and exit 1. */
static void on_fatal(const char *reason)
{
    diag_sys_error(NULL, "LLVM failed: %s", reason);
    _exit(1);
}

/* Out of memory inside LLVM: operator new and LLVM's own allocation paths.
 * The C API offers no hook for either, so the two C++ functions that install
 * them are declared here by their (Itanium ABI) names. */
void _ZN4llvm31install_bad_alloc_error_handlerEPFvPvPKcbES0_(void (*)(void *, const char *, bool),
                                                             void *);
void *_ZSt15set_new_handlerPFvvE(void (*)(void));

static void on_bad_alloc(void *data, const char *reason, bool crash_diag)
{
    xalloc_fail(0);
}

static void on_new_fail(void)
{
    xalloc_fail(0);
}

void emit_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    LLVMInstallFatalErrorHandler(on_fatal);
    _ZN4llvm31install_bad_alloc_error_handlerEPFvPvPKcbES0_(on_bad_alloc, NULL);
    _ZSt15set_new_handlerPFvvE(on_new_fail);
    /* CPU v4 for one thing only: a jump over more than 32767 instructions
     * becomes a `gotol` rather than a fatal "Branch target out of insn range".
     * The rest of v4 (Linux 6.6) stays off, so code runs on v3 kernels (5.1);
     * load.c says which probe needs gotol on a kernel that lacks it. */
    const char *argv[] = {"tinyprobe",      "-disable-ldsx",      "-disable-movsx",
                          "-disable-bswap", "-disable-sdiv-smod", "-disable-storeimm"};
    LLVMParseCommandLineOptions(sizeof(argv) / sizeof(argv[0]), argv, NULL);
}

LLVMTargetMachineRef emit_target(char *err, size_t errlen)
{
    emit_init();
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
    LLVMInitializeBPFAsmParser(); /* ctx loads are inline asm (codegen.c) */
    LLVMTargetRef t;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple("bpfel", &t, &msg)) {
        snprintf(err, errlen, "LLVM has no BPF target: %s", msg);
        LLVMDisposeMessage(msg);
        return NULL;
    }
    /* v3 (32-bit jumps and ALU, since Linux 5.1, denser code) plus gotol: see
     * emit_init */
    return LLVMCreateTargetMachine(t, "bpfel", "v4", "", LLVMCodeGenLevelDefault, LLVMRelocDefault,
                                   LLVMCodeModelDefault);
}

/* Whether m reads kernel records through CO-RE relocations (codegen/mem.c). */
static bool uses_core(LLVMModuleRef m)
{
    for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f)) {
        size_t len;
        const char *name = LLVMGetValueName2(f, &len);
        if (strncmp(name, "llvm.preserve.", 14) == 0 ||
            strncmp(name, "llvm.bpf.preserve.", 18) == 0)
            return true;
    }
    return false;
}

int emit_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, char *err, size_t errlen)
{
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    /* Our functions are small and straight: what O2 would do that matters
     * (scalars out of memory, common loads once, folded instructions, a clean
     * CFG) these passes do, in 1.6 ms less per run, and the BPF backend's own
     * selection does the rest. Measured: the same instruction counts or fewer;
     * dse drops the zeroing of a key that a string literal then overwrites. */
    LLVMErrorRef e = LLVMRunPasses(
        m, "function(sroa,early-cse,instcombine<no-verify-fixpoint>,dse,simplifycfg)", tm, opts);
    /* CO-RE: the BPF backend turns llvm.preserve.*.access.index into
     * relocations in a pass it adds only at the start of a default
     * pipeline. O0's runs it and nothing that optimizes; after the passes
     * above, so that the code they make is the same with or without. */
    if (!e && uses_core(m))
        e = LLVMRunPasses(m, "default<O0>", tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        snprintf(err, errlen, "LLVM optimization failed: %s", msg);
        LLVMDisposeErrorMessage(msg);
        return -1;
    }
    return 0;
}

int emit_buffer(LLVMModuleRef m, LLVMTargetMachineRef tm, LLVMCodeGenFileType type, void **buf,
                size_t *len, char *err, size_t errlen)
{
    LLVMMemoryBufferRef mb;
    char *msg = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, type, &msg, &mb)) {
        snprintf(err, errlen, "LLVM could not emit BPF code: %s", msg);
        LLVMDisposeMessage(msg);
        return -1;
    }
    *len = LLVMGetBufferSize(mb);
    *buf = xmalloc(*len + 1);
    memcpy(*buf, LLVMGetBufferStart(mb), *len);
    ((char *)*buf)[*len] = 0;
    LLVMDisposeMemoryBuffer(mb);
    return 0;
}
