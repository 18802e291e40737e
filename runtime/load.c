#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/probe.h"
#include "runtime/runtime.h"

/* libbpf's own messages: kept, and shown only when something fails or -v. */
static char libbpf_msgs[4096];
static size_t libbpf_len;
static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    if (libbpf_verbose)
        return vfprintf(stderr, fmt, ap);
    if (libbpf_len < sizeof(libbpf_msgs) - 1) {
        int n = vsnprintf(libbpf_msgs + libbpf_len, sizeof(libbpf_msgs) - libbpf_len, fmt, ap);
        if (n > 0)
            libbpf_len += (size_t)n;
        if (libbpf_len > sizeof(libbpf_msgs) - 1)
            libbpf_len = sizeof(libbpf_msgs) - 1;
    }
    return 0;
}

static const char *type_name(enum bpf_prog_type t)
{
    const char *s = libbpf_bpf_prog_type_str(t);
    return s ? s : "unknown";
}

/* The script line a verifier log line "; TEXT" came from. Kernels since 6.2
 * add " @ FILE:LINE"; before, the text is all there is, so search for it. */
static int line_of(const struct diag_src *src, const char *text, size_t n)
{
    for (size_t i = n; i > 2; i--) {
        if (text[i - 1] != '@' || text[i - 2] != ' ')
            continue;
        const char *colon = memchr(text + i, ':', n - i);
        if (colon && colon[1] >= '1' && colon[1] <= '9')
            return atoi(colon + 1);
        break;
    }
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    int lines = 1;
    for (const char *p = src->text; *p; p++)
        lines += *p == '\n';
    for (int line = 1; line <= lines; line++) {
        int len;
        const char *l = diag_line(src, line, &len);
        while (len && (*l == ' ' || *l == '\t')) {
            l++;
            len--;
        }
        while (len && (l[len - 1] == ' ' || l[len - 1] == '\t'))
            len--;
        if ((size_t)len == n && memcmp(l, text, n) == 0)
            return line;
    }
    return 0;
}

/* The verifier's verdict is its last lines: the instructions it walked last,
 * then the reason, then statistics. Show the reason with its script line, and
 * the few lines before it. */
static void report_verifier(struct rt *rt, const struct cg_prog *p, const char *log)
{
    const char *lines[4096];
    int n = 0;
    for (const char *s = log; *s && n < 4096;) {
        lines[n++] = s;
        const char *e = strchr(s, '\n');
        if (!e)
            break;
        s = e + 1;
    }
    int end = n;
    while (end > 0 && (strncmp(lines[end - 1], "processed ", 10) == 0 ||
                       strncmp(lines[end - 1], "verification time", 17) == 0 ||
                       strncmp(lines[end - 1], "stack depth", 11) == 0 ||
                       lines[end - 1][0] == '\n' || lines[end - 1][0] == 0))
        end--;
    if (end == 0) {
        diag_error(rt->src, p->spec->loc, "the kernel refused probe %s, and gave no reason",
                   p->spec->text);
        return;
    }
    const char *why = lines[end - 1];
    int whylen = (int)strcspn(why, "\n");
    struct tp_loc loc = p->spec->loc;
    for (int i = end - 1; i >= 0; i--) {
        if (strncmp(lines[i], "; ", 2) != 0)
            continue;
        int line = line_of(rt->src, lines[i] + 2, strcspn(lines[i] + 2, "\n"));
        if (line) {
            int len;
            const char *l = diag_line(rt->src, line, &len);
            int col = 1;
            while (col <= len && (l[col - 1] == ' ' || l[col - 1] == '\t'))
                col++;
            loc = (struct tp_loc){line, col, line, len};
        }
        break;
    }
    diag_error(rt->src, loc, "the kernel's verifier refused probe %s: %.*s", p->spec->text, whylen,
               why);
    int from = end - 8 > 0 ? end - 8 : 0;
    fprintf(rt->src->out, "note: the verifier's last steps:\n");
    for (int i = from; i < end; i++) {
        int len = (int)strcspn(lines[i], "\n");
        /* "; TEXT @ 3:2" names the script by the in-memory file it was read
         * from (see codegen): name it as the user does */
        const char *at = lines[i][0] == ';' ? strstr(lines[i], " @ ") : NULL;
        const char *colon =
            at && at - lines[i] < len ? memchr(at, ':', len - (at - lines[i])) : NULL;
        if (colon)
            fprintf(rt->src->out, "    %.*s @ %s%.*s\n", (int)(at - lines[i]), lines[i],
                    rt->src->name, (int)(len - (colon - lines[i])), colon);
        else
            fprintf(rt->src->out, "    %.*s\n", len, lines[i]);
    }
}

