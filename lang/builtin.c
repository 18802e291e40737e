/* The table of builtins and functions, with the check hooks of the rows that
 * need more than a fixed result type. */
#include "lang/builtin.h"

#include <inttypes.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/cgroup.h"
#include "bpf/kbtf.h"
#include "bpf/kallsyms.h"
#include "bpf/probe.h"
#include "bpf/usym.h"
#include "lang/check.h"
#include "lang/plan.h"

/* an integer of `bytes` bytes, as the kernel keeps it */
#define INT(bytes, sgn)                                                                            \
    {                                                                                              \
        .kind = TY_INT, .is_signed = (sgn), .size = (bytes)                                        \
    }
#define STR(bytes)                                                                                 \
    {                                                                                              \
        .kind = TY_STR, .size = (bytes)                                                            \
    }

/* probe: the spec that fired, as long as the probe's longest spec */
static bool check_probe_name(struct check *c, struct ast_node *n)
{
    n->ty = (struct ty){.kind = TY_STR, .size = check_longest_spec(c) + 1};
    return true;
}

/* cpid: the pid of -c's command, a constant */
static bool check_cpid(struct check *c, struct ast_node *n)
{
    if (check_opts(c)->cpid) {
        check_plan(c)->uses_cpid = true;
        return true;
    }
    diag_error(check_src(c), n->loc,
               "cpid is the pid of the command -c starts, and there is no -c");
    return false;
}

/* curtask: a struct task_struct * where the kernel's BTF says what that is */
static bool check_curtask(struct check *c, struct ast_node *n)
{
    unsigned id = kbtf_ready(NULL, 0) ? kbtf_find_record("task_struct", false) : 0;
    if (id)
        n->ty = ty_ptr(id, false);
    return true;
}

/* str(s) of what is already a string is that string; else an address and an
 * optional length */
static bool check_str(struct check *c, struct ast_node *n)
{
    struct ast_node *a0 = n->args, *a1 = a0->next;
    if (a0->ty.kind == TY_STR && !a1) {
        n->ty = a0->ty;
        return true;
    }
    if (!check_want(c, a0, TY_INT, "str()'s address"))
        return false;
    n->ty = (struct ty){.kind = TY_STR, .size = check_str_size(c)};
    return true;
}

static bool check_strftime(struct check *c, struct ast_node *n)
{
    const struct ast_node *f = n->args;
    if (f->slen > TY_TIME_FMT_MAX) {
        diag_error(check_src(c), f->loc, "strftime()'s format is %zu bytes long: the most is %d",
                   f->slen, TY_TIME_FMT_MAX);
        return false;
    }
    return true;
}

/* ntop([af,] addr): an IPv4 address in an integer, as the kernel keeps one
 * (network byte order), or 4 or 16 bytes; af, when given, says which */
static bool check_ntop(struct check *c, struct ast_node *n)
{
    struct ast_node *af = n->args->next ? n->args : NULL, *a = af ? af->next : n->args;
    if (af && !check_want(c, af, TY_INT, "ntop()'s address family"))
        return false;
    /* bytes: a tracepoint's array, or one in a kernel struct (u8 saddr[4]),
     * or a struct in6_addr */
    bool bytes = (a->ty.kind == TY_BUF || a->ty.kind == TY_ARRAY || a->ty.kind == TY_RECORD) &&
                 (a->ty.size == 4 || a->ty.size == 16);
    if (a->ty.kind != TY_INT && !bytes) {
        char what[32] = "";
        if (a->ty.kind == TY_BUF || a->ty.kind == TY_ARRAY || a->ty.kind == TY_RECORD)
            snprintf(what, sizeof(what), " of %d bytes", a->ty.size);
        diag_error(check_src(c), a->loc,
                   "ntop()'s address must be an integer (IPv4) or 4 or 16 bytes, not %s%s",
                   check_desc(a->ty), what);
        return false;
    }
    n->ty = (struct ty){.kind = TY_INET, .size = TY_INET_SIZE};
    return true;
}

