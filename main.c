/* tinyprobe: a tiny bpftrace. Script text -> lang/ (tokens, tree, checks) ->
 * codegen/ (LLVM IR, BPF object in memory) -> runtime/ (load, attach, print),
 * with bpf/ knowing the kernel. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/feature.h"
#include "bpf/kbtf.h"
#include "codegen/codegen.h"
#include "codegen/compiler.h"
#include "lang/xalloc.h"
#include "lang/check.h"
#include "lang/diag.h"
#include "lang/parse.h"
#include "runtime/child.h"
#include "runtime/listing.h"
#include "runtime/runtime.h"
#include "runtime/scripts.h"
#include "runtime/tpo.h"
#include "runtime/cache.h"
#include "lang/wire.h"

static void usage(FILE *f)
{
    fputs(
        "usage: tinyprobe [options] -e 'PROGRAM' [ARG...]\n"
        "       tinyprobe [options] SCRIPT [ARG...]  (a file, '-' for stdin, or a built-in name)\n"
        "       (each ARG is a positional parameter: $1, $2 ..., and $# their number)\n"
        "       tinyprobe -l[v] [PATTERN]      list the probes\n"
        "\n"
        "options:\n"
        "  -e PROGRAM         run PROGRAM\n"
        "  -o FILE            write events to FILE\n"
        "  -f, --format FMT   text (default), json (one JSON object a line) or folded (maps\n"
        "                     keyed by stacks as flamegraph.pl reads them)\n"
        "  -B MODE            output buffering: full (default: written every 10 ms),\n"
        "                     line or none (each record as it is made)\n"
        "  -l [PATTERN]       list the probes (matching PATTERN, as 'tracepoint:syscalls:*');\n"
        "                     with -v, their arguments\n"
        "  -L                 list the built-in scripts\n"
        "  -p PID             trace only process PID\n"
        "  -c 'CMD ARGS'      run CMD, trace until it exits; cpid is its pid\n"
        "  --cgroup PATH      trace only tasks in the cgroup v2 directory PATH, or below it\n"
        "  -v                 list the programs and maps loaded, and libbpf's messages\n"
        "  -q                 do not say how many probes were attached\n"
        "  -d WHAT            show a stage: tokens, ast, plan, ir, asm (each program's BPF under\n"
        "                     its script lines), xlated (the same after the kernel's rewrites)\n"
        "                     or verifier (its log under the script lines, a summary a line);\n"
        "                     repeatable, or comma-separated\n"
        "  --color WHEN       colour the -d listings: auto (on a terminal), always or never\n"
        "  --dry-run          compile and load into the kernel, attach nothing\n"
        "  --emit FILE        write the compiled script to FILE (run it as tinyprobe FILE)\n"
        "  --no-cache         compile even if the cache has the script, and keep nothing\n"
        "  --str-size N       bytes of a string, NUL included (default 64, at most 4096)\n"
        "  --buffer-size N    bytes of the event ring buffer (default 1048576)\n"
        "  --map-size N       entries of each map (default 4096)\n"
        "  --stack-max N      distinct stacks kept of each kind (default 65536)\n"
        "  --flamegraph FILE  at exit, also draw the maps keyed by stacks as a flame graph (SVG)\n"
        "  --unwind MODE      user stacks by frame pointers in the kernel (fp), from a copy of\n"
        "                     the stack unwound with DWARF in user space (dwarf), or auto (the\n"
        "                     default): dwarf in profile, software and hardware probes\n"
        "  --stack-lines      user stacks' frames also say their source file and line (DWARF)\n"
        "  --unsafe           allow system() (runs a command) and signal() (signals the task)\n"
        "  -h, --help         this help\n"
        "  -V, --version      the version\n",
        f);
}

/* The largest script tinyprobe reads: far beyond any real one, and small
 * enough that /dev/zero or a wrong file is refused at once. */
#define SCRIPT_MAX (16 << 20)

/* The whole of a file or of stdin, NUL-terminated, and its length; NULL
 * with errno EINVAL for a NUL byte in a script (a compiled one, an ELF
 * file, holds them), EFBIG past SCRIPT_MAX (TPO_SIZE_MAX for an ELF file,
 * `*max` then saying which). */
