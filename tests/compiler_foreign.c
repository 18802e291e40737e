/* A compiler module from another build of tinyprobe (tests/compiler.sh):
 * another ABI (FOREIGN_ABI), or the same ABI with other headers. tinyprobe
 * must refuse it before it calls anything in it. */
#include <stdlib.h>

#include "codegen/compiler.h"

static int compile(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out)
{
    abort();
}

__attribute__((visibility("default"))) const struct compiler tinyprobe_compiler = {
#ifdef FOREIGN_ABI
    .abi = COMPILER_ABI + 1,
#else
    .abi = COMPILER_ABI,
#endif
    .interface = "0123456789abcdef",
    .compile = compile,
};
