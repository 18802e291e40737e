/* The checks of reads from memory: a tracepoint's fields (args.f), members
 * of kernel structs through the kernel's BTF (p->f, s.f, p[i], *p), casts,
 * sizeof and offsetof. The offsets are the running kernel's, fixed into the
 * tree (N_MEMBER's bit_off); the records kept as values are laid out into
 * the plan, so that the runtime prints them without BTF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/arch.h"
#include "bpf/kbtf.h"
#include "bpf/probe.h"
#include "lang/builtin.h"
#include "lang/check.h"
#include "lang/xalloc.h"

/* "struct task_struct *": a BTF type for messages. */
static const char *tname(unsigned id, char *buf, size_t len)
{
    return kbtf_type_name(id, buf, len);
}

/* The kernel's BTF, or an error at n naming what needed it. */
static bool need_btf(struct check *c, const struct ast_node *n, const char *what)
{
    char why[256];
    if (kbtf_ready(why, sizeof(why)))
        return true;
    diag_error(check_src(c), n->loc, "%s needs the kernel's types, and %s", what, why);
    diag_note(check_src(c), "a kernel built with CONFIG_DEBUG_INFO_BTF has it; TINYPROBE_BTF may "
                            "name a file of another's");
    return false;
}

/* Whether the probe's kinds read user memory through the addresses they
 * give (uprobes, USDT): a cast there makes a user pointer. */
static bool probe_is_user(struct check *c)
{
    for (const struct ast_spec *s = check_probe(c)->specs; s; s = s->next)
        if (s->kind &&
            (strcmp(s->kind->name, "uprobe") == 0 || strcmp(s->kind->name, "uretprobe") == 0 ||
             strcmp(s->kind->name, "usdt") == 0))
            return true;
    return false;
}

/* The value a read of BTF type `id` gives; `user` for what is read from
 * user memory. TY_NONE (with a message at n) for what cannot be read. */
static struct ty ty_of(struct check *c, const struct ast_node *n, unsigned id, bool user)
{
    struct kbtf_type t;
    char buf[256];
    if (!kbtf_resolve(id, &t)) {
        diag_error(check_src(c), n->loc, "the kernel's BTF has no type %u", id);
        return (struct ty){0};
    }
    switch (t.kind) {
    case KBTF_INT:
    case KBTF_ENUM:
        if (t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8) {
            struct ty i = ty_int((int)t.size, t.is_signed);
            if (t.kind == KBTF_ENUM) /* printf's %s prints its name */
                i.btf = t.id;
            return i;
        }
        break;
    case KBTF_PTR: return ty_ptr(t.target, user || t.user);
    case KBTF_STRUCT:
    case KBTF_UNION:
        return (struct ty){
            .kind = TY_RECORD, .size = (int)t.size, .btf = t.id, .user = user, .rec = -1};
    case KBTF_ARRAY: {
        if (t.is_text)
            return (struct ty){.kind = TY_STR, .size = (int)t.count, .btf = t.id, .user = user};
        return (struct ty){.kind = TY_ARRAY, .size = (int)t.size, .btf = t.id, .user = user};
    }
    default: break;
    }
    diag_error(check_src(c), n->loc, "a %s cannot be read", tname(id, buf, sizeof(buf)));
    return (struct ty){0};
}

