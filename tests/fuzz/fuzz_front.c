/* libFuzzer over the front end: any bytes through the scanner, the parser and
 * the checks must end in a tree or in diagnostics, never in a crash, a leak
 * or undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/check.h"
#include "lang/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (memchr(data, 0, size))
        return 0; /* tinyprobe refuses scripts with NUL bytes before parsing */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    struct diag_src src;
    diag_init(&src, "fuzz", text);
    src.out = devnull;
    struct ast_program *prog = parse_script(&src, NULL);
    struct check_opts o = {.str_size = CHECK_STR_SIZE_DEFAULT};
    if (prog)
        check_program(prog, &o);
    ast_program_free(prog);
    free(text);
    return 0;
}
