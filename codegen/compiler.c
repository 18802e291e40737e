/* The compiler module's one exported symbol (codegen/compiler.h); the rest
 * of the module, LLVM included, is hidden by cmake/compiler.map. */
#include "codegen/compiler.h"

#include "compiler_interface.h"

__attribute__((visibility("default"))) const struct compiler tinyprobe_compiler = {
    .abi = COMPILER_ABI,
    .interface = COMPILER_INTERFACE,
    .compile = cg_compile,
};