/* A tracepoint's field, raw tracepoint's or fentry's argument: its type. */
static struct ty field_type(struct check *c, const struct probe_point *pt,
                            const struct probe_field *f)
{
    const struct probe_kind *k = pt->kind;
    if (f->btf && kbtf_ready(NULL, 0)) {
        /* a pointer to a struct is the kernel's unless BTF tags it __user;
         * one to anything else (a char *) may be either where BTF has no
         * tags, so it stays an address, read as it says (str()) */
        struct kbtf_type t, p;
        if (kbtf_resolve(f->btf, &t) && t.kind == KBTF_PTR && kbtf_resolve(t.target, &p) &&
            (p.kind == KBTF_STRUCT || p.kind == KBTF_UNION || t.user))
            return ty_ptr(t.target, t.user);
        if (t.kind == KBTF_ENUM && f->kind == FIELD_INT) {
            struct ty i = ty_int(f->size, f->is_signed);
            i.btf = t.id;
            return i;
        }
    }
    switch (f->kind) {
    case FIELD_INT:
        /* a pointer to a struct, which a chain reads through: a syscall's
         * points into the calling process */
        if (f->size == 8 && f->decl && strchr(f->decl, '*')) {
            unsigned to = kbtf_decl_pointee(f->decl);
            if (to)
                return ty_ptr(to,
                              k->caps & PROBE_FIELDS && strncmp(pt->target, "syscalls:", 9) == 0);
        }
        /* its width as declared: printf's %d of a uid_t is C's */
        return ty_int(f->size == 1 || f->size == 2 || f->size == 4 ? f->size : 8, f->is_signed);
    case FIELD_CHARS: return (struct ty){.kind = TY_STR, .size = f->size};
    case FIELD_DATA_LOC: return (struct ty){.kind = TY_STR, .size = check_str_size(c)};
    case FIELD_BYTES: return (struct ty){.kind = TY_BUF, .size = f->size};
    default: return (struct ty){0};
    }
}

static bool same_type(struct ty a, struct ty b)
{
    return a.kind == b.kind && (a.kind != TY_PTR || a.btf == b.btf);
}

static bool same_place(const struct probe_field *a, const struct probe_field *b)
{
    return a->offset == b->offset && a->size == b->size && a->kind == b->kind &&
           a->is_signed == b->is_signed;
}

/* Specs whose points read field `name` at one place, as they did every
 * field before it, stay in one group (see ast_spec.group): each spec joins
 * the first spec of its group so far that reads it where it does. */
static void regroup(struct ast_spec *specs, const char *name)
{
    for (struct ast_spec *s = specs; s; s = s->next) {
        s->regroup = s;
        if (!s->points.n)
            continue;
        const struct probe_field *f = probe_field(s->points.v[0], name);
        for (struct ast_spec *t = specs; t != s; t = t->next)
            if (t->points.n && t->group == s->group &&
                same_place(probe_field(t->points.v[0], name), f)) {
                s->regroup = t;
                break;
            }
    }
    for (struct ast_spec *s = specs; s; s = s->next)
        s->group = s->regroup;
}