static char *slurp(FILE *f, size_t *lenp, size_t *max)
{
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    int err = 0;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        if (memchr(buf + len, 0, n) && !tpo_is_elf(buf, len + n)) {
            err = EINVAL;
            break;
        }
        len += n;
        *max = tpo_is_elf(buf, len) ? TPO_SIZE_MAX : SCRIPT_MAX;
        if (len > *max) {
            err = EFBIG;
            break;
        }
        if (cap - len < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[len] = 0;
    if (!err && ferror(f))
        err = errno;
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    *lenp = len;
    return buf;
}

struct opts {
    const char *program, *script, *outpath;
    const char *emit;    /* --emit FILE: write the compiled script there, run nothing */
    const char *shaping; /* the last option given that shapes the programs (--str-size...) */
    bool no_cache;       /* --no-cache: compile, and keep nothing */
    const char *command, *cgroup; /* -c, --cgroup */
    bool dump_tokens, dump_ast, dump_plan, dump_ir, dump_asm;
    bool list; /* -l [PATTERN]: list probes */
    struct check_opts check;
    struct cg_opts cg;
    struct rt_opts rt;
};

static int parse_dump(struct opts *o, char *what)
{
    for (char *w = strtok(what, ","); w; w = strtok(NULL, ",")) {
        if (!strcmp(w, "tokens"))
            o->dump_tokens = true;
        else if (!strcmp(w, "ast"))
            o->dump_ast = true;
        else if (!strcmp(w, "plan"))
            o->dump_plan = true;
        else if (!strcmp(w, "ir"))
            o->dump_ir = true;
        else if (!strcmp(w, "asm"))
            o->dump_asm = true;
        else if (!strcmp(w, "xlated"))
            o->rt.dump_xlated = true;
        else if (!strcmp(w, "verifier"))
            o->rt.dump_verifier = true;
        else {
            diag_sys_error(NULL,
                           "-d takes tokens, ast, plan, ir, asm, xlated or verifier, not '%s'", w);
            return -1;
        }
    }
    return 0;
}

static int parse_size(const char *s, const char *opt, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || *end || v < min || v > max) {
        diag_sys_error(NULL, "%s takes a number from %ld to %ld, not '%s'", opt, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    enum {
        OPT_DRY = 256,
        OPT_STR,
        OPT_BUF,
        OPT_MAP,
        OPT_CGROUP,
        OPT_UNSAFE,
        OPT_STACK_MAX,
        OPT_FLAME,
        OPT_COLOR,
        OPT_UNWIND,
        OPT_LINES,
        OPT_EMIT,
        OPT_NO_CACHE
    };
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},
        {"dry-run", no_argument, 0, OPT_DRY},
        {"str-size", required_argument, 0, OPT_STR},
        {"buffer-size", required_argument, 0, OPT_BUF},
        {"map-size", required_argument, 0, OPT_MAP},
        {"stack-max", required_argument, 0, OPT_STACK_MAX},
        {"flamegraph", required_argument, 0, OPT_FLAME},
        {"color", required_argument, 0, OPT_COLOR},
        {"unwind", required_argument, 0, OPT_UNWIND},
        {"stack-lines", no_argument, 0, OPT_LINES},
        {"cgroup", required_argument, 0, OPT_CGROUP},
        {"unsafe", no_argument, 0, OPT_UNSAFE},
        {"emit", required_argument, 0, OPT_EMIT},
        {"no-cache", no_argument, 0, OPT_NO_CACHE},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "e:o:f:B:lLvqd:p:c:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o->program = optarg; break;
        case 'o': o->outpath = optarg; break;
        case 'f':
            o->rt.out->ops = output_find(optarg);
            if (!o->rt.out->ops) {
                diag_sys_error(NULL, "-f takes text, json or folded, not '%s'", optarg);
                return -1;
            }
            break;
        case 'B':
            if (!strcmp(optarg, "full"))
                o->rt.out->buffering = OUT_BUF_FULL;
            else if (!strcmp(optarg, "line"))
                o->rt.out->buffering = OUT_BUF_LINE;
            else if (!strcmp(optarg, "none"))
                o->rt.out->buffering = OUT_BUF_NONE;
            else {
                diag_sys_error(NULL, "-B takes full, line or none, not '%s'", optarg);
                return -1;
            }
            break;
        case 'l': o->list = true; break;
        case 'p':
            if (parse_size(optarg, "-p", 1, INT32_MAX, &v))
                return -1;
            o->rt.probe.pid = (int)v;
            break;
        case 'c':
            o->command = optarg;
            o->check.cpid = true;
            break;
        case OPT_CGROUP: o->cgroup = optarg; break;
        case 'L': scripts_list(stdout); exit(0);
        case 'v': o->rt.verbose = true; break;
        case 'q': o->rt.quiet = true; break;
        case 'd':
            if (parse_dump(o, optarg))
                return -1;
            break;
        case OPT_DRY: o->rt.dry_run = true; break;
        case OPT_UNSAFE: o->check.unsafe = true; break;
        case OPT_STR:
            o->shaping = "--str-size";
            if (parse_size(optarg, "--str-size", 8, CHECK_STR_SIZE_MAX, &v))
                return -1;
            o->check.str_size = o->cg.str_size = (int)v;
            break;
        case OPT_BUF:
            o->shaping = "--buffer-size";
            if (parse_size(optarg, "--buffer-size", 4096, 1l << 30, &v))
                return -1;
            /* the kernel wants a power of two */
            o->cg.ringbuf_size = 4096;
            while (o->cg.ringbuf_size < (unsigned long)v)
                o->cg.ringbuf_size *= 2;
            o->check.ringbuf_size = o->cg.ringbuf_size;
            break;
        case OPT_MAP:
            o->shaping = "--map-size";
            if (parse_size(optarg, "--map-size", 1, 1 << 24, &v))
                return -1;
            o->cg.map_size = (unsigned)v;
            break;
        case OPT_FLAME: o->rt.flamegraph = optarg; break;
        case OPT_EMIT: o->emit = optarg; break;
        case OPT_NO_CACHE: o->no_cache = true; break;
        case OPT_COLOR:
            if (!strcmp(optarg, "auto"))
                o->rt.color = LISTING_AUTO;
            else if (!strcmp(optarg, "always"))
                o->rt.color = LISTING_ALWAYS;
            else if (!strcmp(optarg, "never"))
                o->rt.color = LISTING_NEVER;
            else {
                diag_sys_error(NULL, "--color takes auto, always or never, not '%s'", optarg);
                return -1;
            }
            break;
        case OPT_LINES: o->rt.stack_lines = true; break;
        case OPT_UNWIND:
            o->shaping = "--unwind";
            if (!strcmp(optarg, "auto"))
                o->check.unwind = UNWIND_AUTO;
            else if (!strcmp(optarg, "fp"))
                o->check.unwind = UNWIND_FP;
            else if (!strcmp(optarg, "dwarf"))
                o->check.unwind = UNWIND_DWARF;
            else {
                diag_sys_error(NULL, "--unwind takes auto, fp or dwarf, not '%s'", optarg);
                return -1;
            }
            break;
        case OPT_STACK_MAX:
            o->shaping = "--stack-max";
            if (parse_size(optarg, "--stack-max", 1, 1 << 24, &v))
                return -1;
            o->cg.stack_max = (unsigned)v;
            break;
        case 'h': usage(stdout); exit(0);
        case 'V': printf("tinyprobe %s\n", TP_VERSION); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (!o->program && optind < argc)
        o->script = argv[optind++];
    o->rt.title = o->program ? o->program : o->script;
    if ((!o->program && !o->script && !o->list) || (o->list && (o->program || optind < argc))) {
        usage(stderr);
        return -1;
    }
    /* the rest are the script's positional parameters, $1.. ("--" before
     * one that starts with '-') */
    o->check.params = argv + optind;
    o->check.nparams = argc - optind;
    return 0;
}

/* The script's text and the name that messages call it by. */
/* An error about a script that could not be read, named as diag names it. */
__attribute__((format(printf, 2, 3))) static void script_error(const char *name, const char *fmt,
                                                               ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct diag_src src;
    diag_init(&src, name, "");
    diag_file_error(&src, "%s", msg);
}

static char *read_script(const struct opts *o, const char **name, size_t *len)
{
    if (o->program) {
        *name = "cmdline";
        if (strlen(o->program) > SCRIPT_MAX) {
            script_error("cmdline", "the program is larger than %d bytes", SCRIPT_MAX);
            return NULL;
        }
        *len = strlen(o->program);
        return xstrdup(o->program);
    }
    const char *s = o->script;
    const struct rt_script *builtin = strchr(s, '/') ? NULL : scripts_find(s);
    if (builtin) {
        static char path[64];
        snprintf(path, sizeof(path), "scripts/%s.tp", builtin->name);
        *name = path;
        *len = builtin->len;
        return xstrndup(builtin->text, builtin->len);
    }
    *name = strcmp(s, "-") == 0 ? "stdin" : s;
    FILE *f = strcmp(s, "-") == 0 ? stdin : fopen(s, "re");
    if (!f) {
        int err = errno;
        script_error(s, "cannot open the script: %s", strerror(err));
        if (!strchr(s, '/') && err == ENOENT)
            diag_note(NULL, "it is not a built-in script either; tinyprobe -L lists them");
        return NULL;
    }
    size_t max = SCRIPT_MAX;
    char *text = slurp(f, len, &max);
    int err = errno;
    if (f != stdin)
        fclose(f);
    if (!text && err == EFBIG)
        script_error(*name, "cannot read the script: it is larger than %zu bytes", max);
    else if (!text)
        script_error(*name, "cannot read the script: %s",
                     err == EINVAL ? "it contains a NUL byte" : strerror(err));
    return text;
}

/* -l: the probes, a line each, as bpftrace lists them. */
static int list_probes(const char *pattern, bool verbose)
{
    struct probe_err err;
    memset(&err, 0, sizeof(err));
    int n = probe_list(pattern, verbose, stdout, &err);
    kbtf_free();
    if (n < 0) {
        fflush(stdout);
        diag_sys_error(NULL, "%s", err.msg);
        if (*err.hint)
            diag_note(NULL, "%s", err.hint);
        return 1;
    }
    if (fflush(stdout)) {
        diag_sys_error(NULL, "cannot write to standard output: %s", strerror(errno));
        return 1;
    }
    return 0;
}

/* -p, --cgroup: what they name must exist, before anything is compiled. */
static int check_targets(struct opts *o)
{
    if (o->rt.probe.pid && kill(o->rt.probe.pid, 0) && errno == ESRCH) {
        diag_sys_error(NULL, "-p %d: there is no such process", o->rt.probe.pid);
        return -1;
    }
    if (!o->cgroup)
        return 0;
    int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct statfs fs;
    if (fd < 0) {
        diag_sys_error(NULL, "--cgroup %s: %s", o->cgroup, strerror(errno));
        return -1;
    }
    if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC) {
        diag_sys_error(NULL, "--cgroup %s: it is not a cgroup v2 directory", o->cgroup);
        diag_note(NULL, "a cgroup v2 hierarchy is where 'mount -t cgroup2' shows one mounted");
        close(fd);
        return -1;
    }
    o->rt.cgroup_fd = fd;
    return 0;
}

