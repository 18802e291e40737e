/* libFuzzer over ELF files as hostile as a uprobe's or a USDT probe's PATH
 * may be: the bytes become a file, whose functions are read, each looked up
 * by name, their first bytes read and decoded; a few are expanded as
 * uprobe:PATH:FUNCTION+OFFSET is, offset checked and all; its USDT notes
 * are read; uaddr() looks a symbol up in it. The same bytes are read as
 * /proc/kallsyms is, for kstack's symbols and kaddr(), and as a BPF object
 * is for the -d listings (bpf/bpfobj.c), each program's instructions then
 * printed (bpf/disasm.c). Any bytes must end
 * in functions or a message, never a crash, a read past what the file
 * holds, or a leak. */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/tpo.h"
#include "bpf/bpfobj.h"
#include "bpf/disasm.h"
#include "bpf/insn.h"
#include "bpf/kallsyms.h"
#include "bpf/kinds.h"
#include "bpf/usym.h"

/* as kind_uprobe.c asks for them: the offset, and an instruction more */
static void decode(const struct usym_file *f, const struct usym_func *u, uint64_t off)
{
    uint8_t *code;
    size_t len;
    char why[512];
    uint64_t want = off + INSN_MAX_LEN;
    if (u->size && u->size < want)
        want = u->size;
    if (usym_func_bytes(f, u, want, &code, &len, why, sizeof(why)))
        return;
    if (len > want)
        abort(); /* more than was asked for */
    /* both decoders, whatever the file says its machine is */
    insn_find(EM_X86_64, code, len, off);
    insn_find(EM_AARCH64, code, len, off);
    free(code);
}

static void expand(const char *path, const struct usym_func *u, uint64_t off)
{
    char target[8192];
    snprintf(target, sizeof(target), "%s:%s+%llu", path, u->name, (unsigned long long)off);
    struct probe_points pts = {0};
    struct probe_err err = {0};
    kind_uprobe.expand(&kind_uprobe, target, &pts, &err);
    probe_points_free(&pts);
}

/* as -d asm reads codegen's object: every program listed */
static void listing(const uint8_t *data, size_t size)
{
    struct bpfobj o;
    char why[256];
    if (bpfobj_read(data, size, &o, why, sizeof(why)))
        return;
    for (int k = 0; k < o.nprogs; k++) {
        const struct bpfobj_prog *p = &o.progs[k];
        uint16_t *ctx = calloc(p->n ? (size_t)p->n : 1, sizeof(*ctx));
        if (!ctx)
            abort();
        disasm_ctx_regs(p->insns, p->n, ctx);
        for (int i = 0; i < p->n;) {
            struct disasm_line d;
            int slots = disasm_insn(p->insns, p->n, i, ctx[i], NULL, NULL, &d);
            if (slots < 1 || slots > 2 || strlen(d.text) >= sizeof(d.text))
                abort();
            const struct bpfobj_line *l = bpfobj_line_at(p, i);
            if (l && (l->insn > i || !l->text))
                abort(); /* the record that covers i starts at or before it */
            int t = disasm_target(p->insns, p->n, i);
            if (t >= p->n)
                abort();
            i += slots;
        }
        free(ctx);
    }
    bpfobj_free(&o);
}

/* The bytes as a compiled script (runtime/tpo.c): refused with a reason,
 * or read into a plan every part of which -d plan can print. */
static void compiled(const uint8_t *data, size_t size)
{
    struct tpo t;
    char err[512];
    if (tpo_read(data, size, &t, err, sizeof(err)) == 0) {
        FILE *f = fopen("/dev/null", "w");
        if (!f)
            abort();
        plan_dump(t.plan, f);
        fclose(f);
    } else if (!err[0]) {
        abort(); /* a refusal says why */
    }
    tpo_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    listing(data, size);
    compiled(data, size);
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();

    struct usym_file f;
    char why[512];
    if (usym_open(&f, path, why, sizeof(why)) == 0) {
        for (int i = 0; i < f.nfuncs && i < 256; i++) {
            const struct usym_func *u = usym_lookup(&f, f.funcs[i].name);
            if (u != &f.funcs[i])
                abort(); /* each name once, sorted: found where it is */
            decode(&f, u, u->size ? u->size - 1 : 1);
            decode(&f, u, u->size / 2);
            if (i < 4) {
                expand(path, u, 1);
                expand(path, u, u->size / 2 + 1);
            }
        }
        usym_close(&f);
    }
    struct usym_usdt *v;
    int n = usym_usdt(path, &v, why, sizeof(why));
    if (n >= 0)
        usym_usdt_free(v, n);
    uint64_t addr;
    bool pie;
    usym_addr(path, "main", &addr, &pie, why, sizeof(why));

    struct kallsyms ks;
    if (kallsyms_load(&ks, path, why, sizeof(why)) == 0) {
        for (size_t i = 0; i < ks.n; i++) {
            if (ks.v[i].addr == UINT64_MAX)
                continue;
            uint64_t off;
            const struct kallsyms_sym *s = kallsyms_find(&ks, ks.v[i].addr + 1, &off);
            if (!s || s->addr > ks.v[i].addr + 1 || off != ks.v[i].addr + 1 - s->addr ||
                strlen(kallsyms_name(&ks, s)) > KALLSYMS_LINE_MAX)
                abort(); /* the symbol at or below the address, and its name bounded */
        }
        kallsyms_free(&ks);
    }
    return 0;
}
