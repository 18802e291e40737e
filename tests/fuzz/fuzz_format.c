/* libFuzzer over the event formatter: a script (checked, its events laid out
 * as codegen lays them out), then event bytes as hostile as the kernel's
 * could be. Input: SCRIPT [NUL (u16 size, bytes)...]. Without a NUL, each
 * event is formatted once filled with zeros and once with 0xff. Any bytes
 * must print or be dropped, never crash, overflow or loop, by the text
 * backend and the JSON one, and every JSON line must parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "tests/fuzz/fuzz_script.h"
#include "tests/unit/json_check.h"

static void format_copy(struct output *o, const struct cg_output *cg, const uint8_t *p, size_t n)
{
    /* a record of its own, exactly as long, so ASan sees any overread; the
     * ring buffer's records are 8-byte aligned, and so is malloc's */
    void *ev = malloc(n ? n : 1);
    if (!ev)
        return;
    memcpy(ev, p, n);
    output_event(o, cg, ev, n);
    free(ev);
}

/* Every line the JSON backend wrote to fd parses, or the fuzzer stops. */
static void check_json(int fd)
{
    off_t n = lseek(fd, 0, SEEK_END);
    char *buf = malloc(n + 1);
    if (!buf || pread(fd, buf, n, 0) != n)
        abort();
    buf[n] = 0;
    for (char *l = buf; l < buf + n;) {
        char *nl = memchr(l, '\n', (size_t)(buf + n - l));
        const char *err = nl ? json_check(l, (size_t)(nl - l)) : "no newline at the end";
        if (err) {
            fprintf(stderr, "fuzz_format: a JSON line does not parse: %s: %.*s\n", err,
                    (int)(nl ? nl - l : buf + n - l), l);
            abort();
        }
        l = nl + 1;
    }
    free(buf);
    if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int json_fd = -1;
    if (json_fd < 0)
        json_fd = memfd_create("fuzz_format_json", MFD_CLOEXEC);
    static int devnull_fd = -1;
    if (devnull_fd < 0)
        devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    const uint8_t *nul = memchr(data, 0, size);
    struct fuzz_script fs;
    if (!fuzz_script_open(&fs, data, nul ? (size_t)(nul - data) : size, 2)) {
        fuzz_script_close(&fs);
        return 0;
    }
    /* what cg_compile makes for the runtime, without LLVM: an entry a
     * point; then the tree goes, as main.c frees it before the load */
    struct cg_output cg = {0};
    cg.nprogs = fs.plan->points.n;
    cg.progs = calloc(cg.nprogs ? cg.nprogs : 1, sizeof(*cg.progs));
    cg.plan = fs.plan;
    for (int k = 0; k < cg.nprogs; k++) {
        const struct probe_point *pt = fs.plan->points.v[k];
        size_t len = strlen(pt->kind->name) + strlen(pt->target) + 2;
        cg.progs[k].text = malloc(len);
        if (cg.progs[k].text)
            snprintf(cg.progs[k].text, len, "%s:%s", pt->kind->name, pt->target);
        cg.progs[k].kind = pt->kind;
        cg.progs[k].point = pt;
    }
    ast_program_free(fs.prog);
    fs.prog = NULL;
    struct sink out;
    sink_stdout(&out);
    out.fd = devnull_fd;
    /* text and JSON alike: every JSON line must parse (check_json) */
    struct output text = {.ops = &output_text, .sink = &out, .src = &fs.src};
    struct sink json_out;
    sink_stdout(&json_out);
    json_out.fd = json_fd;
    json_out.waits = false;
    struct output json = {.ops = &output_json, .sink = &json_out, .src = &fs.src};
    struct output *outs[] = {&text, &json};
    for (int oi = 0; oi < 2; oi++) {
        struct output *o = outs[oi];
        if (nul) {
            const uint8_t *p = nul + 1, *end = data + size;
            while (end - p >= 2) {
                size_t n = p[0] | (size_t)p[1] << 8;
                p += 2;
                if (n > (size_t)(end - p))
                    n = end - p;
                format_copy(o, &cg, p, n);
                p += n;
            }
        } else {
            for (int i = 0; i < fs.plan->nevents; i++) {
                size_t n = fs.plan->events[i].size;
                if (!fs.plan->events[i].laid_out || n > (1u << 20))
                    continue;
                uint8_t *ev = malloc(n);
                if (!ev)
                    break;
                for (int fill = 0; fill <= 0xff; fill += 0xff) {
                    memset(ev, fill, n);
                    memcpy(ev, &(struct ev_header){.id = i, .prog = 0}, sizeof(struct ev_header));
                    format_copy(o, &cg, ev, n);
                }
                free(ev);
            }
        }
        output_free(o);
    }
    sink_close(&out);
    sink_flush(&json_out);
    free(json_out.buf);
    check_json(json_fd);
    for (int k = 0; k < cg.nprogs; k++)
        free(cg.progs[k].text);
    free(cg.progs);
    fuzz_script_close(&fs);
    return 0;
}
