/* libFuzzer through codegen: any script that passes the checks must become a
 * BPF object (or a located error), never a crash, an LLVM fatal error, a leak
 * or undefined behaviour. No kernel: nothing is loaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/ErrorHandling.h>

#include "codegen/codegen.h"
#include "codegen/emit.h"
#include "tests/fuzz/fuzz_script.h"

/* tinyprobe turns LLVM's fatal errors into a message and exit 1; here they
 * are findings, so they abort and libFuzzer keeps the input. */
static void on_fatal(const char *reason)
{
    fprintf(stderr, "LLVM fatal error: %s\n", reason);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        ready = true;
        emit_init();
        LLVMInstallFatalErrorHandler(on_fatal);
    }
    if (memchr(data, 0, size))
        return 0; /* tinyprobe refuses scripts with NUL bytes before parsing */
    /* machines of 1 to 4096 CPUs, told by the input's length: the slots'
     * layout, and the per-CPU maps past them, differ by the CPUs */
    int ncpus = 1 + (int)(size * 2654435761u % 4096);
    struct fuzz_script fs;
    if (fuzz_script_open(&fs, data, size, ncpus)) {
        struct cg_opts o = {
            .str_size = CHECK_STR_SIZE_DEFAULT, .ringbuf_size = 1u << 20, .ncpus = ncpus};
        struct cg_output out;
        cg_compile(fs.prog, &o, &out);
        cg_output_free(&out);
    }
    fuzz_script_close(&fs);
    return 0;
}