/* buf(p, n): n bytes at address p; buf(s [, n]) and buf(b [, n]): a string's
 * or bytes' own. A literal n is the buffer's size; another is bounded by the
 * size of what is read (--str-size for an address) */
static bool check_buf(struct check *c, struct ast_node *n)
{
    struct ast_node *a = n->args, *len = a->next;
    if (a->ty.kind != TY_INT && a->ty.kind != TY_STR && a->ty.kind != TY_BUF) {
        diag_error(check_src(c), a->loc,
                   "buf()'s data must be an address, a string or bytes, not %s", check_desc(a->ty));
        return false;
    }
    if (a->ty.kind == TY_INT && !len) {
        diag_error(check_src(c), n->loc, "buf() of an address needs a length: buf(p, n)");
        return false;
    }
    int size = a->ty.kind == TY_INT ? check_str_size(c) : a->ty.size;
    if (len && len->kind == N_INT) {
        if (len->big || len->ival < 1 || len->ival > TY_BUF_MAX) {
            diag_error(check_src(c), len->loc, "buf()'s length must be 1 to %d, not %s%" PRId64,
                       TY_BUF_MAX, len->big ? "+" : "", len->big ? INT64_MAX : len->ival);
            return false;
        }
        if (a->ty.kind == TY_INT || len->ival < size)
            size = (int)len->ival;
    }
    n->ty = (struct ty){.kind = TY_BUF, .size = size};
    return true;
}

/* strncmp(a, b, n): n an integer literal, as in bpftrace */
static bool check_strncmp(struct check *c, struct ast_node *n)
{
    const struct ast_node *len = n->args->next->next;
    if (len->kind != N_INT || len->big || len->ival < 0) {
        diag_error(check_src(c), len->loc,
                   "strncmp()'s length must be a number known when the script is compiled");
        return false;
    }
    return true;
}

/* strcontains(s, t) is unrolled: it is bounded by the bytes it compares */
static bool check_strcontains(struct check *c, struct ast_node *n)
{
    const struct ast_node *h = n->args, *t = h->next;
    long cost = (long)h->ty.size * t->ty.size;
    if (cost > BI_CONTAINS_MAX) {
        diag_error(check_src(c), n->loc,
                   "strcontains() of a string[%d] in a string[%d] compares %ld pairs of bytes: "
                   "the most is %d",
                   t->ty.size, h->ty.size, cost, BI_CONTAINS_MAX);
        diag_note(check_src(c), "make the strings shorter with --str-size, or look for a literal");
        return false;
    }
    return true;
}

/* kptr(p), uptr(p): the address, as a pointer into kernel or user memory,
 * whatever its type said: str() and member reads then use that memory's
 * helper. A pointer keeps what it points to; an integer points to nothing
 * known (void). */
static bool check_ptr_mark(struct check *c, struct ast_node *n)
{
    (void)c;
    const struct ty *a = &n->args->ty;
    n->ty = ty_ptr(a->kind == TY_PTR ? a->btf : 0, n->bi == BI_UPTR);
    return true;
}

/* A call whose value is known now (an id, an address) made the literal
 * it is: an unsigned 64-bit integer. */
static void literal(struct ast_node *n, uint64_t v)
{
    n->kind = N_INT;
    n->ival = (int64_t)v;
    n->big = v > INT64_MAX;
    n->args = NULL;
    n->ty = ty_int64(false);
}

/* cgroupid(path): the id, found now, becomes a literal */
static bool check_cgroupid(struct check *c, struct ast_node *n)
{
    struct ast_node *p = n->args;
    uint64_t id;
    int err = cgroup_id(p->sval, &id);
    if (err) {
        diag_error(check_src(c), p->loc, "cgroupid(): no cgroup at %s: %s", p->sval,
                   strerror(-err));
        diag_note(check_src(c), "a cgroup v2 directory, as 'mount -t cgroup2' shows one mounted");
        return false;
    }
    literal(n, id);
    n->ty = ty_int64(!n->big);
    return true;
}

