/* Compiled scripts (.tpo): the BPF object codegen made, as it is, with one
 * more section, TPO_SECTION, that holds what a run needs besides the object
 * and that the compiler alone could tell: the script's text (for messages
 * at its lines), the programs' points and places, and the plan. A run from
 * one needs no tree and no compiler; tools that read BPF objects (bpftool,
 * llvm-objdump, libbpf) read it as any other, skipping the section. */
#ifndef TP_TPO_H
#define TP_TPO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "codegen/codegen.h"
#include "lang/diag.h"
#include "lang/plan.h"

#define TPO_SECTION ".tinyprobe"
/* The layout of the section: a file of another is refused, not misread. */
#define TPO_FORMAT 1
/* The CPUs an emitted script's slots are laid out for: a machine with
 * more needs it compiled there. Machines with fewer use the first ones. */
#define TPO_EMIT_CPUS 64
/* The largest compiled script read. */
#define TPO_SIZE_MAX (256u << 20)

/* What shaped the programs besides the script and the kernel, recorded so
 * that a run can say which options it cannot change. */
struct tpo_opts {
    int str_size;
    unsigned ringbuf_size, map_size, stack_max;
    char *const *params; /* $1.. as they were compiled in */
    int nparams;
};

struct tpo {
    char *name, *text; /* the script's, as messages call it, and its text */
    char *version;     /* the tinyprobe that made it */
    struct tpo_opts opts;
    char **params;       /* opts.params' strings */
    bool same_kernel;    /* made on the kernel running (tpo_put_kernel's bytes the same) */
    struct plan *plan;   /* its points as recorded: tpo_bind resolves them */
    struct cg_output cg; /* obj: a copy of the whole file */
};

/* What the running kernel is, as bytes to compare: its version string and
 * the size of its BTF (or of the tests' TINYPROBE_BTF), and the tests'
 * TINYPROBE_TRACEFS. */
struct wire_out;
void tpo_put_kernel(struct wire_out *o);
/* Whether `data` starts as an ELF file does. */
bool tpo_is_elf(const void *data, size_t len);
/* The compiled script of codegen's output `cg`, from the script in `src`:
 * a malloc'ed buffer. 0, or -1 with err saying why. */
int tpo_make(const struct cg_output *cg, const struct diag_src *src, const struct tpo_opts *o,
             void **buf, size_t *len, char *err, size_t errlen);
/* Reads a compiled script from `data` (hostile: every size and index is
 * checked). 0, or -1 with err saying what is wrong with it. */
int tpo_read(const void *data, size_t len, struct tpo *t, char *err, size_t errlen);
/* Resolves the recorded points on this machine, as the checks did when it
 * was compiled, and makes sure the programs' assumptions hold: each point
 * exists, and each field the programs read is where they read it. 0, or -1
 * after saying at the script's place what differs. */
int tpo_bind(struct tpo *t, struct diag_src *src);
void tpo_free(struct tpo *t);
/* Writes `len` bytes to `path` whole or not at all (a temporary file in its
 * directory, renamed over it), with `mode`. 0, or -1 with err saying why. */
int tpo_save(const char *path, const void *buf, size_t len, mode_t mode, char *err, size_t errlen);

#endif
