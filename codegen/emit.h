/* The BPF backend: optimize, and emit an object or assembly into memory. */
#ifndef TP_EMIT_H
#define TP_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

/* LLVM reports some failures (a blown 512-byte stack, an unsupported
 * operation) only through the context's diagnostic handler, while emitting
 * to memory still returns success: collect them here. */
struct emit_diags {
    int errors;
    char msg[512];
};
void emit_diag_handler(LLVMDiagnosticInfoRef info, void *opaque);

/* Installs LLVM's error handlers and options; emit_target does it too. */
void emit_init(void);
LLVMTargetMachineRef emit_target(char *err, size_t errlen);
int emit_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, char *err, size_t errlen);
/* Emits `m` as an object or assembly into a malloc'ed buffer. */
int emit_buffer(LLVMModuleRef m, LLVMTargetMachineRef tm, LLVMCodeGenFileType type, void **buf,
                size_t *len, char *err, size_t errlen);

#endif