/* The plan's table of stacks of that kind and depth, made when first
 * asked for: its index, or -1 after an error at n. */
static int stack_table(struct check *c, struct ast_node *n, bool user, int depth, bool dwarf)
{
    struct plan *p = check_plan(c);
    for (int i = 0; i < p->nstacks; i++)
        if (p->stacks[i].user == user && p->stacks[i].depth == depth)
            return i;
    if (p->nstacks == PLAN_STACKS_MAX) {
        diag_error(check_src(c), n->loc,
                   "a script may ask for stacks of at most %d kinds and depths: this is one more",
                   PLAN_STACKS_MAX);
        return -1;
    }
    p->stacks = check_grow(p->arena, p->stacks, p->nstacks, &p->capstacks, sizeof(*p->stacks));
    p->stacks[p->nstacks] = (struct plan_stack){.user = user, .depth = depth, .dwarf = dwarf};
    p->user_symbols |= user;
    return p->nstacks++;
}

/* kstack, ustack, kstack(mode), kstack(depth), kstack(mode, depth): a mode
 * is a word, bpftrace, perf or raw; a depth a number */
static bool check_stack(struct check *c, struct ast_node *n)
{
    static const char *const modes[] = {
        [STACK_BPFTRACE] = "bpftrace", [STACK_PERF] = "perf", [STACK_RAW] = "raw"};
    bool user = n->bi == BI_USTACK || n->bi == BI_USTACK_F;
    const char *name = user ? "ustack" : "kstack";
    int mode = STACK_BPFTRACE, depth = TY_STACK_DEPTH_MAX, i = 0;
    for (struct ast_node *a = n->args; a; a = a->next, i++) {
        if (a->kind == N_IDENT && i == 0) {
            mode = -1;
            for (int m = 0; m < 3; m++)
                if (strcmp(a->sval, modes[m]) == 0)
                    mode = m;
            if (mode < 0) {
                diag_error(check_src(c), a->loc,
                           "unknown stack mode '%s': the modes are bpftrace, perf and raw",
                           a->sval);
                const char *best = probe_closest(a->sval, modes, 3);
                if (best)
                    diag_note(check_src(c), "did you mean '%s'?", best);
                return false;
            }
        } else if (a->kind == N_INT && !a->next) {
            if (a->big || a->ival < 1 || a->ival > TY_STACK_DEPTH_MAX) {
                diag_error(check_src(c), a->loc, "a stack's depth must be 1 to %d, not %s%" PRId64,
                           TY_STACK_DEPTH_MAX, a->big ? "+" : "", a->big ? INT64_MAX : a->ival);
                diag_note(check_src(c),
                          "%d frames is the kernel's bound on a stack (PERF_MAX_STACK_DEPTH)",
                          TY_STACK_DEPTH_MAX);
                return false;
            }
            depth = (int)a->ival;
        } else {
            diag_error(check_src(c), a->loc,
                       "%s()'s arguments are a mode (bpftrace, perf or raw) and then a depth (a "
                       "number), each optional",
                       name);
            return false;
        }
    }
    int unwind = check_opts(c)->unwind;
    bool dwarf =
        user && (unwind == UNWIND_DWARF || (unwind == UNWIND_AUTO && check_probe_samples(c)));
    int rec = stack_table(c, n, user, depth, dwarf);
    n->ty = (struct ty){.kind = TY_STACK,
                        .size = dwarf ? TY_STACK_CAPTURE : TY_STACK_SIZE,
                        .user = user,
                        .rec = rec,
                        .mode = (unsigned char)mode};
    return rec >= 0;
}

