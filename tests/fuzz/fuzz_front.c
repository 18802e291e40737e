/* libFuzzer over the front end: any bytes through the scanner, the parser and
 * the checks must end in a tree or in diagnostics, never in a crash, a leak
 * or undefined behaviour. */
#include "tests/fuzz/fuzz_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, 0, size))
        return 0; /* tinyprobe refuses scripts with NUL bytes before parsing */
    struct fuzz_script fs;
    fuzz_script_open(&fs, data, size, 2);
    fuzz_script_close(&fs);
    return 0;
}
