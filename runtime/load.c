#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/feature.h"
#include "bpf/probe.h"
#include "bpf/bpfobj.h"
#include "lang/xalloc.h"
#include "runtime/runtime.h"
#include "runtime/tpo.h"
#include "runtime/vlog.h"

/* libbpf's own messages: kept, and shown only when something fails or -v. */
static char libbpf_msgs[4096];
static size_t libbpf_len;
static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG) {
        /* of its debug messages, -v shows what it made of the object's CO-RE
         * relocations (codegen/mem.c): each member's offset in this kernel */
        char line[512];
        if (libbpf_verbose && vsnprintf(line, sizeof(line), fmt, ap) > 0 &&
            (strstr(line, "CO-RE relocating") ||
             (strncmp(line, "libbpf: prog '", 14) == 0 && strstr(line, "': relo #"))))
            fputs(line, stderr);
        return 0;
    }
    /* a compiled script's own section, which libbpf has no use for, as
     * intended: not news */
    if (level == LIBBPF_INFO && strstr(fmt, "skipping unrecognized data section")) {
        char line[256];
        va_list copy;
        va_copy(copy, ap);
        vsnprintf(line, sizeof(line), fmt, copy);
        va_end(copy);
        if (strstr(line, " " TPO_SECTION "\n"))
            return 0;
    }
    if (libbpf_verbose) { /* shown now, and kept: the error report reads them */
        va_list copy;
        va_copy(copy, ap);
        vfprintf(stderr, fmt, copy);
        va_end(copy);
    }
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
    int line = 1;
    for (const char *l = src->text; *l; line++) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *t = l;
        while (len && (*t == ' ' || *t == '\t')) {
            t++;
            len--;
        }
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
            len--;
        if (len == n && memcmp(t, text, n) == 0)
            return line;
        if (!e)
            break;
        l = e + 1;
    }
    return 0;
}

/* The verifier's verdict is its last lines: the instructions it walked last,
 * then the reason, then statistics. Show the reason with its script line, and
 * the few lines before it. The log can be megabytes: only its tail is read. */