/* args.f: a field of each of the probe's points, of one type in all. */
static bool check_ctx_field(struct check *c, struct ast_node *n)
{
    struct ty ty = {0};
    if (check_ctx_gone(c, n->a, "args"))
        return false;
    for (struct ast_spec *s = check_probe(c)->specs; s; s = s->next) {
        const struct probe_field *first = NULL;
        if (!(s->kind->caps & PROBE_FIELDS)) {
            char kinds[128];
            probe_kinds_with(PROBE_FIELDS, kinds, sizeof(kinds));
            diag_error(check_src(c), n->a->loc, "args is only available in %s probes, not in %s",
                       kinds, s->kind->name);
            if (s->kind->caps & PROBE_ARGS)
                diag_note(check_src(c), "a %s reads its function's parameters as arg1 to arg%d",
                          s->kind->name, ARCH_MAX_ARGS);
            return false;
        }
        for (int pi = 0; pi < s->points.n; pi++) {
            const struct probe_point *pt = s->points.v[pi];
            const struct probe_field *f = probe_field(pt, n->sval);
            if (!f) {
                struct tp_loc l = n->loc;
                l.first_column = l.last_column - (int)strlen(n->sval) + 1;
                if (s->kind->caps & PROBE_ARGS) /* a function's */
                    diag_error(check_src(c), l, "%s:%s has no argument '%s'", s->kind->name,
                               pt->target, n->sval);
                else
                    diag_error(check_src(c), l, "tracepoint %s has no field '%s'", pt->target,
                               n->sval);
                const char *names[256];
                int nn = 0;
                char list[1024] = "";
                size_t len = 0;
                for (int i = 0; i < pt->nfields && nn < 256; i++) {
                    const char *fn = pt->fields[i].name;
                    if (strncmp(fn, "common_", 7) == 0 || strcmp(fn, "__syscall_nr") == 0)
                        continue;
                    names[nn++] = fn;
                    if (len < sizeof(list) - 64)
                        len += snprintf(list + len, sizeof(list) - len, "%s%s", nn > 1 ? ", " : "",
                                        fn);
                }
                const char *best = probe_closest(n->sval, names, nn);
                if (best)
                    diag_note(check_src(c), "did you mean '%s'?", best);
                else if (nn)
                    diag_note(check_src(c), "its %s are: %s",
                              s->kind->caps & PROBE_ARGS ? "arguments" : "fields", list);
                else
                    diag_note(check_src(c), "it has none");
                return false;
            }
            struct ty t = field_type(c, pt, f);
            if (t.kind == TY_NONE) {
                diag_error(check_src(c), n->loc,
                           "field '%s' of %s has a type tinyprobe cannot read yet", n->sval,
                           pt->target);
                return false;
            }
            if (ty.kind != TY_NONE && !same_type(ty, t)) {
                char a[256], b[256];
                diag_error(check_src(c), n->loc, "field '%s' is %s in one probe and %s in another",
                           n->sval, check_ty_desc(ty, a, sizeof(a)),
                           check_ty_desc(t, b, sizeof(b)));
                return false;
            }
            ty = ty.kind == TY_NONE ? t : t.kind == TY_PTR ? ty : ty_merge(ty, t);
            /* one program serves the spec's points only if it is at the same place in each */
            if (!first)
                first = f;
            else if (!same_place(f, first))
                s->split = true;
        }
    }
    regroup(check_probe(c)->specs, n->sval);
    n->in_ctx = true;
    n->ty = ty;
    return true;
}

/* argN read through (->, [], *): a pointer to a struct where every point's
 * kind says from BTF that it is one, and the same one. Only then: asking
 * costs a kprobe the load of the kernel's BTF, which `print arg1` need not
 * pay. */
static void arg_type(struct check *c, struct ast_node *n)
{
    if (n->kind != N_IDENT || n->bi != BI_ARG || n->ty.kind != TY_INT)
        return;
    unsigned to = 0;
    bool user = false;
    for (const struct ast_spec *s = check_probe(c)->specs; s; s = s->next)
        for (int i = 0; i < s->points.n; i++) {
            struct kbtf_type t, p;
            unsigned id = s->kind->arg_btf ? s->kind->arg_btf(s->points.v[i], (int)n->ival) : 0;
            if (!id || !kbtf_resolve(id, &t) || t.kind != KBTF_PTR || !kbtf_resolve(t.target, &p) ||
                (p.kind != KBTF_STRUCT && p.kind != KBTF_UNION) || (to && p.id != to))
                return;
            to = p.id;
            user = t.user;
        }
    if (to)
        n->ty = ty_ptr(to, user);
}

/* The bytes a pointer to `pointee` steps by: what it points to's size, 1
 * for void (as GCC has it). */
static unsigned step_of(unsigned pointee)
{
    struct kbtf_type t;
    if (!pointee || !kbtf_resolve(pointee, &t) || t.kind == KBTF_VOID || !t.size)
        return 1;
    return t.size;
}

bool check_pointer_arith(struct check *c, struct ast_node *n)
{
    (void)c;
    struct ty l = n->a->ty, r = n->b->ty;
    if (n->op != OP_ADD && n->op != OP_SUB)
        return false;
    if (l.kind == TY_PTR && r.kind == TY_INT) { /* p + i, p - i */
        n->ty = l;
        n->ival = step_of(l.btf);
        return true;
    }
    if (n->op == OP_ADD && l.kind == TY_INT && r.kind == TY_PTR) { /* i + p */
        n->ty = r;
        n->ival = step_of(r.btf);
        return true;
    }
    if (n->op == OP_SUB && l.kind == TY_PTR && r.kind == TY_PTR && l.btf == r.btf) {
        n->ty = ty_int64(true); /* elements between them */
        n->ival = step_of(l.btf);
        return true;
    }
    return false;
}

