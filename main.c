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

#define VERSION "0.1"

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

/* The whole of a file or of stdin, NUL-terminated; NULL with errno EINVAL for
 * a NUL byte, EFBIG past SCRIPT_MAX. */
static char *slurp(FILE *f)
{
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    int err = 0;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        if (memchr(buf + len, 0, n)) {
            err = EINVAL;
            break;
        }
        len += n;
        if (len > SCRIPT_MAX) {
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
    return buf;
}

struct opts {
    const char *program, *script, *outpath;
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
        OPT_LINES
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
            o->cg.pid = true;
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
            if (parse_size(optarg, "--str-size", 8, CHECK_STR_SIZE_MAX, &v))
                return -1;
            o->check.str_size = o->cg.str_size = (int)v;
            break;
        case OPT_BUF:
            if (parse_size(optarg, "--buffer-size", 4096, 1l << 30, &v))
                return -1;
            /* the kernel wants a power of two */
            o->cg.ringbuf_size = 4096;
            while (o->cg.ringbuf_size < (unsigned long)v)
                o->cg.ringbuf_size *= 2;
            o->check.ringbuf_size = o->cg.ringbuf_size;
            break;
        case OPT_MAP:
            if (parse_size(optarg, "--map-size", 1, 1 << 24, &v))
                return -1;
            o->cg.map_size = (unsigned)v;
            break;
        case OPT_FLAME: o->rt.flamegraph = optarg; break;
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
            if (parse_size(optarg, "--stack-max", 1, 1 << 24, &v))
                return -1;
            o->cg.stack_max = (unsigned)v;
            break;
        case 'h': usage(stdout); exit(0);
        case 'V': printf("tinyprobe %s\n", VERSION); exit(0);
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

static char *read_script(const struct opts *o, const char **name)
{
    if (o->program) {
        *name = "cmdline";
        if (strlen(o->program) > SCRIPT_MAX) {
            script_error("cmdline", "the program is larger than %d bytes", SCRIPT_MAX);
            return NULL;
        }
        return xstrdup(o->program);
    }
    const char *s = o->script;
    const struct rt_script *builtin = strchr(s, '/') ? NULL : scripts_find(s);
    if (builtin) {
        static char path[64];
        snprintf(path, sizeof(path), "scripts/%s.tp", builtin->name);
        *name = path;
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
    char *text = slurp(f);
    int err = errno;
    if (f != stdin)
        fclose(f);
    if (!text && err == EFBIG)
        script_error(*name, "cannot read the script: it is larger than %d bytes", SCRIPT_MAX);
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
    if (o->cg.pid && kill(o->rt.probe.pid, 0) && errno == ESRCH) {
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
    o->cg.cgroup = true;
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

/* Where events go, checked before anything is compiled; the file itself is
 * opened (and truncated) only once every probe is attached (run.c), so a
 * run that fails leaves it as it was. */
static int check_output(struct opts *o, bool stdout_closed)
{
    if (!o->outpath) {
        if (stdout_closed) {
            diag_sys_error(NULL, "cannot write events: standard output is closed");
            diag_note(NULL, "give a file with -o FILE");
            return -1;
        }
        return 0;
    }
    struct stat a, b;
    if (o->script && stat(o->script, &a) == 0 && stat(o->outpath, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        diag_sys_error(NULL, "-o %s would overwrite the script", o->outpath);
        return -1;
    }
    o->rt.outpath = o->outpath;
    return 0;
}

int main(int argc, char **argv)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool stdout_closed = claim_std_fds();
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
    o.rt.start_ns = (uint64_t)start.tv_sec * 1000000000 + (uint64_t)start.tv_nsec;
    const char *name;
    char *text = read_script(&o, &name);
    if (!text)
        return 1;
    int rc = 1;
    struct diag_src src;
    diag_init(&src, name, text);
    struct ast_program *prog = parse_script(&src, o.dump_tokens ? stdout : NULL);
    struct plan *plan = plan_new();
    struct cg_output cg = {0};
    struct rt rt = {.cg = &cg, .src = &src, .o = &o.rt};
    /* the checks lay out the slots, a block a CPU */
    o.check.ncpus = o.cg.ncpus = libbpf_num_possible_cpus();
    if (o.cg.ncpus < 1) {
        diag_sys_error(NULL, "cannot count the CPUs in /sys/devices/system/cpu/possible: %s",
                       strerror(-o.cg.ncpus));
        goto out;
    }
    if (!prog || !check_program(prog, plan, &o.check))
        goto out;
    if (o.dump_ast)
        ast_dump(prog, stdout);
    if (o.dump_plan)
        plan_dump(prog->plan, stdout);
    if (o.dump_tokens || o.dump_ast || o.dump_plan) {
        rc = 0;
        goto out;
    }
    /* The tests' way to make the verifier refuse a program, to check how
     * tinyprobe reports it; no script can, short of a bug. */
    const char *fault = getenv("TINYPROBE_TEST_FAULT");
    o.cg.inject_fault = !fault                                ? CG_FAULT_NONE
                        : strcmp(fault, "verifier") == 0      ? CG_FAULT_EVERY
                        : strcmp(fault, "verifier-last") == 0 ? CG_FAULT_LAST
                                                              : CG_FAULT_NONE;
    bool loads = (!o.dump_ir && !o.dump_asm) || o.rt.dump_verifier || o.rt.dump_xlated;
    if (o.command && !o.rt.dry_run && loads) {
        if (child_start(&child, o.command))
            goto out;
        o.rt.child = &child;
    }
    o.cg.dump_ir = o.dump_ir ? stdout : NULL;
    if (compiler_compile(prog, &o.cg, &cg))
        goto out;
    if (o.dump_asm) {
        struct listing l;
        listing_init(&l, stdout, o.rt.color, &src, &cg);
        int e = listing_asm(&l);
        if (listing_done(&l) && !e) {
            diag_sys_error(NULL, "cannot write to standard output: %s", strerror(errno));
            goto out;
        }
        if (e)
            goto out;
    }
    /* From here on the plan and the object are all there is: the runtime
     * reads no tree (a compiled script will have none). */
    ast_program_free(prog);
    prog = NULL;
    /* the listings of the object stop before the load, unless those of the
     * load are asked for too */
    if ((o.dump_ir || o.dump_asm) && !o.rt.dump_verifier && !o.rt.dump_xlated) {
        rc = 0;
        goto out;
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
    free(text);
    if (fflush(stdout) && !rc) { /* -d's output */
        diag_sys_error(NULL, "cannot write to standard output: %s", strerror(errno));
        rc = 1;
    }
    return rc;
}