#define TAIL_LINES 64
static void report_verifier(struct rt *rt, const struct cg_prog *p, const char *log)
{
    const char *lines[TAIL_LINES];
    int n = 0;
    const char *end = log + strlen(log);
    /* line starts, last first, then put in order */
    for (const char *s = end; s > log && n < TAIL_LINES;) {
        const char *e = s - 1; /* the newline that ends this line, or its last character */
        const char *b = e;
        while (b > log && b[-1] != '\n')
            b--;
        if (b < e || *e != '\n')
            lines[n++] = b;
        s = b;
    }
    for (int i = 0; i < n / 2; i++) {
        const char *t = lines[i];
        lines[i] = lines[n - 1 - i];
        lines[n - 1 - i] = t;
    }
    int last = n;
    while (last > 0 && vlog_trailer(lines[last - 1], strcspn(lines[last - 1], "\n")))
        last--;
    if (last == 0) {
        diag_error(rt->src, p->loc, "the kernel refused probe %s, and gave no reason", p->text);
        return;
    }
    const char *why = lines[last - 1];
    int whylen = (int)strcspn(why, "\n");
    struct tp_loc loc = p->loc;
    /* the script line is the last "; TEXT" line before the reason, which may
     * be far back in a long log */
    for (const char *l = why; l > log;) {
        const char *b = l - 1;
        while (b > log && b[-1] != '\n')
            b--;
        l = b;
        if (strncmp(l, "; ", 2) != 0)
            continue;
        int line = line_of(rt->src, l + 2, strcspn(l + 2, "\n"));
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
    bool loop =
        p->has_loop &&
        (strncmp(why, "infinite loop detected", 22) == 0 || strncmp(why, "back-edge", 9) == 0 ||
         strncmp(why, "BPF program is too large", 24) == 0 ||
         (strncmp(why, "The sequence of ", 16) == 0 && strstr(why, "jumps is too complex")));
    if (loop) { /* the loop is what to change, wherever the verifier gave up in it */
        loc = p->loop_at;
        loc.last_line = loc.first_line;
        loc.last_column = loc.first_column + 4;
    }
    diag_error(rt->src, loc, "the kernel's verifier refused probe %s: %.*s", p->text, whylen, why);
    if (loop)
        fprintf(rt->src->out, "note: the verifier follows a while loop to its end: the loop must "
                              "end within a bound it can see, as in while ($i < 100)\n");
    int from = last - 8 > 0 ? last - 8 : 0;
    fprintf(rt->src->out, "note: the verifier's last steps:\n");
    for (int i = from; i < last; i++) {
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

/* Whether entry i's program is entry i-1's: the points of a shared program
 * are entries side by side. */
static bool shares_previous(const struct rt *rt, int i)
{
    return i > 0 && rt->progs[i] == rt->progs[i - 1];
}

static void list_loaded(struct rt *rt)
{
    for (int i = 0; i < rt->cg->nprogs; i++) {
        if (shares_previous(rt, i))
            continue;
        struct bpf_prog_info info = {0};
        __u32 len = sizeof(info);
        int fd = bpf_program__fd(rt->progs[i]);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
            fprintf(stderr, "prog %-3u %-14s %-16s insns %-5u %s\n", info.id, type_name(info.type),
                    rt->cg->progs[i].name, info.xlated_prog_len / 8, rt->cg->progs[i].text);
    }
    struct bpf_map *m;
    bpf_object__for_each_map(m, rt->obj)
    {
        struct bpf_map_info info = {0};
        __u32 len = sizeof(info);
        if (bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len) == 0)
            fprintf(stderr, "map  %-3u %-14s %-16s max_entries %u value_size %u%s\n", info.id,
                    libbpf_bpf_map_type_str(info.type), info.name, info.max_entries,
                    info.value_size, info.map_flags & BPF_F_NO_PREALLOC ? " no_prealloc" : "");
    }
}

/* -d verifier's largest log of one program, and the most of all programs'
 * logs (pages are taken only as the kernel writes them). */
#define LOG_MAX_MIB   64u
#define LOG_TOTAL_MIB 1024u

/* -d verifier: the bytes of each program's log, the programs that points
 * share counted once. */
static size_t log_size(const struct rt *rt)
{
    int progs = 0;
    for (int i = 0; i < rt->cg->nprogs; i++)
        progs += !shares_previous(rt, i);
    size_t size = ((size_t)LOG_TOTAL_MIB << 20) / (progs ? (size_t)progs : 1);
    if (size > ((size_t)LOG_MAX_MIB << 20))
        size = (size_t)LOG_MAX_MIB << 20;
    return size < 65536 ? 65536 : size;
}

/* -d verifier: every program's log that the kernel wrote, under the script's
 * lines. */
static void print_logs(struct rt *rt, char **logs, int err)
{
    struct bpfobj o;
    char why[256];
    bool have = bpfobj_read(rt->cg->obj, rt->cg->objlen, &o, why, sizeof(why)) == 0;
    if (!have)
        diag_sys_warning(rt->src, "the object cannot be read for the verifier's listing: %s", why);
    struct listing l;
    listing_init(&l, stderr, rt->o->color, rt->src, rt->cg);
    for (int i = 0; i < rt->cg->nprogs; i++) {
        if (shares_previous(rt, i) || !logs[i] || !logs[i][0])
            continue;
        const struct bpfobj_prog *bp = have ? bpfobj_find(&o, rt->cg->progs[i].name) : NULL;
        /* a log the kernel cut short (ENOSPC) ends where it was cut, not
         * with a reason */
        bool refused = bpf_program__fd(rt->progs[i]) < 0 && err != -ENOSPC;
        vlog_print(&l, i, bp, logs[i], refused);
    }
    listing_done(&l);
    if (have)
        bpfobj_free(&o);
}

/* A verifier log buffer: as large as asked, or smaller when memory is short
 * (the kernel keeps the tail of a log that does not fit, and the reason is
 * there); NULL only when not even a small one can be had. */
static char *log_alloc(size_t *size)
{
    for (; *size >= 65536; *size /= 16) {
        char *p = malloc(*size);
        if (p) {
            p[0] = 0;
            return p;
        }
    }
    return NULL;
}

void load_note_fd_limit(struct rt *rt)
{
    struct rlimit r = {0};
    getrlimit(RLIMIT_NOFILE, &r);
    diag_note(rt->src,
              "the limit of open files (ulimit -n) is %llu; every probe needs up to three, "
              "and the maps a few more",
              (unsigned long long)r.rlim_cur);
}

/* Bytes the kernel takes for map m (a hash map's are taken whole when it
 * is made), roughly: its entries' keys and values, a value a CPU for
 * aggregations. */
static uint64_t map_bytes(const struct rt *rt, const struct bpf_map *m, bool per_cpu)
{
    uint64_t value = bpf_map__value_size(m);
    if (per_cpu)
        value = (uint64_t)rt->cg->ncpus * ((value + 7) & ~7ull);
    return (bpf_map__key_size(m) + value) * bpf_map__max_entries(m);
}

/* The plan's index of map m (m0, m1...), or -1 for tinyprobe's own maps. */
static int plan_map_of(const struct rt *rt, const struct bpf_map *m)
{
    const char *name = bpf_map__name(m);
    size_t plen = strlen(CG_MAP_PREFIX);
    if (strncmp(name, CG_MAP_PREFIX, plen) != 0 || !name[plen])
        return -1;
    char *end;
    long id = strtol(name + plen, &end, 10);
    return *end || id < 0 || id >= rt->cg->plan->nmaps ? -1 : (int)id;
}

/* The kernel had no memory for a map: which one it could not make (libbpf
 * makes them in order, and stops at the first it cannot), and which option
 * makes the maps that take the most smaller: the largest of the script's,
 * or the event buffer. */
static void report_map_memory(struct rt *rt, int err)
{
    struct bpf_map *m, *failed = NULL, *largest = NULL;
    uint64_t most = 0;
    int largest_id = -1;
    const struct plan *p = rt->cg->plan;
    bpf_object__for_each_map(m, rt->obj)
    {
        if (!failed && bpf_map__fd(m) < 0)
            failed = m;
        int id = plan_map_of(rt, m);
        if (id < 0)
            continue;
        uint64_t bytes = map_bytes(rt, m, p->maps[id].agg != AGG_NONE);
        if (bytes > most) {
            most = bytes;
            largest = m;
            largest_id = id;
        }
    }
    struct bpf_map *events = bpf_object__find_map_by_name(rt->obj, CG_MAP_EVENTS);
    uint64_t ring = events ? bpf_map__max_entries(events) : 0;
    const char *fname = failed ? bpf_map__name(failed) : "";
    int fid = failed ? plan_map_of(rt, failed) : -1;
    char what[96];
    if (fid >= 0)
        snprintf(what, sizeof(what), "map %s", p->maps[fid].name);
    else if (strcmp(fname, CG_MAP_EVENTS) == 0)
        snprintf(what, sizeof(what), "the event buffer");
    else
        snprintf(what, sizeof(what), "%s", *fname ? fname : "one");
    diag_sys_error(rt->src, "the kernel is out of memory for BPF maps, making %s: %s", what,
                   strerror(-err));
    if (largest && most >= ring)
        diag_note(rt->src,
                  "map %s takes about %llu KiB (%u entries); --map-size makes each map "
                  "smaller",
                  p->maps[largest_id].name, (unsigned long long)(most >> 10),
                  bpf_map__max_entries(largest));
    else
        diag_note(rt->src, "the event buffer takes %llu KiB; --buffer-size makes it smaller",
                  (unsigned long long)(ring >> 10));
    diag_note(rt->src, "check the memory cgroup, or RLIMIT_MEMLOCK on kernels before 5.11");
}

/* Says why the kernel refused the object: which probe, which limit. */
static void report_load_error(struct rt *rt, int err, char **logs)
{
    int n = rt->cg->nprogs;
    /* libbpf creates the maps, then loads programs in order and stops at the
     * first refusal; a program failed if libbpf named it */
    int failed = 0;
    while (failed < n - 1 && bpf_program__fd(rt->progs[failed]) >= 0)
        failed++;
    char named[96];
    snprintf(named, sizeof(named), "prog '%s': ", rt->cg->progs[failed].name);
    bool prog_failed = bpf_program__fd(rt->progs[failed]) < 0 && strstr(libbpf_msgs, named);
    const struct cg_prog *p = &rt->cg->progs[failed];
    const char *log = logs[failed];
    char caps[128];
    if (err == -EMFILE || err == -ENFILE) {
        diag_sys_error(rt->src, "out of file descriptors while loading %d program%s: %s", n,
                       n == 1 ? "" : "s", strerror(-err));
        if (err == -EMFILE)
            load_note_fd_limit(rt);
    } else if (err == -E2BIG && prog_failed) {
        diag_error(rt->src, p->loc, "the kernel refused probe %s: its program is too large (E2BIG)",
                   p->text);
    } else if ((err == -ENOMEM || err == -E2BIG) && !prog_failed) {
        report_map_memory(rt, err);
    } else if (err == -ENOMEM || err == -E2BIG) {
        diag_sys_error(rt->src, "the kernel is out of memory for BPF programs: %s", strerror(-err));
        diag_note(rt->src, "check the memory cgroup, or RLIMIT_MEMLOCK on kernels before 5.11");
    } else if (err == -EPERM && geteuid() != 0) {
        diag_sys_error(
            rt->src,
            "loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities");
    } else if (err == -EPERM && feature_missing_caps(caps, sizeof(caps))) {
        diag_sys_error(rt->src,
                       "loading BPF programs needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN: this "
                       "process lacks %s",
                       caps);
    } else if (prog_failed && err == -ENOSPC && rt->o->dump_verifier) {
        diag_error(rt->src, p->loc,
                   "the verifier's log of probe %s is longer than -d verifier keeps (%zu KiB a "
                   "program here); the probe was not loaded",
                   p->text, log_size(rt) >> 10);
        diag_note(rt->src, "leave out -d verifier to load it; what fit of its log is above");
    } else if (prog_failed && log && *log) {
        report_verifier(rt, p, log);
    } else if (prog_failed && (err == -EPERM || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */) &&
               p->kind->refused) {
        struct probe_err e;
        memset(&e, 0, sizeof(e));
        p->kind->refused(p->point, -err, &e);
        diag_error(rt->src, p->loc, "cannot load %s: %s", p->text, e.msg);
        if (*e.hint)
            diag_note(rt->src, "%s", e.hint);
    } else if (prog_failed && err == -EPERM) {
        diag_error(rt->src, p->loc, "the kernel does not allow %s programs here (EPERM): %s",
                   p->kind->name, "it may lack the feature, or lockdown may forbid it");
    } else if (prog_failed) {
        diag_error(rt->src, p->loc, "the kernel refused probe %s: %s", p->text, strerror(-err));
    } else {
        diag_sys_error(rt->src, "the kernel refused the program's maps: %s", strerror(-err));
        if (!rt->o->verbose && libbpf_len)
            diag_note(rt->src, "libbpf said:\n%.*s", (int)libbpf_len - 1, libbpf_msgs);
    }
}

/* A program that needs `gotol` on a kernel without it: said at its probe. */
static bool needs_gotol(struct rt *rt)
{
    bool bad = false;
    for (int i = 0; i < rt->cg->nprogs; i++) {
        if (shares_previous(rt, i))
            continue;
        const struct bpf_insn *insn = bpf_program__insns(rt->progs[i]);
        size_t cnt = bpf_program__insn_cnt(rt->progs[i]);
        size_t k = 0;
        while (k < cnt && insn[k].code != (BPF_JMP32 | BPF_JA))
            k++;
        if (k == cnt || feature_gotol())
            continue;
        const struct cg_prog *p = &rt->cg->progs[i];
        diag_error(rt->src, p->loc,
                   "probe %s is too large for this kernel: its program jumps over more than "
                   "32767 instructions, and this kernel's BPF has no long jumps (Linux 6.6 has)",
                   p->text);
        diag_note(rt->src, "split the probe's statements between two probes on the same event");
        bad = true;
    }
    return bad;
}

/* --cgroup: the programs test "under it" against the cgroup at index 0. */
static int set_cgroup(struct rt *rt)
{
    struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, CG_MAP_CGROUP);
    __u32 key = 0, fd = (__u32)rt->o->cgroup_fd;
    if (m && bpf_map_update_elem(bpf_map__fd(m), &key, &fd, BPF_ANY) == 0)
        return 0;
    diag_sys_error(rt->src, "cannot give the programs the cgroup: %s",
                   m ? strerror(errno) : "no cgroup map");
    return -1;
}

/* The slots of the maps without a key, and the exit gate before them,
 * mapped: read, zeroed and set in place. libbpf (before 1.5) maps only its
 * own copy of a data section. */
static int map_slots(struct rt *rt)
{
    const struct plan *p = rt->cg->plan;
    struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, PLAN_SLOTS_SECTION);
    size_t need = PLAN_SLOTS_HEAD + (size_t)rt->cg->ncpus * p->slots_block;
    long page = sysconf(_SC_PAGESIZE);
    const char *why = "no " PLAN_SLOTS_SECTION " map";
    if (m && (bpf_map__map_flags(m) & BPF_F_MMAPABLE) && bpf_map__value_size(m) >= need) {
        rt->slots_len = (bpf_map__value_size(m) + (size_t)page - 1) & ~((size_t)page - 1);
        void *v = mmap(NULL, rt->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
        if (v != MAP_FAILED) {
            rt->slots = v;
            return 0;
        }
        why = strerror(errno);
    } else if (m) {
        why = "the kernel does not let it be mapped";
    }
    diag_sys_error(rt->src, "cannot map the values of the maps without a key: %s", why);
    return -1;
}

/* Where the run's values are in the .rodata map's value: the object's BTF
 * says, as the section may hold other constants; -1 if it does not. */
static long run_offset(struct rt *rt, size_t size)
{
    const struct btf *btf = bpf_object__btf(rt->obj);
    int id = btf ? btf__find_by_name_kind(btf, CG_RUN_SECTION, BTF_KIND_DATASEC) : -1;
    const struct btf_type *sec = id > 0 ? btf__type_by_id(btf, id) : NULL;
    for (int i = 0; sec && i < btf_vlen(sec); i++) {
        const struct btf_var_secinfo *v = &btf_var_secinfos(sec)[i];
        const struct btf_type *var = btf__type_by_id(btf, v->type);
        if (var && strcmp(btf__name_by_offset(btf, var->name_off), CG_RUN) == 0)
            return v->size == sizeof(struct cg_run) && v->offset + v->size <= size ? (long)v->offset
                                                                                   : -1;
    }
    return -1;
}

/* The values of this run (struct cg_run), set before the load: libbpf
 * then freezes the map, and the verifier reads them as constants. */
static int set_run(struct rt *rt)
{
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus < 1)
        ncpus = rt->cg->ncpus;
    if (ncpus > rt->cg->ncpus) { /* the slots are laid out for fewer */
        diag_sys_error(rt->src, "the programs were made for %d CPUs, and this machine has %d",
                       rt->cg->ncpus, ncpus);
        diag_note(NULL, "compile the script on this machine (tinyprobe --emit FILE SCRIPT)");
        return -1;
    }
    struct cg_run run = {
        .pid = (uint64_t)rt->o->probe.pid,
        .cpid = rt->o->child ? (uint64_t)rt->o->child->pid : 0,
        .start_ns = rt->o->start_ns,
        .ncpus = (uint64_t)ncpus,
        .cgroup = rt->o->cgroup_fd >= 0,
    };
    struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, CG_RUN_SECTION);
    size_t size = 0;
    const void *init = m ? bpf_map__initial_value(m, &size) : NULL;
    long off = init ? run_offset(rt, size) : -1;
    if (off < 0) {
        diag_sys_error(rt->src, "internal error: the object has no %s in %s", CG_RUN,
                       CG_RUN_SECTION);
        return -1;
    }
    /* set whole, from a copy: the initial value is libbpf's own memory */
    unsigned char *v = xmalloc(size);
    memcpy(v, init, size);
    memcpy(v + off, &run, sizeof(run));
    int err = bpf_map__set_initial_value(m, v, size);
    free(v);
    if (err) {
        diag_sys_error(rt->src, "cannot set the programs' %s values: %s", CG_RUN, strerror(-err));
        return -1;
    }
    return 0;
}