/* ksym(addr), usym(addr): the address, printed as its symbol */
static bool check_sym(struct check *c, struct ast_node *n)
{
    bool user = n->bi == BI_USYM;
    check_plan(c)->user_symbols |= user;
    n->ty = (struct ty){.kind = TY_SYM, .size = user ? 16 : 8, .user = user};
    return true;
}

/* kaddr("name"): the kernel symbol's address, found now, a literal */
static bool check_kaddr(struct check *c, struct ast_node *n)
{
    struct ast_node *a = n->args;
    char why[256];
    uint64_t addr;
    int err = kallsyms_addr(a->sval, &addr, why, sizeof(why));
    if (err) {
        diag_error(check_src(c), a->loc, "kaddr(): %s", why);
        return false;
    }
    literal(n, addr);
    return true;
}

/* uaddr("name"): the address of a symbol of the probe's binary, in the
 * process that fired: a literal for an executable linked where it loads; for
 * a PIE or a library, where the process loaded it, from where the uprobe
 * fired (its ip, less the probed instruction's linked address: ival holds
 * the symbol's) */
static bool check_uaddr(struct check *c, struct ast_node *n)
{
    struct ast_node *a = n->args;
    const char *path = NULL;
    size_t plen = 0;
    bool entry = true, one = true;
    for (const struct ast_spec *s = check_probe_specs(c); s; s = s->next) {
        for (int i = 0; i < s->points.n; i++) {
            const char *t = s->points.v[i]->target, *colon = strrchr(t, ':');
            size_t len = colon ? (size_t)(colon - t) : 0;
            if (path && (len != plen || strncmp(path, t, len) != 0)) {
                diag_error(check_src(c), n->loc,
                           "uaddr() looks in the probe's binary: this probe has two, %.*s and "
                           "%.*s",
                           (int)plen, path, (int)len, t);
                return false;
            }
            path = t;
            plen = len;
        }
        entry &= strcmp(s->kind->name, "uprobe") == 0;
        one &= s->points.n == 1;
    }
    char file[4096], why[512];
    snprintf(file, sizeof(file), "%.*s", (int)plen, path ? path : "");
    uint64_t addr;
    bool pie;
    if (usym_addr(file, a->sval, &addr, &pie, why, sizeof(why))) {
        diag_error(check_src(c), a->loc, "uaddr(): %s", why);
        return false;
    }
    if (!pie) { /* where it is linked is where it is */
        literal(n, addr);
        return true;
    }
    if (!entry || !one) {
        diag_error(check_src(c), n->loc,
                   "uaddr() in %s, which is position-independent, needs a uprobe on one "
                   "function: where it fires says where the process loaded the file",
                   file);
        return false;
    }
    n->ival = (int64_t)addr;
    n->ty = ty_int64(false);
    return true;
}

/* reg("name"): a register of the probe's context, by the architecture's
 * name for it; its offset in pt_regs is kept in ival */
static bool check_reg(struct check *c, struct ast_node *n)
{
    const struct ast_node *a = n->args;
    int off = arch_reg_offset(a->sval);
    if (off < 0) {
        char names[512];
        arch_reg_names(names, sizeof(names));
        diag_error(check_src(c), a->loc, "this machine (%s) has no register '%s'",
                   arch_native()->machine, a->sval);
        const char *all[128];
        int k = 0;
        for (const struct arch_reg *r = arch_native()->regs; r->name && k < 128; r++)
            all[k++] = r->name;
        const char *best = probe_closest(a->sval, all, k);
        if (best)
            diag_note(check_src(c), "did you mean '%s'?", best);
        else
            diag_note(check_src(c), "its registers are %s", names);
        return false;
    }
    n->ival = off;
    return true;
}

/* func: the name of the function the probe fires in, as long as the
 * probe's longest */
static bool check_func(struct check *c, struct ast_node *n)
{
    n->ty = (struct ty){.kind = TY_STR, .size = check_longest_func(c) + 1};
    return true;
}