/* fds 0, 1 and 2 are open before anything else is: a closed one would be
 * taken by the next file or BPF object opened, and events meant for standard
 * output would be written into it. Returns whether stdout was closed. */
static bool claim_std_fds(void)
{
    bool stdout_closed = false;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        stdout_closed |= fd == 1;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) { /* only if a lower one was taken meanwhile */
            dup2(n, fd);
            close(n);
        }
    }
    return stdout_closed;
}

/* Whether `path` is the script file itself. */
static bool is_script(const struct opts *o, const char *path)
{
    struct stat a, b;
    return o->script && stat(o->script, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Where events go, checked before anything is compiled; the file itself is
 * opened (and truncated) only once every probe is attached (run.c), so a
 * run that fails leaves it as it was. */
static int check_output(struct opts *o, bool stdout_closed)
{
    if (o->emit && is_script(o, o->emit)) {
        diag_sys_error(NULL, "--emit %s would overwrite the script", o->emit);
        return -1;
    }
    if (!o->outpath) {
        if (stdout_closed) {
            diag_sys_error(NULL, "cannot write events: standard output is closed");
            diag_note(NULL, "give a file with -o FILE");
            return -1;
        }
        return 0;
    }
    if (is_script(o, o->outpath)) {
        diag_sys_error(NULL, "-o %s would overwrite the script", o->outpath);
        return -1;
    }
    o->rt.outpath = o->outpath;
    return 0;
}

/* A script's source: parsed, checked and compiled into `cg`. 1 when there
 * is an object to go on with; 0 when the -d asked for is shown and that is
 * all; -1 after an error. The tree is gone when it returns: from here on
 * the plan and the object are all there is, as for a compiled script. */
static int compile(struct opts *o, struct diag_src *src, struct plan *plan, struct cg_output *cg)
{
    struct ast_program *prog = parse_script(src, o->dump_tokens ? stdout : NULL);
    int rc = -1;
    /* the checks lay out the slots, a block a CPU: an emitted script's for
     * the machines it may run on */
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus < 1) {
        diag_sys_error(NULL, "cannot count the CPUs in /sys/devices/system/cpu/possible: %s",
                       strerror(-ncpus));
        goto out;
    }
    if (o->emit) {
        ncpus = ncpus > TPO_EMIT_CPUS ? ncpus : TPO_EMIT_CPUS;
        o->check.cpid = true; /* -c is given to the run: plan.uses_cpid says it must be */
        o->cg.core = true;
    }
    o->check.ncpus = o->cg.ncpus = ncpus;
    if (!prog || !check_program(prog, plan, &o->check))
        goto out;
    if (o->dump_ast)
        ast_dump(prog, stdout);
    if (o->dump_plan)
        plan_dump(prog->plan, stdout);
    if (o->dump_tokens || o->dump_ast || o->dump_plan) {
        rc = 0;
        goto out;
    }
    /* The tests' way to make the verifier refuse a program, to check how
     * tinyprobe reports it; no script can, short of a bug. */
    const char *fault = getenv("TINYPROBE_TEST_FAULT");
    o->cg.inject_fault = !fault                                ? CG_FAULT_NONE
                         : strcmp(fault, "verifier") == 0      ? CG_FAULT_EVERY
                         : strcmp(fault, "verifier-last") == 0 ? CG_FAULT_LAST
                                                               : CG_FAULT_NONE;
    o->cg.dump_ir = o->dump_ir ? stdout : NULL;
    if (compiler_compile(prog, &o->cg, cg) == 0)
        rc = 1;
out:
    ast_program_free(prog);
    return rc;
}

/* The cache's key for a script's source: everything its object depends
 * on but the tracepoints' formats and the probed binaries, which tpo_bind
 * checks on every load. */
static void make_key(const struct opts *o, const char *text, size_t len, struct wire_out *k)
{
    wire_put_str(k, "tinyprobe " TP_VERSION);
    cache_put_build(k);
    wire_put_str(k, compiler_id);
    wire_put_u32(k, TPO_FORMAT);
    wire_put_strn(k, text, len);
    wire_put_u32(k, (uint32_t)o->cg.str_size);
    wire_put_u32(k, o->cg.ringbuf_size);
    wire_put_u32(k, o->cg.map_size);
    wire_put_u32(k, o->cg.stack_max);
    wire_put_u8(k, (uint8_t)o->check.unwind);
    wire_put_u8(k, o->check.unsafe);
    wire_put_u8(k, o->command != NULL); /* cpid */
    wire_put_u32(k, (uint32_t)libbpf_num_possible_cpus());
    wire_put_u32(k, (uint32_t)o->check.nparams);
    for (int i = 0; i < o->check.nparams; i++)
        wire_put_str(k, o->check.params[i]);
    tpo_put_kernel(k);
}

/* The cached object of a script, made ready as a compiled script's: 0, or
 * -1 when there is none to use (and the script is compiled). Its points
 * must still be where they were: where a tracepoint changed, the compile
 * says so, and the new object replaces the entry. */
static int from_cache(struct cache *c, const struct wire_out *key, const char *name, struct tpo *t,
                      struct diag_src *src)
{
    size_t len;
    void *bytes = cache_get(c, key, &len);
    if (!bytes)
        return -1;
    char err[512];
    int rc = tpo_read(bytes, len, t, err, sizeof(err));
    free(bytes);
    if (rc == 0) {
        diag_init(src, name, t->text);
        src->quiet = true;
        rc = tpo_bind(t, src);
        diag_init(src, name, t->text);
    } else if (c->verbose) {
        fprintf(stderr, "tinyprobe: cache: the entry cannot be read: %s\n", err);
    }
    if (rc)
        tpo_free(t);
    return rc;
}

/* What a compiled script records of the options it was made with. */
static const struct tpo_opts *tpo_opts_of(const struct opts *o, struct tpo_opts *to)
{
    *to = (struct tpo_opts){
        .str_size = o->cg.str_size,
        .ringbuf_size = o->cg.ringbuf_size,
        .map_size = o->cg.map_size,
        .stack_max = o->cg.stack_max,
        .params = o->check.params,
        .nparams = o->check.nparams,
    };
    return to;
}

/* --emit FILE: the compiled script, written whole or not at all. */
static int emit(const struct opts *o, const struct cg_output *cg, const struct diag_src *src)
{
    struct tpo_opts to;
    void *buf = NULL;
    size_t len;
    char err[512];
    if (tpo_make(cg, src, tpo_opts_of(o, &to), &buf, &len, err, sizeof(err)) ||
        tpo_save(o->emit, buf, len, 0644, err, sizeof(err))) {
        diag_sys_error(NULL, "--emit: %s", err);
        free(buf);
        return -1;
    }
    free(buf);
    return 0;
}

/* A compiled script: read, its options held against the run's, and its
 * points found on this machine. 0, or -1 after saying why. */
static int open_compiled(struct opts *o, const char *name, const char *data, size_t len,
                         struct tpo *t, struct diag_src *src)
{
    char err[512];
    if (tpo_read(data, len, t, err, sizeof(err))) {
        script_error(name, "cannot run the compiled script: %s", err);
        return -1;
    }
    /* messages name the file run, and quote the source it was made from */
    diag_init(src, name, t->text);
    const char *stage = o->dump_tokens ? "tokens" : o->dump_ast ? "ast" : o->dump_ir ? "ir" : NULL;
    if (stage) {
        script_error(name, "-d %s shows a stage of compiling, and this script is compiled", stage);
        diag_note(NULL, "run it with -d asm, xlated, verifier or plan, or give its source");
        return -1;
    }
    if (o->shaping) {
        script_error(name, "%s shapes the programs, and this script is compiled", o->shaping);
        diag_note(NULL, "give it to tinyprobe --emit when compiling the script");
        return -1;
    }
    bool same = o->check.nparams == 0 || o->check.nparams == t->opts.nparams;
    for (int i = 0; same && o->check.nparams && i < t->opts.nparams; i++)
        same = strcmp(o->check.params[i], t->opts.params[i]) == 0;
    if (!same) {
        script_error(name,
                     "the compiled script was made with %d parameters%s, and this run "
                     "gives others",
                     t->opts.nparams, t->opts.nparams ? " ($1...)" : "");
        diag_note(NULL, "its parameters are compiled in: compile it again with the new ones");
        return -1;
    }
    if (t->plan->uses_cpid && !o->command) {
        script_error(name, "the compiled script reads cpid, the pid of the command -c runs, "
                           "and there is no -c");
        return -1;
    }
    if (t->plan->unsafe && !o->check.unsafe) {
        script_error(name, "the compiled script calls system() or signal(); rerun with "
                           "--unsafe to allow it");
        return -1;
    }
    return tpo_bind(t, src);
}

int main(int argc, char **argv)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool stdout_closed = claim_std_fds();
    /* a file size limit (ulimit -f) is a write error to report (EFBIG),
     * for events, --emit and the cache alike */
    signal(SIGXFSZ, SIG_IGN);
    struct sink out = {.fd = -1};
    struct output output = {.ops = &output_text, .sink = &out};
    struct opts o = {
        .check = {.str_size = CHECK_STR_SIZE_DEFAULT, .ringbuf_size = 1u << 20},
        .cg = {.str_size = CHECK_STR_SIZE_DEFAULT,
               .ringbuf_size = 1u << 20,
               .map_size = 4096,
               .stack_max = 65536},
        .rt = {.out = &output, .cgroup_fd = -1},
    };
    struct child child = {0};
    if (parse_args(argc, argv, &o))
        return 2;
    load_messages(o.rt.verbose);
    if (o.list)
        return list_probes(o.script, o.rt.verbose);
    if (check_targets(&o) || check_output(&o, stdout_closed))
        return 1;
    /* a run that loads programs and cannot: said before anything is
     * compiled or read, as the kernel would refuse the load */
    bool loads = !o.emit && !o.dump_tokens && !o.dump_ast && !o.dump_plan &&
                 (!(o.dump_ir || o.dump_asm) || o.rt.dump_verifier || o.rt.dump_xlated);
    char caps[128];
    if (loads && geteuid() != 0 && feature_missing_caps(caps, sizeof(caps))) {
        diag_sys_error(
            NULL, "loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities");
        return 1;
    }
    o.rt.start_ns = (uint64_t)start.tv_sec * 1000000000 + (uint64_t)start.tv_nsec;
    const char *name;
    size_t len = 0;
    char *text = read_script(&o, &name, &len);
    if (!text)
        return 1;
    int rc = 1;
    struct diag_src src;
    struct ast_program *prog = NULL;
    struct plan *plan = NULL;
    struct cg_output cg = {0};
    struct tpo tpo = {0};
    struct cache cache = {.dirfd = -1};
    struct wire_out key = {0};
    struct rt rt = {.cg = &cg, .src = &src, .o = &o.rt};
    bool compiled = tpo_is_elf(text, len);
    if (compiled) {
        if (open_compiled(&o, name, text, len, &tpo, &src))
            goto out;
        rt.cg = &tpo.cg;
        if (o.dump_plan) {
            plan_dump(tpo.plan, stdout);
            rc = 0;
            goto out;
        }
    } else {
        bool cacheable = !o.no_cache && !o.emit && !o.dump_tokens && !o.dump_ast && !o.dump_plan &&
                         !o.dump_ir && !o.dump_asm && !getenv("TINYPROBE_TEST_FAULT");
        if (cacheable && cache_open(&cache, o.rt.verbose)) {
            make_key(&o, text, len, &key);
            if (from_cache(&cache, &key, name, &tpo, &src) == 0)
                rt.cg = &tpo.cg;
        }
        if (rt.cg != &tpo.cg) {
            diag_init(&src, name, text);
            plan = plan_new();
            int r = compile(&o, &src, plan, &cg);
            if (r <= 0) {
                rc = -r;
                goto out;
            }
            if (cache.dirfd >= 0) {
                struct tpo_opts to = {0};
                void *buf;
                size_t n;
                char err[512];
                if (tpo_make(&cg, &src, tpo_opts_of(&o, &to), &buf, &n, err, sizeof(err)) == 0) {
                    cache_put(&cache, &key, buf, n);
                    free(buf);
                }
            }
        }
    }
    if (o.emit) {
        if (emit(&o, rt.cg, &src) == 0)
            rc = 0;
        goto out;
    }
    if (o.dump_asm) {
        struct listing l;
        listing_init(&l, stdout, o.rt.color, &src, rt.cg);
        int e = listing_asm(&l);
        if (listing_done(&l) && !e) {
            diag_sys_error(NULL, "cannot write to standard output: %s", strerror(errno));
            goto out;
        }
        if (e)
            goto out;
    }
    /* the listings of the object stop before the load, unless those of the
     * load are asked for too */
    if ((o.dump_ir || o.dump_asm) && !o.rt.dump_verifier && !o.rt.dump_xlated) {
        rc = 0;
        goto out;
    }
    if (o.command && !o.rt.dry_run) {
        if (child_start(&child, o.command))
            goto out;
        o.rt.child = &child;
    }
    if (load_object(&rt))
        goto out;
    if (o.rt.dry_run) {
        rc = 0;
        goto out;
    }
    rc = run_probes(&rt);
    if (sink_close(&out) && rc == 0)
        rc = 1;
out:
    if (out.fd >= 0)
        sink_close(&out);
    output_free(&output);
    child_end(&child);
    if (o.rt.cgroup_fd >= 0)
        close(o.rt.cgroup_fd);
    load_free(&rt);
    cg_output_free(&cg);
    kbtf_free();
    ast_program_free(prog);
    plan_free(plan);
    tpo_free(&tpo);
    cache_close(&cache);
    wire_out_free(&key);
    free(text);
    if (fflush(stdout) && !rc) { /* -d's output */
        diag_sys_error(NULL, "cannot write to standard output: %s", strerror(errno));
        rc = 1;
    }
    return rc;
}