/* "did you mean" among a record's members. */
static void member_hint(struct check *c, unsigned rec, const char *name)
{
    struct kbtf_member m[512];
    const char *names[512];
    int n = kbtf_members(rec, m, 512);
    if (n > 512)
        n = 512;
    for (int i = 0; i < n; i++)
        names[i] = m[i].name;
    const char *best = probe_closest(name, names, n);
    if (best)
        diag_note(check_src(c), "did you mean '%s'?", best);
}

/* p->f, s.f: the record is the one a points to, or a itself. */
static bool check_btf_member(struct check *c, struct ast_node *n)
{
    struct ast_node *a = n->a;
    char buf[256];
    if (!check_expr(c, a))
        return false;
    arg_type(c, a);
    struct ty at = a->ty;
    unsigned rec;
    if (n->arrow) {
        if (at.kind == TY_RECORD) {
            diag_error(check_src(c), n->loc,
                       "'->' reads through a pointer, but this is a %s: write .%s",
                       tname(at.btf, buf, sizeof(buf)), n->sval);
            return false;
        }
        if (at.kind != TY_PTR) {
            diag_error(check_src(c), n->loc,
                       "'->' reads through a pointer to a struct, not through %s",
                       check_ty_desc(at, buf, sizeof(buf)));
            if (at.kind == TY_INT)
                diag_note(check_src(c),
                          "cast an address to a pointer first: ((struct NAME *)%s)->%s", "addr",
                          n->sval);
            return false;
        }
        rec = at.btf;
    } else {
        if (at.kind == TY_PTR) {
            diag_error(check_src(c), n->loc,
                       "'.' reads a member of a struct, but this is a pointer (%s *): write ->%s",
                       tname(at.btf, buf, sizeof(buf)), n->sval);
            return false;
        }
        if (at.kind != TY_RECORD) {
            diag_error(check_src(c), n->loc, "'.' reads a member of a struct, not of %s",
                       check_ty_desc(at, buf, sizeof(buf)));
            return false;
        }
        if (!(a->kind == N_MEMBER && !a->in_ctx) && a->kind != N_INDEX && a->kind != N_DEREF) {
            diag_error(check_src(c), n->loc,
                       "a member of a struct kept in a map or a variable cannot be read yet");
            diag_note(check_src(c), "read the member where the struct is: p->a.b");
            return false;
        }
        rec = at.btf;
    }
    struct kbtf_type rt;
    if (!kbtf_resolve(rec, &rt) || (rt.kind != KBTF_STRUCT && rt.kind != KBTF_UNION)) {
        diag_error(check_src(c), n->loc, "%s is a pointer to %s, which has no members",
                   a->kind == N_VAR ? a->sval : "this", tname(rec, buf, sizeof(buf)));
        return false;
    }
    struct kbtf_member m;
    if (!kbtf_member_find(rt.id, n->sval, &m)) {
        struct tp_loc l = n->loc;
        l.first_column = l.last_column - (int)strlen(n->sval) + 1;
        l.first_line = l.last_line;
        diag_error(check_src(c), l, "%s has no member '%s'", tname(rt.id, buf, sizeof(buf)),
                   n->sval);
        member_hint(c, rt.id, n->sval);
        return false;
    }
    struct ty t = ty_of(c, n, m.type, at.user);
    if (t.kind == TY_NONE)
        return false;
    if (m.bit_size && t.kind != TY_INT) {
        diag_error(check_src(c), n->loc, "member '%s' is a bitfield that is not an integer",
                   n->sval);
        return false;
    }
    if (!m.bit_size && m.bit_off % 8) {
        diag_error(check_src(c), n->loc, "member '%s' does not start on a byte", n->sval);
        return false;
    }
    n->bit_off = m.bit_off;
    n->bit_size = m.bit_size;
    n->ty = t;
    return true;
}