/* a table reads best a row a line */
// clang-format off
static const struct builtin table[BI__COUNT] = {
    [BI_PID]      = {"pid",      BK_VAR, .ty = INT(4, false)},
    [BI_TID]      = {"tid",      BK_VAR, .ty = INT(4, false)},
    [BI_UID]      = {"uid",      BK_VAR, .ty = INT(4, false)},
    [BI_GID]      = {"gid",      BK_VAR, .ty = INT(4, false)},
    [BI_COMM]     = {"comm",     BK_VAR, .ty = STR(16)},
    [BI_NSECS]    = {"nsecs",    BK_VAR, .ty = INT(8, false)},
    [BI_CPU]      = {"cpu",      BK_VAR, .ty = INT(4, false)},
    [BI_PROBE]    = {"probe",    BK_VAR, .check = check_probe_name},
    [BI_ARG]      = {"arg1",     BK_VAR, .ty = INT(8, false), .needs = PROBE_ARGS},
    [BI_RETVAL]   = {"retval",   BK_VAR, .ty = INT(8, true), .needs = PROBE_RETVAL},
    [BI_ELAPSED]  = {"elapsed",  BK_VAR, .ty = INT(8, false)},
    [BI_CGROUP]   = {"cgroup",   BK_VAR, .ty = INT(8, false)},
    [BI_PPID]     = {"ppid",     BK_VAR, .ty = INT(4, false)},
    [BI_CURTASK]  = {"curtask",  BK_VAR, .ty = INT(8, false), .check = check_curtask},
    [BI_CPID]     = {"cpid",     BK_VAR, .ty = INT(4, false), .check = check_cpid},
    [BI_KSTACK]   = {"kstack",   BK_VAR, .needs = PROBE_STACK, .check = check_stack},
    [BI_USTACK]   = {"ustack",   BK_VAR, .needs = PROBE_STACK, .check = check_stack},
    [BI_TARGET]   = {"target",   BK_VAR, .ty = INT(4, false)},
    [BI_FUNC]     = {"func",     BK_VAR, .needs = PROBE_FUNC, .check = check_func},
    [BI_STR]      = {"str",      BK_FUNC, 1, 2, {BA_ANY, BA_INT}, {"address", "length"},
                     .check = check_str},
    [BI_JOIN]     = {"join",     BK_FUNC, 1, 2, {BA_INT, BA_LITERAL}, {"address", "separator"},
                     .ty = {.kind = TY_JOIN, .size = BI_JOIN_ARG_SIZE}},
    [BI_STRFTIME] = {"strftime", BK_FUNC, 2, 2, {BA_LITERAL, BA_INT}, {"format", "time"},
                     .ty = {.kind = TY_TIME}, .check = check_strftime},
    [BI_NTOP]     = {"ntop",     BK_FUNC, 1, 2, {BA_ANY, BA_ANY}, {"address family", "address"},
                     .check = check_ntop},
    [BI_BUF]      = {"buf",      BK_FUNC, 1, 2, {BA_ANY, BA_INT}, {"data", "length"},
                     .check = check_buf},
    [BI_STRNCMP]  = {"strncmp",  BK_FUNC, 3, 3, {BA_STR, BA_STR, BA_INT},
                     {"first string", "second string", "length"},
                     .ty = INT(8, true), .check = check_strncmp},
    [BI_STRCONTAINS] = {"strcontains", BK_FUNC, 2, 2, {BA_STR, BA_STR}, {"string", "substring"},
                     .ty = INT(8, true), .check = check_strcontains},
    [BI_KPTR]     = {"kptr",     BK_FUNC, 1, 1, {BA_INT}, {"address"}, .check = check_ptr_mark},
    [BI_UPTR]     = {"uptr",     BK_FUNC, 1, 1, {BA_INT}, {"address"}, .check = check_ptr_mark},
    [BI_CGROUPID] = {"cgroupid", BK_FUNC, 1, 1, {BA_LITERAL}, {"path"}, .check = check_cgroupid},
    [BI_CGROUP_PATH] = {"cgroup_path", BK_FUNC, 1, 1, {BA_INT}, {"id"},
                     .ty = {.kind = TY_CGPATH, .size = 8}},
    [BI_KSTACK_F] = {"kstack",   BK_FUNC, 0, 2, {BA_WORD, BA_WORD}, {"mode", "depth"},
                     .needs = PROBE_STACK, .check = check_stack},
    [BI_USTACK_F] = {"ustack",   BK_FUNC, 0, 2, {BA_WORD, BA_WORD}, {"mode", "depth"},
                     .needs = PROBE_STACK, .check = check_stack},
    [BI_KSYM]     = {"ksym",     BK_FUNC, 1, 1, {BA_INT}, {"address"}, .check = check_sym},
    [BI_USYM]     = {"usym",     BK_FUNC, 1, 1, {BA_INT}, {"address"}, .check = check_sym},
    [BI_KADDR]    = {"kaddr",    BK_FUNC, 1, 1, {BA_LITERAL}, {"name"}, .check = check_kaddr},
    [BI_UADDR]    = {"uaddr",    BK_FUNC, 1, 1, {BA_LITERAL}, {"name"}, .needs = PROBE_UBIN,
                     .check = check_uaddr},
    [BI_REG]      = {"reg",      BK_FUNC, 1, 1, {BA_LITERAL}, {"name"}, .ty = INT(8, false),
                     .needs = PROBE_REGS, .check = check_reg},
    [BI_COUNT]    = {"count",    BK_AGG, 0, 0, .agg = AGG_COUNT},
    [BI_SUM]      = {"sum",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_SUM},
    [BI_AVG]      = {"avg",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_AVG},
    [BI_MIN]      = {"min",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_MIN},
    [BI_MAX]      = {"max",      BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_MAX},
    [BI_STATS]    = {"stats",    BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_STATS},
    [BI_HIST]     = {"hist",     BK_AGG, 1, 1, {BA_INT}, {"value"}, .agg = AGG_HIST},
    [BI_LHIST]    = {"lhist",    BK_AGG, 4, 4, {BA_INT, BA_INT, BA_INT, BA_INT},
                     {"value", "min", "max", "step"},
                     .agg = AGG_LHIST},
    [BI_DELETE]   = {"delete",   BK_STMT, 1, 1, {BA_MAP}, {"map"}, .agg = AGG_NONE},
    [BI_CLEAR]    = {"clear",    BK_STMT, 1, 1, {BA_MAP}, {"map"}, .agg = AGG_NONE},
    [BI_ZERO]     = {"zero",     BK_STMT, 1, 1, {BA_MAP}, {"map"}, .agg = AGG_NONE},
    [BI_TIME]     = {"time",     BK_STMT, 0, 1, {BA_LITERAL}, {"format"}, .agg = AGG_NONE},
    [BI_CAT]      = {"cat",      BK_STMT, 1, 1, {BA_LITERAL}, {"path"}, .agg = AGG_NONE},
    [BI_SYSTEM]   = {"system",   BK_STMT, 1, 1, {BA_LITERAL}, {"command"}, .agg = AGG_NONE},
    [BI_SIGNAL]   = {"signal",   BK_STMT, 1, 1, {BA_ANY}, {"signal"}, .agg = AGG_NONE},
};
// clang-format on

const struct builtin *builtin_get(enum bi_id id)
{
    return &table[id];
}

enum bi_id builtin_find(const char *name, enum bi_kind kind)
{
    for (int i = 1; i < BI__COUNT; i++)
        if (table[i].kind == kind && strcmp(table[i].name, name) == 0)
            return (enum bi_id)i;
    return BI_NONE;
}

int builtin_names(enum bi_kind kind, const char **names, int max)
{
    int n = 0;
    for (int i = 1; i < BI__COUNT && n < max; i++)
        if (table[i].kind == kind)
            names[n++] = table[i].name;
    return n;
}
