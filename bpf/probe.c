#include "bpf/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/arch.h"
#include "bpf/feature.h"
#include "bpf/timer.h"
#include "bpf/tracefs.h"
#include "lang/xalloc.h"

static struct probe_point *point_new(const struct probe_kind *k, const char *target)
{
    struct probe_point *pt = xcalloc(1, sizeof(*pt));
    pt->kind = k;
    pt->target = xstrdup(target ? target : "");
    return pt;
}

void probe_links_add(struct probe_links *l, struct bpf_link *link)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = link;
}

void probe_links_free(struct probe_links *l)
{
    for (int i = 0; i < l->n; i++)
        bpf_link__destroy(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void probe_point_free(struct probe_point *pt)
{
    if (!pt)
        return;
    for (int i = 0; i < pt->nfields; i++)
        free(pt->fields[i].name);
    free(pt->fields);
    free(pt->target);
    free(pt->category);
    free(pt->name);
    free(pt);
}

const struct probe_field *probe_field(const struct probe_point *pt, const char *name)
{
    for (int i = 0; i < pt->nfields; i++)
        if (strcmp(pt->fields[i].name, name) == 0)
            return &pt->fields[i];
    return NULL;
}

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *probe_closest(const char *s, const char *const *names, int n)
{
    const char *best = NULL;
    int bestd = (int)strlen(s) / 3 + 1; /* at most a third of the word wrong */
    for (int i = 0; i < n; i++) {
        int d = edit_distance(s, names[i]);
        if (d < bestd) {
            best = names[i];
            bestd = d;
        }
    }
    return best;
}

/* tracepoint:CATEGORY:NAME */

static void suggest_tracepoint(const char *root, const char *cat, const char *name,
                               struct diag_src *src)
{
    int n;
    char **names = tracefs_names(root, cat, &n);
    const char *best = probe_closest(name, (const char *const *)names, n);
    if (best && cat)
        diag_note(src, "did you mean tracepoint:%s:%s?", cat, best);
    else if (best)
        diag_note(src, "did you mean category '%s'?", best);
    else
        diag_note(src, "the tracepoints are listed in %s/available_events", root);
    tracefs_names_free(names, n);
}

static struct probe_point *tp_resolve(const struct probe_kind *k, const char *target,
                                      struct diag_src *src, struct tp_loc loc)
{
    const char *colon = target ? strchr(target, ':') : NULL;
    if (!colon || colon == target || !colon[1] || strchr(colon + 1, ':')) {
        diag_error(src, loc, "a tracepoint is written tracepoint:CATEGORY:NAME");
        return NULL;
    }
    char why[256];
    const char *root = tracefs_root(why, sizeof(why));
    if (!root) {
        diag_error(src, loc, "cannot read tracepoints: %s", why);
        return NULL;
    }
    struct probe_point *pt = point_new(k, target);
    pt->category = xstrndup(target, colon - target);
    pt->name = xstrdup(colon + 1);
    int err = tracefs_format(root, pt);
    if (err == -ENOENT) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/events/%s", root, pt->category);
        FILE *probe = fopen(dir, "re");
        bool have_cat = probe != NULL;
        if (probe)
            fclose(probe);
        if (have_cat) {
            diag_error(src, loc, "unknown tracepoint '%s:%s'", pt->category, pt->name);
            suggest_tracepoint(root, pt->category, pt->name, src);
        } else {
            diag_error(src, loc, "unknown tracepoint category '%s'", pt->category);
            suggest_tracepoint(root, NULL, pt->category, src);
        }
        probe_point_free(pt);
        return NULL;
    }
    if (err) {
        diag_error(src, loc, "cannot read the format of tracepoint '%s': %s", target,
                   strerror(-err));
        probe_point_free(pt);
        return NULL;
    }
    return pt;
}

static void tp_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "tracepoint/%s/%s", pt->category, pt->name);
}

