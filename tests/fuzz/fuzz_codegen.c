/* libFuzzer through codegen: any script that passes the checks must become a
 * BPF object (or a located error), never a crash, an LLVM fatal error, a leak
 * or undefined behaviour. No kernel: nothing is loaded. The object must be
 * one -d asm can list: read back (bpf/bpfobj.c), every program there, each
 * map load named by its relocation, each instruction printed. And it must
 * make a compiled script that reads back (runtime/tpo.c) to the same plan,
 * as -d plan prints it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/ErrorHandling.h>

#include "bpf/bpfobj.h"
#include "bpf/disasm.h"
#include "codegen/codegen.h"
#include "codegen/emit.h"
#include "runtime/tpo.h"
#include "tests/fuzz/fuzz_script.h"

/* tinyprobe turns LLVM's fatal errors into a message and exit 1; here they
 * are findings, so they abort and libFuzzer keeps the input. */
static void on_fatal(const char *reason)
{
    fprintf(stderr, "LLVM fatal error: %s\n", reason);
    abort();
}

static void listable(const struct cg_output *out)
{
    struct bpfobj o;
    char why[256];
    if (bpfobj_read(out->obj, out->objlen, &o, why, sizeof(why))) {
        fprintf(stderr, "codegen's object cannot be read back: %s\n", why);
        abort();
    }
    for (int i = 0; i < out->nprogs; i++) {
        const struct bpfobj_prog *p = bpfobj_find(&o, out->progs[i].name);
        if (!p) {
            fprintf(stderr, "program %s is not in the object\n", out->progs[i].name);
            abort();
        }
        for (int j = 0; j < p->n;) {
            const struct bpf_insn *in = &p->insns[j];
            if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg && !p->names[j])
                abort(); /* a map or function load the listing cannot name */
            struct disasm_line d;
            j += disasm_insn(p->insns, p->n, j, 0, NULL, NULL, &d);
        }
    }
    bpfobj_free(&o);
}

static char *dumped(const struct plan *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    plan_dump(p, f);
    fclose(f);
    return buf;
}

/* The compiled script of the object reads back, with the plan it was made
 * from: nothing written is lost or read otherwise. */
static void round_trip(const struct cg_output *out, struct diag_src *src)
{
    struct tpo_opts to = {.str_size = CHECK_STR_SIZE_DEFAULT,
                          .ringbuf_size = 1u << 20,
                          .map_size = 4096,
                          .stack_max = 65536};
    void *buf;
    size_t len;
    char err[512];
    if (tpo_make(out, src, &to, &buf, &len, err, sizeof(err))) {
        fprintf(stderr, "no compiled script: %s\n", err);
        abort();
    }
    struct tpo t;
    if (tpo_read(buf, len, &t, err, sizeof(err))) {
        fprintf(stderr, "the compiled script does not read back: %s\n", err);
        abort();
    }
    char *a = dumped(out->plan), *b = dumped(t.plan);
    if (strcmp(a, b) || t.cg.nprogs != out->nprogs || t.cg.nspans != out->nspans) {
        fprintf(stderr, "the plan read back differs:\n%s\n---\n%s\n", a, b);
        abort();
    }
    free(a);
    free(b);
    tpo_free(&t);
    free(buf);
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
            .str_size = CHECK_STR_SIZE_DEFAULT, .ringbuf_size = 1u << 20, .ncpus = ncpus,
            /* not .core (--emit's CO-RE): LLVM's BPF backend keeps the
             * globals of CO-RE accesses in a map of the process's, by name,
             * across modules, and a second module with the same access
             * finds the first's, freed with its context; tinyprobe compiles
             * once a process, and the run_tpo tests compile every golden
             * script with CO-RE, each in a process of its own */
        };
        struct cg_output out;
        if (cg_compile(fs.prog, &o, &out) == 0) {
            listable(&out);
            round_trip(&out, &fs.src);
        }
        cg_output_free(&out);
    }
    fuzz_script_close(&fs);
    return 0;
}
