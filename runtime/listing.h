/* The -d listings a learner reads: each program's BPF instructions under the
 * script lines they came from, numbered as the kernel numbers them, helpers,
 * maps and context fields by name. -d asm lists the object before it is
 * loaded; -d xlated what the kernel holds after its rewrites; the verifier's
 * listing (runtime/vlog.c) prints its script lines the same way. */
#ifndef TP_LISTING_H
#define TP_LISTING_H

#include <stdbool.h>
#include <stdio.h>

#include "bpf/disasm.h"
#include "codegen/codegen.h"
#include "lang/diag.h"

struct bpf_object;
struct bpf_program;

/* The colours of a listing's parts, each "" without colour. */
struct listing_style {
    struct disasm_style insn; /* helpers, maps, context fields */
    const char *title, *gutter, *script, *caret, *reason, *reset;
};

struct listing {
    /* where the listing is written, a program at a time: standard error is
     * unbuffered, and a write a character would take minutes for a large
     * log */
    FILE *out;
    FILE *dest;
    char *mem;
    size_t memlen;
    const struct listing_style *st;
    const struct diag_src *src; /* the script, whose lines are quoted */
    const struct cg_output *cg; /* its programs, plan and the places code was made for */
    /* the script place printed last, so that a place is shown once as the
     * code goes on under it */
    int line, col;
};

/* --color: whether to colour what goes to `out` (auto: when it is a terminal). */
enum listing_color { LISTING_AUTO, LISTING_ALWAYS, LISTING_NEVER };
void listing_init(struct listing *l, FILE *out, enum listing_color c, const struct diag_src *src,
                  const struct cg_output *cg);
/* Writes what is listed so far to the listing's destination. */
void listing_flush(struct listing *l);
/* Flushes, and frees the listing's buffer: 0, or -1 when the destination
 * could not be written (errno says why). */
int listing_done(struct listing *l);

/* -d asm: every program of cg's object; 0, or -1 after saying why. */
int listing_asm(struct listing *l);
/* -d xlated: every loaded program as the kernel holds it (progs by cg
 * program); 0, or -1 after saying why. */
int listing_xlated(struct listing *l, struct bpf_object *obj, struct bpf_program *const *progs);

/* Shows script line `line` with a caret under what starts at col (and
 * runs as far as the place codegen made code for), unless the last shown
 * was the same; only the caret when only the column changed. line 0 or a
 * line past the script: `text` is quoted instead (the object's copy), or
 * nothing when NULL. */
void listing_place(struct listing *l, int line, int col, const char *text);
/* A program's title line: its points, name and size. */
void listing_title(struct listing *l, int prog, int ninsns);

#endif