static int tp_attach(const struct probe_point *pt, struct bpf_program *prog,
                     struct probe_links *links, char *why, size_t whylen, char *hint,
                     size_t hintlen)
{
    struct bpf_link *l = bpf_program__attach_tracepoint(prog, pt->category, pt->name);
    if (!l) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    probe_links_add(links, l);
    return 0;
}

/* kprobe:FUNC, kretprobe:FUNC */

static struct probe_point *kp_resolve(const struct probe_kind *k, const char *target,
                                      struct diag_src *src, struct tp_loc loc)
{
    if (!target || !*target || strchr(target, ':')) {
        diag_error(src, loc, "a %s is written %s:FUNCTION", k->name, k->name);
        return NULL;
    }
    return point_new(k, target);
}

static void kp_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", pt->kind->name, pt->target);
}

static int kp_ctx_offset(int n)
{
    return n == 0 ? arch_retval_offset() : arch_arg_offset(n);
}

/* The syscall tracepoint that sees what a well-known kernel function sees,
 * for kernels without kprobes. */
static const char *tracepoint_for(const char *func, bool ret)
{
    static const struct {
        const char *func, *enter, *exit;
    } known[] = {
        {"do_sys_openat2", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat"},
        {"do_sys_open", "syscalls:sys_enter_openat", "syscalls:sys_exit_openat"},
        {"do_execveat_common", "syscalls:sys_enter_execve", "syscalls:sys_exit_execve"},
        {"vfs_read", "syscalls:sys_enter_read", "syscalls:sys_exit_read"},
        {"vfs_write", "syscalls:sys_enter_write", "syscalls:sys_exit_write"},
        {"do_exit", "sched:sched_process_exit", "sched:sched_process_exit"},
        {"do_unlinkat", "syscalls:sys_enter_unlinkat", "syscalls:sys_exit_unlinkat"},
        {"tcp_connect", "sock:inet_sock_set_state", "sock:inet_sock_set_state"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(func, known[i].func) == 0)
            return ret ? known[i].exit : known[i].enter;
    return NULL;
}

static int kp_attach(const struct probe_point *pt, struct bpf_program *prog,
                     struct probe_links *links, char *why, size_t whylen, char *hint,
                     size_t hintlen)
{
    bool ret = pt->kind->caps & PROBE_RETVAL;
    if (!feature_kprobes()) {
        snprintf(why, whylen, "this kernel has no kprobes (it was built without CONFIG_KPROBES)");
        const char *tp = tracepoint_for(pt->target, ret);
        static const char *const prefixes[] = {"__x64_sys_", "__arm64_sys_", "__se_sys_",
                                               "__do_sys_",  "ksys_",        "sys_"};
        char guess[160] = "";
        for (size_t i = 0; !tp && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
            size_t n = strlen(prefixes[i]);
            if (strncmp(pt->target, prefixes[i], n) == 0) {
                snprintf(guess, sizeof(guess), "syscalls:sys_%s_%s", ret ? "exit" : "enter",
                         pt->target + n);
                tp = guess;
            }
        }
        if (tp)
            snprintf(hint, hintlen, "trace tracepoint:%s instead", tp);
        else
            snprintf(hint, hintlen, "use a tracepoint instead; %s lists them",
                     "/sys/kernel/tracing/available_events");
        errno = EOPNOTSUPP;
        return -1;
    }
    struct bpf_link *l = bpf_program__attach_kprobe(prog, ret, pt->target);
    if (!l) {
        int err = errno;
        if (!feature_ksym(pt->target))
            snprintf(why, whylen, "this kernel has no function '%s' (it is not in /proc/kallsyms)",
                     pt->target);
        else
            snprintf(why, whylen, "%s", strerror(err));
        errno = err;
        return -1;
    }
    probe_links_add(links, l);
    return 0;
}

/* BEGIN, END: run once by tinyprobe itself, through BPF_PROG_TEST_RUN. */

static struct probe_point *once_resolve(const struct probe_kind *k, const char *target,
                                        struct diag_src *src, struct tp_loc loc)
{
    if (target) {
        diag_error(src, loc, "%s takes no target", k->name);
        return NULL;
    }
    return point_new(k, NULL);
}

static void once_section(const struct probe_point *pt, char *buf, size_t n)
{
    snprintf(buf, n, "raw_tp");
}

static const struct probe_kind kinds[] = {
    {.name = "tracepoint",
     .alias = "t",
     .prog_type = BPF_PROG_TYPE_TRACEPOINT,
     .caps = PROBE_FIELDS,
     .resolve = tp_resolve,
     .section = tp_section,
     .attach = tp_attach},
    {.name = "kprobe",
     .alias = "k",
     .prog_type = BPF_PROG_TYPE_KPROBE,
     .caps = PROBE_ARGS,
     .resolve = kp_resolve,
     .section = kp_section,
     .ctx_offset = kp_ctx_offset,
     .attach = kp_attach},
    {.name = "kretprobe",
     .alias = "kr",
     .prog_type = BPF_PROG_TYPE_KPROBE,
     .caps = PROBE_RETVAL,
     .resolve = kp_resolve,
     .section = kp_section,
     .ctx_offset = kp_ctx_offset,
     .attach = kp_attach},
    {.name = "interval",
     .alias = "i",
     .prog_type = BPF_PROG_TYPE_PERF_EVENT,
     .resolve = timer_resolve,
     .section = timer_section,
     .attach = timer_attach},
    {.name = "profile",
     .alias = "p",
     .prog_type = BPF_PROG_TYPE_PERF_EVENT,
     .resolve = timer_resolve,
     .section = timer_section,
     .attach = timer_attach},
    {.name = "BEGIN",
     .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
     .when = WHEN_BEGIN,
     .resolve = once_resolve,
     .section = once_section},
    {.name = "END",
     .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
     .when = WHEN_END,
     .resolve = once_resolve,
     .section = once_section},
};
#define NKINDS (int)(sizeof(kinds) / sizeof(kinds[0]))

void probe_kinds_with(unsigned cap, char *buf, size_t n)
{
    const struct probe_kind *with[NKINDS];
    int k = 0;
    for (int i = 0; i < NKINDS; i++)
        if ((kinds[i].caps & cap) == cap)
            with[k++] = &kinds[i];
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < k && len < n; i++)
        len += snprintf(buf + len, n - len, "%s%s",
                        i == 0       ? ""
                        : i == k - 1 ? " or "
                                     : ", ",
                        with[i]->name);
}

bool probe_resolve(struct ast_spec *spec, struct diag_src *src)
{
    const char *colon = strchr(spec->text, ':');
    size_t klen = colon ? (size_t)(colon - spec->text) : strlen(spec->text);
    for (int i = 0; i < NKINDS; i++) {
        const struct probe_kind *k = &kinds[i];
        if ((strlen(k->name) == klen && strncmp(k->name, spec->text, klen) == 0) ||
            (k->alias && strlen(k->alias) == klen && strncmp(k->alias, spec->text, klen) == 0)) {
            spec->kind = k;
            spec->point = k->resolve(k, colon ? colon + 1 : NULL, src, spec->loc);
            return spec->point != NULL;
        }
    }
    struct tp_loc l = spec->loc;
    l.last_line = l.first_line;
    l.last_column = l.first_column + (int)klen - 1;
    char kind[64];
    snprintf(kind, sizeof(kind), "%.*s", (int)(klen < 63 ? klen : 63), spec->text);
    diag_error(src, l, "unknown probe kind '%s'", kind);
    const char *names[NKINDS];
    for (int i = 0; i < NKINDS; i++)
        names[i] = kinds[i].name;
    const char *best = probe_closest(kind, names, NKINDS);
    if (best)
        diag_note(src, "did you mean '%s'?", best);
    else
        diag_note(src, "the probe kinds are tracepoint, kprobe, kretprobe, interval, profile, "
                       "BEGIN and END");
    return false;
}