static bool check_member(struct check *c, struct ast_node *n)
{
    if (n->a->kind == N_IDENT && strcmp(n->a->sval, "args") == 0)
        return check_ctx_field(c, n);
    if (!need_btf(c, n, "reading a struct's member"))
        return false;
    return check_btf_member(c, n);
}

/* What an element of array or pointer `t` is: its BTF id, and how many
 * (0 for a pointer, which does not say). */
static bool element(struct check *c, const struct ast_node *n, struct ty t, unsigned *elem,
                    unsigned *count)
{
    char buf[256];
    if (t.kind == TY_PTR) {
        *elem = t.btf;
        *count = 0;
        struct kbtf_type e;
        if (!t.btf || !kbtf_resolve(t.btf, &e) || e.kind == KBTF_VOID) {
            diag_error(check_src(c), n->loc, "cannot read through a void pointer: cast it first");
            return false;
        }
        return true;
    }
    struct kbtf_type a;
    if ((t.kind == TY_ARRAY || t.kind == TY_STR) && t.btf && kbtf_resolve(t.btf, &a) &&
        a.kind == KBTF_ARRAY) {
        *elem = a.target;
        *count = a.count;
        return true;
    }
    diag_error(check_src(c), n->loc,
               "'[]' reads an element of an array or through a pointer, not of %s",
               check_ty_desc(t, buf, sizeof(buf)));
    return false;
}

/* a[i] */
static bool check_index(struct check *c, struct ast_node *n)
{
    bool ok = check_expr(c, n->a);
    ok = check_expr(c, n->b) && ok;
    if (!ok)
        return false;
    arg_type(c, n->a);
    unsigned elem, count;
    if (!element(c, n->a, n->a->ty, &elem, &count) || !check_want(c, n->b, TY_INT, "an index"))
        return false;
    if (n->b->kind == N_INT && count && (n->b->ival < 0 || (uint64_t)n->b->ival >= count)) {
        diag_error(check_src(c), n->b->loc, "index %lld is out of the array's %u elements",
                   (long long)n->b->ival, count);
        return false;
    }
    n->ty = ty_of(c, n, elem, n->a->ty.user);
    return n->ty.kind != TY_NONE;
}

/* *p */
static bool check_deref(struct check *c, struct ast_node *n)
{
    char buf[256];
    if (!check_expr(c, n->a))
        return false;
    arg_type(c, n->a);
    if (n->a->ty.kind != TY_PTR) {
        diag_error(check_src(c), n->loc, "'*' reads through a pointer, not through %s",
                   check_ty_desc(n->a->ty, buf, sizeof(buf)));
        return false;
    }
    unsigned elem, count;
    if (!element(c, n, n->a->ty, &elem, &count))
        return false;
    n->ty = ty_of(c, n, elem, n->a->ty.user);
    return n->ty.kind != TY_NONE;
}

/* The kernel's id of an integer type of `size` bytes (its typedef u8..s64),
 * for pointers to integers. */
static unsigned int_id(int size, bool is_signed)
{
    char name[8];
    snprintf(name, sizeof(name), "%c%d", is_signed ? 's' : 'u', size * 8);
    return kbtf_find_typedef(name);
}

/* The type a tname names: for a cast (a pointer or an integer), for sizeof
 * and offsetof (a record too). */