void load_messages(bool verbose)
{
    libbpf_verbose = verbose;
    libbpf_set_print(libbpf_print);
}

/* The entries' texts, for `probe` in programs that serve several points. */
static int set_names(struct rt *rt)
{
    struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, CG_MAP_NAMES);
    char *v = xcalloc(1, rt->cg->names_size);
    int rc = 0;
    for (int i = 0; m && rc == 0 && i < rt->cg->nprogs; i++) {
        __u32 key = (__u32)i;
        memset(v, 0, rt->cg->names_size);
        snprintf(v, rt->cg->names_size, "%s", rt->cg->progs[i].text);
        rc = bpf_map_update_elem(bpf_map__fd(m), &key, v, BPF_ANY);
    }
    free(v);
    if (m && rc == 0)
        return 0;
    diag_sys_error(rt->src, "cannot give the programs their probes' names: %s",
                   m ? strerror(errno) : "no names map");
    return -1;
}

/* Which hash maps take memory for an entry as it is added
 * (BPF_F_NO_PREALLOC) rather than for all of them at the load: the tables
 * of stacks, whose entries are large; and, where the kernel lets tracing
 * programs (feature_alloc_in_tracing), those of plain values. Making their
 * 4096 entries took 1.5 of the 16 ms before `tinyprobe open` printed its
 * first event, and adding and deleting an entry then costs no more (170
 * against 178 ns an event, for a thread's start kept until its end). Not
 * the per-CPU maps of aggregations: an entry made as it comes costs some
 * 20 times a preallocated one there. */
