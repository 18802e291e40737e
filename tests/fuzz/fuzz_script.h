/* Shared by the fuzz targets: bytes to a checked program, as tinyprobe's
 * front end makes it, with diagnostics to /dev/null. */
#ifndef TP_FUZZ_SCRIPT_H
#define TP_FUZZ_SCRIPT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/check.h"
#include "lang/parse.h"

struct fuzz_script {
    char *text;
    struct diag_src src;
    struct ast_program *prog; /* NULL when the script has errors */
    struct plan *plan;
};

/* Parses and checks the first `len` bytes of `data` (which must hold no NUL)
 * for a machine of `ncpus` CPUs: true when the script passed the checks. */
static inline bool fuzz_script_open(struct fuzz_script *fs, const uint8_t *data, size_t len,
                                    int ncpus)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    memset(fs, 0, sizeof(*fs));
    fs->text = malloc(len + 1);
    if (!fs->text)
        return false;
    memcpy(fs->text, data, len);
    fs->text[len] = 0;
    diag_init(&fs->src, "fuzz", fs->text);
    fs->src.out = devnull;
    fs->prog = parse_script(&fs->src, NULL);
    struct check_opts o = {
        .str_size = CHECK_STR_SIZE_DEFAULT, .ringbuf_size = 1u << 20, .ncpus = ncpus};
    fs->plan = plan_new();
    return fs->prog && check_program(fs->prog, fs->plan, &o);
}

static inline void fuzz_script_close(struct fuzz_script *fs)
{
    ast_program_free(fs->prog);
    plan_free(fs->plan);
    free(fs->text);
}

#endif