static bool resolve_tname(struct check *c, const struct ast_tname *tn, struct ty *out)
{
    char buf[256];
    if (tn->stars > 1) {
        diag_error(check_src(c), tn->loc,
                   "a pointer to a pointer cannot be named: cast to one level, (%s %s *)",
                   tn->kind == TN_UNION ? "union" : "struct", tn->name ? tn->name : "NAME");
        return false;
    }
    if (tn->kind == TN_INT && !tn->stars) {
        *out = ty_int(tn->size, tn->is_signed);
        return true;
    }
    struct ast_node at = {.loc = tn->loc};
    if (!need_btf(c, &at, tn->kind == TN_INT ? "a pointer to an integer" : "naming a struct"))
        return false;
    unsigned id;
    if (tn->kind == TN_INT) {
        id = int_id(tn->size, tn->is_signed);
    } else {
        id = kbtf_find_record(tn->name, tn->kind == TN_UNION);
        if (!id) {
            const char *kind = tn->kind == TN_UNION ? "union" : "struct";
            diag_error(check_src(c), tn->loc, "this kernel has no %s %s", kind, tn->name);
            int nn;
            char **names = kbtf_record_names(tn->kind == TN_UNION, &nn);
            const char *best = probe_closest(tn->name, (const char *const *)names, nn);
            if (best) {
                snprintf(buf, sizeof(buf), "%s", best);
                diag_note(check_src(c), "did you mean '%s %s'?", kind, buf);
            }
            for (int i = 0; i < nn; i++)
                free(names[i]);
            free(names);
            return false;
        }
    }
    if (tn->stars) {
        *out = ty_ptr(id, false);
        return true;
    }
    struct kbtf_type t;
    kbtf_resolve(id, &t);
    *out = (struct ty){.kind = TY_RECORD, .size = (int)t.size, .btf = id, .rec = -1};
    return true;
}

/* (tname) a */
static bool check_cast(struct check *c, struct ast_node *n)
{
    char buf[256];
    struct ty to;
    if (!check_expr(c, n->a) || !resolve_tname(c, n->tname, &to))
        return false;
    if (to.kind == TY_RECORD) {
        diag_error(check_src(c), n->tname->loc,
                   "cannot cast to a %s: cast to a pointer to it, (%s *)",
                   tname(to.btf, buf, sizeof(buf)), tname(to.btf, buf, sizeof(buf)));
        return false;
    }
    if (!ty_is_scalar(n->a->ty)) {
        diag_error(check_src(c), n->a->loc, "only an integer or a pointer can be cast, not %s",
                   check_ty_desc(n->a->ty, buf, sizeof(buf)));
        return false;
    }
    if (to.kind == TY_PTR)
        to.user = n->a->ty.kind == TY_PTR ? n->a->ty.user : probe_is_user(c);
    n->ty = to;
    return true;
}

/* sizeof(tname), sizeof(expr): a literal */
static bool check_sizeof(struct check *c, struct ast_node *n)
{
    struct ty t;
    if (n->tname) {
        if (!resolve_tname(c, n->tname, &t))
            return false;
    } else {
        if (!check_expr(c, n->a))
            return false;
        t = n->a->ty;
        if (t.kind != TY_INT && t.kind != TY_PTR && t.kind != TY_RECORD && t.kind != TY_STR &&
            t.kind != TY_ARRAY) {
            char buf[256];
            diag_error(check_src(c), n->a->loc, "sizeof() of %s",
                       check_ty_desc(t, buf, sizeof(buf)));
            return false;
        }
    }
    n->kind = N_INT;
    n->a = NULL;              /* a literal now: codegen does not read the expression */
    n->ival = ty_mem_size(t); /* as C's sizeof says */
    n->ty = ty_int64(false);
    return true;
}