static void set_alloc(struct rt *rt)
{
    struct bpf_map *m;
    bpf_object__for_each_map(m, rt->obj)
    {
        /* a plan's map of plain values is a hash (map_as_planned), one of
         * aggregations a per-CPU hash */
        if (bpf_map__type(m) != BPF_MAP_TYPE_HASH)
            continue;
        bool values = plan_map_of(rt, m) >= 0 && feature_alloc_in_tracing();
        if (values || strncmp(bpf_map__name(m), CG_STACK_PREFIX, strlen(CG_STACK_PREFIX)) == 0)
            bpf_map__set_map_flags(m, bpf_map__map_flags(m) | BPF_F_NO_PREALLOC);
    }
}

/* Whether the object's map m is as the runtime reads it: the kernel writes
 * a lookup's key and value into buffers the plan sizes (printmap.c,
 * stacks.c, run.c), so a compiled script whose object says otherwise than
 * its plan is refused before anything is made. `why` says which. */
static bool map_as_planned(const struct rt *rt, const struct bpf_map *m, char *why, size_t n)
{
    const struct plan *p = rt->cg->plan;
    const char *name = bpf_map__name(m);
    enum bpf_map_type type = bpf_map__type(m);
    unsigned key = bpf_map__key_size(m), value = bpf_map__value_size(m);
    enum bpf_map_type want_type;
    unsigned want_key = 4, want_value = 8;
    int id = plan_map_of(rt, m);
    if (type == BPF_MAP_TYPE_STRUCT_OPS) {
        snprintf(why, n, "map %s is of a kind tinyprobe never makes (struct_ops)", name);
        return false;
    }
    if (id >= 0 && p->maps[id].in_slots) {
        return true; /* not read: the slots hold the map */
    } else if (id >= 0 && p->maps[id].array) {
        want_type = BPF_MAP_TYPE_PERCPU_ARRAY;
        want_value = p->maps[id].array_size * p->maps[id].value_size;
    } else if (id >= 0) {
        want_type = p->maps[id].agg ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
        want_key = p->maps[id].key_size;
        want_value = p->maps[id].value_size;
    } else if (strcmp(name, CG_MAP_LOST) == 0) {
        want_type = BPF_MAP_TYPE_PERCPU_ARRAY;
    } else if (strcmp(name, CG_MAP_FULL) == 0 || strcmp(name, CG_MAP_REQUESTS) == 0 ||
               strcmp(name, CG_MAP_STACK_LOST) == 0) {
        want_type = BPF_MAP_TYPE_ARRAY;
    } else if (strcmp(name, CG_MAP_NAMES) == 0) {
        want_type = BPF_MAP_TYPE_ARRAY;
        want_value = rt->cg->names_size;
    } else if (strcmp(name, CG_MAP_CGROUP) == 0) {
        want_type = BPF_MAP_TYPE_CGROUP_ARRAY;
        want_value = 4;
    } else if (strncmp(name, CG_STACK_PREFIX, strlen(CG_STACK_PREFIX)) == 0) {
        char *end;
        long i = strtol(name + strlen(CG_STACK_PREFIX), &end, 10);
        if (*end || i < 0 || i >= p->nstacks)
            return true; /* not one the runtime reads */
        want_type = BPF_MAP_TYPE_HASH;
        want_key = 8;
        want_value = (unsigned)p->stacks[i].depth * 8;
    } else {
        return true; /* the programs' own (scratch, .rodata...), or the ring buffer */
    }
    if (type == want_type && key == want_key && value == want_value)
        return true;
    snprintf(why, n,
             "map %s is a %s of %u-byte keys and %u-byte values, and the plan reads a %s of %u "
             "and %u",
             name, libbpf_bpf_map_type_str(type) ? libbpf_bpf_map_type_str(type) : "map", key,
             value, libbpf_bpf_map_type_str(want_type), want_key, want_value);
    return false;
}