static void list_loaded(struct rt *rt)
{
    for (int i = 0; i < rt->cg->nprogs; i++) {
        struct bpf_prog_info info = {0};
        __u32 len = sizeof(info);
        int fd = bpf_program__fd(rt->progs[i]);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
            fprintf(stderr, "prog %-3u %-14s %-16s insns %-5u %s\n", info.id, type_name(info.type),
                    rt->cg->progs[i].name, info.xlated_prog_len / 8, rt->cg->progs[i].spec->text);
    }
    struct bpf_map *m;
    bpf_object__for_each_map(m, rt->obj)
    {
        struct bpf_map_info info = {0};
        __u32 len = sizeof(info);
        if (bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len) == 0)
            fprintf(stderr, "map  %-3u %-14s %-16s max_entries %u value_size %u\n", info.id,
                    libbpf_bpf_map_type_str(info.type), info.name, info.max_entries,
                    info.value_size);
    }
}

int load_object(struct rt *rt)
{
    /* Kernels since 5.11 account BPF memory to the cgroup; older ones want
     * RLIMIT_MEMLOCK raised. Where that is not allowed it does not matter. */
    struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
    (void)setrlimit(RLIMIT_MEMLOCK, &r);
    libbpf_verbose = rt->o->verbose;
    libbpf_set_print(libbpf_print);

    LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "tinyprobe");
    rt->obj = bpf_object__open_mem(rt->cg->obj, rt->cg->objlen, &oo);
    if (!rt->obj) {
        fprintf(stderr, "tinyprobe: error: libbpf cannot open the generated object: %s\n%s",
                strerror(errno), libbpf_msgs);
        return -1;
    }
    int n = rt->cg->nprogs;
    rt->progs = calloc(n, sizeof(*rt->progs));
    rt->links = calloc(n, sizeof(*rt->links));
    char **logs = calloc(n, sizeof(*logs));
    if (!rt->progs || !rt->links || !logs)
        abort();
    /* One log buffer serves all programs, since loading stops at the first
     * refusal; -d verifier wants every program's, so each gets its own. */
    size_t logsize = rt->o->dump_verifier ? (1u << 22) : (1u << 24);
    char *shared = rt->o->dump_verifier ? NULL : malloc(logsize);
    for (int i = 0; i < n; i++) {
        struct bpf_program *p = bpf_object__find_program_by_name(rt->obj, rt->cg->progs[i].name);
        rt->progs[i] = p;
        if (!p) {
            fprintf(stderr, "tinyprobe: internal error: program %s is not in the object\n",
                    rt->cg->progs[i].name);
            free(logs);
            free(shared);
            return -1;
        }
        bpf_program__set_type(p, rt->cg->progs[i].spec->kind->prog_type);
        logs[i] = rt->o->dump_verifier ? malloc(logsize) : shared;
        if (!logs[i])
            abort();
        logs[i][0] = 0;
        bpf_program__set_log_buf(p, logs[i], logsize);
        if (rt->o->dump_verifier)
            bpf_program__set_log_level(p, 1 | 4);
    }
    int err = bpf_object__load(rt->obj);
    int rc = 0;
    if (err) {
        int failed = 0;
        while (failed < n - 1 && bpf_program__fd(rt->progs[failed]) >= 0)
            failed++;
        const struct cg_prog *p = &rt->cg->progs[failed];
        const char *log = logs[failed];
        if (err == -EPERM && geteuid() != 0)
            fprintf(stderr, "tinyprobe: error: loading BPF programs needs root, or the CAP_BPF "
                            "and CAP_PERFMON capabilities\n");
        else if (log && *log)
            report_verifier(rt, p, log);
        else if (err == -EPERM)
            diag_error(rt->src, p->spec->loc,
                       "the kernel does not allow %s programs here (EPERM): %s",
                       p->spec->kind->name, "it may lack the feature, or lockdown may forbid it");
        else
            diag_error(rt->src, p->spec->loc, "the kernel refused probe %s: %s", p->spec->text,
                       strerror(-err));
        if (rt->o->verbose && libbpf_len)
            fputs(libbpf_msgs, stderr);
        rc = -1;
    } else {
        if (rt->o->dump_verifier)
            for (int i = 0; i < n; i++)
                fprintf(stderr, "verifier log of %s (%s):\n%s\n", rt->cg->progs[i].name,
                        rt->cg->progs[i].spec->text, logs[i]);
        if (rt->o->verbose)
            list_loaded(rt);
    }
    for (int i = 0; i < n; i++) {
        bpf_program__set_log_buf(rt->progs[i], NULL, 0);
        if (rt->o->dump_verifier)
            free(logs[i]);
    }
    free(shared);
    free(logs);
    return rc;
}

void load_free(struct rt *rt)
{
    for (int i = 0; rt->links && i < rt->cg->nprogs; i++)
        bpf_link__destroy(rt->links[i]);
    bpf_object__close(rt->obj);
    free(rt->progs);
    free(rt->links);
    free(rt->fmtbuf);
}