/* offsetof(struct X, a.b): a literal */
static bool check_offsetof(struct check *c, struct ast_node *n)
{
    char buf[256];
    struct ty t;
    if (!resolve_tname(c, n->tname, &t))
        return false;
    if (t.kind != TY_RECORD) {
        diag_error(check_src(c), n->tname->loc, "offsetof() takes a struct or a union, not %s",
                   check_ty_desc(t, buf, sizeof(buf)));
        return false;
    }
    unsigned rec = t.btf, bits = 0;
    char path[256];
    snprintf(path, sizeof(path), "%s", n->sval);
    for (char *part = strtok(path, "."); part; part = strtok(NULL, ".")) {
        struct kbtf_type rt;
        struct kbtf_member m;
        if (!kbtf_resolve(rec, &rt) || (rt.kind != KBTF_STRUCT && rt.kind != KBTF_UNION)) {
            diag_error(check_src(c), n->loc, "offsetof(): '%s' is in %s, which has no members",
                       part, tname(rec, buf, sizeof(buf)));
            return false;
        }
        if (!kbtf_member_find(rt.id, part, &m)) {
            diag_error(check_src(c), n->loc, "%s has no member '%s'",
                       tname(rt.id, buf, sizeof(buf)), part);
            member_hint(c, rt.id, part);
            return false;
        }
        if (m.bit_size) {
            diag_error(check_src(c), n->loc, "offsetof() of a bitfield, '%s'", part);
            return false;
        }
        bits += m.bit_off;
        rec = m.type;
    }
    n->kind = N_INT;
    n->ival = bits / 8;
    n->ty = ty_int64(false);
    return true;
}

bool check_access(struct check *c, struct ast_node *n)
{
    switch (n->kind) {
    case N_MEMBER: return check_member(c, n);
    case N_INDEX: return check_index(c, n);
    case N_DEREF: return check_deref(c, n);
    case N_CAST: return check_cast(c, n);
    case N_SIZEOF: return check_sizeof(c, n);
    case N_OFFSETOF: return check_offsetof(c, n);
    default: return false;
    }
}

/* Records kept as values: their layouts in the plan. */

struct layout {
    struct check *c;
    int fields; /* so far, all records' */
};

static int layout_record(struct layout *l, unsigned id, int depth);

/* The printed type of a member of type `id`: false to leave it out (what
 * no printer shows: functions, floats, nameless or empty arrays). */
static bool field_of(struct layout *l, unsigned id, int depth, struct plan_field *f)
{
    struct kbtf_type t;
    if (!kbtf_resolve(id, &t))
        return false;
    switch (t.kind) {
    case KBTF_INT:
    case KBTF_ENUM:
        if (t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8)
            return false;
        f->ty = ty_int((int)t.size, t.is_signed);
        return true;
    case KBTF_PTR: f->ty = ty_ptr(0, false); return true;
    case KBTF_STRUCT:
    case KBTF_UNION: {
        int rec = layout_record(l, t.id, depth + 1);
        if (rec < 0)
            return false;
        f->ty = (struct ty){.kind = TY_RECORD, .size = (int)t.size, .rec = rec};
        return true;
    }
    case KBTF_ARRAY: {
        struct kbtf_type e;
        if (!t.count || !kbtf_resolve(t.target, &e))
            return false;
        if (t.is_text) {
            f->ty = ty_str((int)t.count);
            return true;
        }
        struct plan_field ef = {0};
        if (e.kind == KBTF_ARRAY || !field_of(l, t.target, depth, &ef))
            return false;
        f->ty = ef.ty;
        f->count = t.count;
        return true;
    }
    default: return false;
    }
}

