/* The compiler module: codegen and LLVM in a shared object of their own
 * (COMPILER_FILE), which tinyprobe opens only when it compiles a script, so
 * that a run that compiles nothing neither maps LLVM nor pays for its static
 * constructors. The module takes the front end's functions and state (diag,
 * the kernel's BTF, the plan) from the executable, which exports them, rather
 * than carrying copies of its own; it exports one symbol, COMPILER_SYMBOL. */
#ifndef TP_COMPILER_H
#define TP_COMPILER_H

#include "codegen/codegen.h"

#define COMPILER_FILE   "tinyprobe-compiler.so"
#define COMPILER_SYMBOL "tinyprobe_compiler"
/* The layout of struct compiler's head (abi, interface): never changes. */
#define COMPILER_ABI 1

struct compiler {
    unsigned abi;
    /* A hash of the headers the executable and the module share
     * (COMPILER_INTERFACE, made by cmake/interface.cmake): a module from a
     * build whose structs or functions differ is refused, not run. */
    const char *interface;
    int (*compile)(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out);
};

/* A hash of the module the executable was built beside
 * (cmake/compiler_id.cmake), for the cache's keys: a module rebuilt where
 * the executable was not (a change to codegen alone) makes its own entries,
 * not loads the old module's objects. */
extern const char compiler_id[];

/* cg_compile through the module, which is opened on the first call; 0, or -1
 * after reporting why (a missing or foreign module included). */
int compiler_compile(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out);

#endif