/* Only the programs of the plan's points are loaded: an object's other
 * programs (a compiled script's are anyone's) would load and never run. */
static bool prog_planned(const struct rt *rt, const struct bpf_program *p)
{
    for (int i = 0; i < rt->cg->nprogs; i++)
        if (rt->progs[i] == p)
            return true;
    return false;
}

int load_object(struct rt *rt)
{
    /* Kernels since 5.11 account BPF memory to the cgroup; older ones want
     * RLIMIT_MEMLOCK raised. Where that is not allowed it does not matter. */
    struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
    (void)setrlimit(RLIMIT_MEMLOCK, &r);
    /* Every probe holds descriptors (its program, its perf event or link):
     * take all the open files the hard limit allows. */
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &r);
    }

    LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "tinyprobe");
    rt->obj = bpf_object__open_mem(rt->cg->obj, rt->cg->objlen, &oo);
    if (!rt->obj) {
        diag_sys_error(rt->src, "libbpf cannot open the generated object: %s", strerror(errno));
        if (libbpf_len)
            diag_note(rt->src, "libbpf said:\n%.*s", (int)libbpf_len - 1, libbpf_msgs);
        return -1;
    }
    int n = rt->cg->nprogs;
    rt->progs = xcalloc(n, sizeof(*rt->progs));
    rt->links = xcalloc(n, sizeof(*rt->links));
    for (int i = 0; i < n; i++) {
        rt->progs[i] = bpf_object__find_program_by_name(rt->obj, rt->cg->progs[i].name);
        if (!rt->progs[i]) {
            diag_sys_error(rt->src, "internal error: program %s is not in the object",
                           rt->cg->progs[i].name);
            return -1;
        }
    }
    struct bpf_map *bm;
    bpf_object__for_each_map(bm, rt->obj)
    {
        char why[512];
        if (!map_as_planned(rt, bm, why, sizeof(why))) {
            diag_sys_error(rt->src, "the object does not match its plan: %s", why);
            return -1;
        }
    }
    struct bpf_program *bp;
    bpf_object__for_each_program(bp, rt->obj)
    {
        if (!prog_planned(rt, bp))
            bpf_program__set_autoload(bp, false);
    }
    if (needs_gotol(rt) || set_run(rt))
        return -1;
    /* One log buffer serves all programs, since loading stops at the first
     * refusal, and the kernel writes it only then. -d verifier wants every
     * program's log, so each gets its own, smaller as programs are many. */
    char **logs = xcalloc(n, sizeof(*logs));
    size_t logsize = 1u << 24;
    if (rt->o->dump_verifier)
        logsize = log_size(rt);
    char *shared = rt->o->dump_verifier ? NULL : log_alloc(&logsize);
    for (int i = 0; i < n; i++) {
        struct bpf_program *p = rt->progs[i];
        if (shares_previous(rt, i))
            continue;
        const struct probe_kind *k = rt->cg->progs[i].kind;
        bpf_program__set_type(p, k->prog_type);
        if (k->prepare)
            k->prepare(p, rt->cg->progs[i].shared);
        if (rt->o->dump_verifier) {
            size_t size = logsize;
            logs[i] = log_alloc(&size);
            if (!logs[i])
                xalloc_fail(size);
            bpf_program__set_log_buf(p, logs[i], size);
            /* 2: every instruction walked, on every path, not only those of
             * the path that failed; 4: the statistics */
            bpf_program__set_log_level(p, 2 | 4);
        } else if (shared) {
            logs[i] = shared;
            bpf_program__set_log_buf(p, shared, logsize);
        }
    }
    set_alloc(rt);
    int err = bpf_object__load(rt->obj);
    int rc = 0;
    if (rt->o->dump_verifier)
        print_logs(rt, logs, err);
    if (err) {
        report_load_error(rt, err, logs);
        rc = -1;
    } else {
        if (rt->o->dump_xlated) {
            struct listing l;
            listing_init(&l, stderr, rt->o->color, rt->src, rt->cg);
            if (listing_xlated(&l, rt->obj, rt->progs))
                rc = -1;
            listing_done(&l);
        }
        if (rt->o->verbose)
            list_loaded(rt);
        if (rt->o->cgroup_fd >= 0 && set_cgroup(rt))
            rc = -1;
        if (rt->cg->names_size && set_names(rt))
            rc = -1;
        if (map_slots(rt))
            rc = -1;
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
        probe_links_free(&rt->links[i]);
    if (rt->slots)
        munmap(rt->slots, rt->slots_len);
    bpf_object__close(rt->obj);
    free(rt->progs);
    free(rt->links);
    free(rt->reqs_seen);
    free(rt->unprinted);
}