/* Lays out record `id` in the plan (once): its index, or -1 past a bound. */
static int layout_record(struct layout *l, unsigned id, int depth)
{
    struct plan *p = check_plan(l->c);
    for (int i = 0; i < p->nrecords; i++)
        if (p->records[i].btf == id)
            return i;
    if (depth > PLAN_RECORD_DEPTH)
        return -1;
    struct kbtf_member *ms = xcalloc(PLAN_RECORD_FIELDS, sizeof(*ms));
    int n = kbtf_members(id, ms, PLAN_RECORD_FIELDS);
    if (n > PLAN_RECORD_FIELDS || l->fields + n > PLAN_RECORD_FIELDS) {
        free(ms);
        return -1;
    }
    l->fields += n;
    struct plan_field *fields = arena_alloc(p->arena, (size_t)(n ? n : 1) * sizeof(*fields));
    int nf = 0;
    for (int i = 0; i < n; i++) {
        struct plan_field f = {.off = ms[i].bit_off / 8};
        if (!field_of(l, ms[i].type, depth, &f))
            continue;
        if (ms[i].bit_size) {
            if (f.ty.kind != TY_INT || f.count)
                continue;
            f.bit_off = (unsigned char)(ms[i].bit_off % 8);
            f.bit_size = (unsigned char)ms[i].bit_size;
        }
        f.name = arena_strndup(p->arena, ms[i].name, strlen(ms[i].name));
        fields[nf++] = f;
    }
    free(ms);
    /* nested records were added while this one was laid out: its index is now */
    p->records = check_grow(p->arena, p->records, p->nrecords, &p->caprecords, sizeof(*p->records));
    struct kbtf_type t;
    kbtf_resolve(id, &t);
    char name[256];
    tname(id, name, sizeof(name));
    p->records[p->nrecords] = (struct plan_record){
        .name = arena_strndup(p->arena, name, strlen(name)),
        .btf = id,
        .size = t.size,
        .fields = fields,
        .nfields = nf,
    };
    return p->nrecords++;
}

bool check_enum_names(struct check *c, struct ast_node *n)
{
    struct plan *p = check_plan(c);
    if (n->ty.kind != TY_INT || !n->ty.btf)
        return false;
    for (int i = 0; i < p->nenums; i++)
        if (p->enums[i].btf == n->ty.btf) {
            n->ty.rec = i + 1;
            return true;
        }
    const char **names = xcalloc(PLAN_ENUM_MAX, sizeof(*names));
    int64_t *values = xcalloc(PLAN_ENUM_MAX, sizeof(*values));
    int k = kbtf_enum_values(n->ty.btf, names, values, PLAN_ENUM_MAX);
    if (k > PLAN_ENUM_MAX)
        k = PLAN_ENUM_MAX;
    struct plan_enum e = {.btf = n->ty.btf, .n = k};
    e.names = arena_alloc(p->arena, (size_t)(k ? k : 1) * sizeof(*e.names));
    e.values = arena_alloc(p->arena, (size_t)(k ? k : 1) * sizeof(*e.values));
    for (int i = 0; i < k; i++) {
        e.names[i] = arena_strndup(p->arena, names[i], strlen(names[i]));
        e.values[i] = values[i];
    }
    free(names);
    free(values);
    p->enums = check_grow(p->arena, p->enums, p->nenums, &p->capenums, sizeof(*p->enums));
    p->enums[p->nenums++] = e;
    n->ty.rec = p->nenums;
    return true;
}

bool check_record_value(struct check *c, struct ast_node *n)
{
    char buf[256];
    if (n->ty.kind == TY_ARRAY) {
        diag_error(check_src(c), n->loc, "a %s is read an element at a time: %s[i]",
                   tname(n->ty.btf, buf, sizeof(buf)), n->kind == N_MEMBER ? n->sval : "a");
        return false;
    }
    if (n->ty.kind != TY_RECORD)
        return true;
    if (n->ty.size > PLAN_RECORD_MAX) {
        diag_error(check_src(c), n->loc,
                   "a %s is %d bytes: the largest struct kept or printed is %d",
                   tname(n->ty.btf, buf, sizeof(buf)), n->ty.size, PLAN_RECORD_MAX);
        diag_note(check_src(c), "print the members you need");
        return false;
    }
    struct layout l = {.c = c};
    n->ty.rec = layout_record(&l, n->ty.btf, 0);
    if (n->ty.rec < 0) {
        diag_error(check_src(c), n->loc,
                   "a %s has more than %d members or %d levels of nesting to print",
                   tname(n->ty.btf, buf, sizeof(buf)), PLAN_RECORD_FIELDS, PLAN_RECORD_DEPTH);
        diag_note(check_src(c), "print the members you need");
        return false;
    }
    return true;
}
