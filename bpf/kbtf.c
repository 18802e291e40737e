#include <stddef.h>

#include "bpf/kbtf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stdlib.h>

#include <bpf/btf.h>

#include "bpf/probe.h"
#include "lang/xalloc.h"

static struct btf *vmlinux;
static struct btf_dump *dump; /* kept: making one costs a pass over every type */

/* The kernel's BTF through mmap, where the kernel allows it (Linux 6.16):
 * reading its 5 MB through read() costs more than parsing it. NULL where it
 * does not, for libbpf to read it. */
static struct btf *map_vmlinux(void)
{
    int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return NULL;
    struct btf *b = NULL;
    /* bounded: a BTF larger than this is not a kernel's */
    if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (1 << 30)) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            b = btf__new(p, (__u32)st.st_size); /* a copy: p can go */
            munmap(p, (size_t)st.st_size);
        }
    }
    close(fd);
    return b; /* NULL on an error, as libbpf 1.0 returns them */
}

/* The kernel's BTF, or the file TINYPROBE_BTF names (as bpftrace's
 * BPFTRACE_BTF): another kernel's, or none at all, for tests. */
static bool load(char *why, size_t whylen)
{
    if (vmlinux)
        return true;
    const char *path = getenv("TINYPROBE_BTF");
    if (path && *path) {
        vmlinux = btf__parse(path, NULL);
        if (!vmlinux)
            snprintf(why, whylen, "cannot read BTF from %s (TINYPROBE_BTF): %s", path,
                     strerror(errno));
        return vmlinux != NULL;
    }
    vmlinux = map_vmlinux();
    if (!vmlinux)
        vmlinux = btf__load_vmlinux_btf();
    if (!vmlinux && access("/sys/kernel/btf/vmlinux", F_OK)) {
        snprintf(why, whylen, "this kernel has no BTF: /sys/kernel/btf/vmlinux is missing");
        return false;
    }
    if (!vmlinux) {
        snprintf(why, whylen, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
                 strerror(errno));
        return false;
    }
    return true;
}

int kbtf_member(const char *name, const char *member, int *size, char *why, size_t whylen)
{
    if (!load(why, whylen))
        return -1;
    int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_STRUCT);
    const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
    if (!t) {
        snprintf(why, whylen, "this kernel's BTF has no struct %s", name);
        return -1;
    }
    const struct btf_member *m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); i++, m++) {
        if (strcmp(btf__name_by_offset(vmlinux, m->name_off), member) != 0)
            continue;
        if (btf_member_bitfield_size(t, i)) /* not a whole number of bytes */
            break;
        long sz = btf__resolve_size(vmlinux, m->type);
        *size = sz > 0 ? (int)sz : 0;
        return (int)(btf_member_bit_offset(t, i) / 8);
    }
    snprintf(why, whylen, "this kernel's struct %s has no member %s", name, member);
    return -1;
}

/* btf_dump's output, gathered into a string. */
struct decl {
    char buf[256];
    size_t len;
};

static void gather(void *ctx, const char *fmt, va_list ap)
{
    struct decl *d = ctx;
    if (d->len < sizeof(d->buf) - 1) {
        int n = vsnprintf(d->buf + d->len, sizeof(d->buf) - d->len, fmt, ap);
        if (n > 0)
            d->len += (size_t)n;
        if (d->len > sizeof(d->buf) - 1)
            d->len = sizeof(d->buf) - 1;
    }
}

/* The C declaration of `name` of type `type` into decl.buf, as the kernel's
 * headers would write it; with no name, only makes the dumper. */
static struct decl decl;
static bool declare(__u32 type, const char *name)
{
    if (!dump)
        dump = btf_dump__new(vmlinux, gather, &decl, NULL);
    if (!dump || !name)
        return dump != NULL;
    decl.len = 0;
    decl.buf[0] = 0;
    LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = name);
    return btf_dump__emit_type_decl(dump, type, &o) == 0;
}

/* A parameter's width and sign, where args.NAME can read it as an integer:
 * integers, enums and pointers (FIELD_INT); anything else FIELD_OTHER. */
static void param_type(__u32 type, struct probe_field *f)
{
    const struct btf_type *t = btf__type_by_id(vmlinux, type);
    while (t && (btf_is_typedef(t) || btf_is_mod(t)))
        t = btf__type_by_id(vmlinux, t->type);
    f->kind = FIELD_OTHER;
    f->size = 8;
    if (t && btf_is_int(t) && t->size <= 8 && (t->size & (t->size - 1)) == 0) {
        f->kind = FIELD_INT;
        f->size = (int)t->size;
        f->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
    } else if (t && (btf_is_enum(t) || btf_is_enum64(t)) && t->size <= 8) {
        f->kind = FIELD_INT;
        f->size = (int)t->size;
        f->is_signed = btf_kflag(t);
    } else if (t && btf_is_ptr(t)) {
        f->kind = FIELD_INT;
    }
}

/* The parameters of a function prototype, after the first `skip`, added to
 * pt->fields at 8 bytes each (the context of raw tracepoints, fentry and
 * fexit): their number, or -1. */
static int params(const struct btf_type *proto, int skip, bool typed, struct probe_point *pt,
                  char *why, size_t whylen)
{
    int n = btf_vlen(proto) - skip;
    if (n <= 0)
        return 0;
    if (!declare(0, NULL)) {
        snprintf(why, whylen, "cannot print BTF types: %s", strerror(errno));
        return -1;
    }
    pt->fields = xcalloc(n, sizeof(*pt->fields));
    const struct btf_param *p = btf_params(proto) + skip;
    for (int i = 0; i < n; i++, p++) {
        const char *pname = btf__name_by_offset(vmlinux, p->name_off);
        char fallback[16];
        if (!pname || !*pname) {
            snprintf(fallback, sizeof(fallback), "arg%d", i + 1);
            pname = fallback;
        }
        declare(p->type, pname);
        struct probe_field *f = &pt->fields[pt->nfields++];
        f->name = xstrdup(pname);
        f->decl = xstrdup(decl.buf);
        f->kind = FIELD_OTHER;
        f->offset = 8 * i;
        f->size = 8;
        f->btf = p->type;
        if (typed)
            param_type(p->type, f);
    }
    return n;
}

int kbtf_typedef_params(const char *name, int skip, struct probe_point *pt, char *why,
                        size_t whylen)
{
    if (!load(why, whylen))
        return -1;
    /* the typedef's prototype has no parameter names; the functions that
     * call the event's probes have them, after the same context */
    static const char *const callers[] = {"__traceiter_", "__probestub_"};
    if (strncmp(name, "btf_trace_", 10) == 0)
        for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
            char fn[256];
            snprintf(fn, sizeof(fn), "%s%s", callers[i], name + 10);
            int id = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC);
            const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
            t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
            if (t && btf_is_func_proto(t))
                return params(t, skip, true, pt, why, whylen);
        }
    int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
    const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
    while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
        t = btf__type_by_id(vmlinux, t->type);
    if (!t || !btf_is_func_proto(t)) {
        snprintf(why, whylen, "this kernel's BTF has no %s", name);
        return -1;
    }
    return params(t, skip, true, pt, why, whylen);
}

int kbtf_func_params(const char *func, struct probe_point *pt, char *ret, size_t retlen, char *why,
                     size_t whylen)
{
    if (!load(why, whylen))
        return -1;
    int id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
    const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
    t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
    if (!t || !btf_is_func_proto(t)) {
        snprintf(why, whylen, "this kernel's BTF has no function '%s'", func);
        return -1;
    }
    int n = params(t, 0, true, pt, why, whylen);
    if (n < 0)
        return -1;
    ret[0] = 0;
    if (t->type && declare(t->type, "retval"))
        snprintf(ret, retlen, "%s", decl.buf);
    return n;
}

/* The names of every type of BTF kind `kind`, unsorted. */
static char **names_of(int kind, int *n)
{
    int cap = 0, count = (int)btf__type_cnt(vmlinux);
    char **names = NULL;
    for (int id = 1; id < count; id++) {
        const struct btf_type *t = btf__type_by_id(vmlinux, id);
        if (btf_kind(t) != kind || !t->name_off)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 4096;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[(*n)++] = xstrdup(btf__name_by_offset(vmlinux, t->name_off));
    }
    return names;
}

unsigned kbtf_func_param(const char *func, int n)
{
    if (!load(NULL, 0))
        return 0;
    int id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
    const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
    t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
    if (!t || !btf_is_func_proto(t) || n < 1 || n > btf_vlen(t))
        return 0;
    return btf_params(t)[n - 1].type;
}

char **kbtf_func_names(int *n, char *why, size_t whylen)
{
    *n = 0;
    return load(why, whylen) ? names_of(BTF_KIND_FUNC, n) : NULL;
}

bool kbtf_ready(char *why, size_t whylen)
{
    return load(why, whylen);
}

/* Past typedefs and qualifiers; whether a type tag "user" was among them. */
static const struct btf_type *skip_mods(unsigned *id, bool *user)
{
    const struct btf_type *t = btf__type_by_id(vmlinux, *id);
    /* bounded: a hostile BTF could loop */
    for (int i = 0; t && i < 64 && (btf_is_typedef(t) || btf_is_mod(t)); i++) {
        if (user && btf_is_type_tag(t) &&
            strcmp(btf__name_by_offset(vmlinux, t->name_off), "user") == 0)
            *user = true;
        *id = t->type;
        t = *id ? btf__type_by_id(vmlinux, *id) : NULL;
    }
    return t && (btf_is_typedef(t) || btf_is_mod(t)) ? NULL : t;
}

bool kbtf_resolve(unsigned id, struct kbtf_type *out)
{
    memset(out, 0, sizeof(*out));
    if (!vmlinux)
        return false;
    if (id == 0) {
        out->kind = KBTF_VOID;
        return true;
    }
    const struct btf_type *t = skip_mods(&id, NULL);
    if (!t) {
        out->kind = KBTF_VOID; /* a typedef of void */
        return id == 0;
    }
    out->id = id;
    out->kind = KBTF_OTHER;
    if (btf_is_int(t)) {
        out->kind = KBTF_INT;
        out->size = t->size;
        out->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
    } else if (btf_is_enum(t) || btf_is_enum64(t)) {
        out->kind = KBTF_ENUM;
        out->size = t->size;
        out->is_signed = btf_kflag(t);
    } else if (btf_is_ptr(t)) {
        out->kind = KBTF_PTR;
        out->size = 8;
        unsigned target = t->type;
        /* the tag sits between the pointer and its pointee: int __user * */
        const struct btf_type *p = target ? btf__type_by_id(vmlinux, target) : NULL;
        for (int i = 0; p && i < 64 && btf_is_mod(p); i++) {
            if (btf_is_type_tag(p) &&
                strcmp(btf__name_by_offset(vmlinux, p->name_off), "user") == 0)
                out->user = true;
            p = p->type ? btf__type_by_id(vmlinux, p->type) : NULL;
        }
        out->target = target;
    } else if (btf_is_struct(t) || btf_is_union(t)) {
        out->kind = btf_is_struct(t) ? KBTF_STRUCT : KBTF_UNION;
        out->size = t->size;
    } else if (btf_is_array(t)) {
        const struct btf_array *a = btf_array(t);
        out->kind = KBTF_ARRAY;
        out->target = a->type;
        out->count = a->nelems;
        /* past qualifiers only: a typedef such as u8 says bytes */
        const struct btf_type *e = btf__type_by_id(vmlinux, a->type);
        for (int i = 0; e && i < 64 && btf_is_mod(e); i++)
            e = btf__type_by_id(vmlinux, e->type);
        out->is_text = e && btf_is_int(e) && e->size == 1 &&
                       strstr(btf__name_by_offset(vmlinux, e->name_off), "char");
        long sz = btf__resolve_size(vmlinux, id);
        out->size = sz > 0 ? (unsigned)sz : 0;
    }
    return true;
}

unsigned kbtf_find_record(const char *name, bool is_union)
{
    if (!vmlinux)
        return 0;
    int id = btf__find_by_name_kind(vmlinux, name, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
    return id > 0 ? (unsigned)id : 0;
}

unsigned kbtf_find_typedef(const char *name)
{
    if (!vmlinux)
        return 0;
    int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
    return id > 0 ? (unsigned)id : 0;
}

char **kbtf_record_names(bool is_union, int *n)
{
    *n = 0;
    return vmlinux ? names_of(is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT, n) : NULL;
}

/* Depth-first through anonymous members, at most `depth` deep: calls back
 * each named member with its offset from the outer record; stops (true)
 * when the callback says so. */
struct walk {
    const char *want;      /* a name to find, or NULL to list */
    struct kbtf_member *m; /* found, or the list */
    int n, max;
};

static bool walk(struct walk *w, unsigned rec, unsigned base, int depth)
{
    const struct btf_type *t = skip_mods(&rec, NULL);
    if (!t || !(btf_is_struct(t) || btf_is_union(t)) || depth > 8)
        return false;
    const struct btf_member *m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); i++, m++) {
        const char *name = btf__name_by_offset(vmlinux, m->name_off);
        unsigned off = base + (unsigned)btf_member_bit_offset(t, i);
        if (!name || !*name) {
            if (walk(w, m->type, off, depth + 1))
                return true;
            continue;
        }
        struct kbtf_member mm = {name, m->type, off, (unsigned)btf_member_bitfield_size(t, i)};
        if (w->want) {
            if (strcmp(name, w->want) == 0) {
                *w->m = mm;
                return true;
            }
        } else {
            if (w->n < w->max)
                w->m[w->n] = mm;
            w->n++;
        }
    }
    return false;
}

bool kbtf_member_find(unsigned rec, const char *name, struct kbtf_member *m)
{
    struct walk w = {.want = name, .m = m};
    return vmlinux && walk(&w, rec, 0, 0);
}

int kbtf_members(unsigned rec, struct kbtf_member *m, int max)
{
    struct walk w = {.m = m, .max = max};
    if (vmlinux)
        walk(&w, rec, 0, 0);
    return w.n;
}

int kbtf_enum_values(unsigned id, const char **names, int64_t *values, int max)
{
    const struct btf_type *t = vmlinux ? skip_mods(&id, NULL) : NULL;
    if (!t || !(btf_is_enum(t) || btf_is_enum64(t)))
        return 0;
    int n = btf_vlen(t);
    for (int i = 0; i < n && i < max; i++) {
        if (btf_is_enum(t)) {
            const struct btf_enum *e = btf_enum(t) + i;
            names[i] = btf__name_by_offset(vmlinux, e->name_off);
            values[i] = btf_kflag(t) ? (int64_t)(int32_t)e->val : (int64_t)(uint32_t)e->val;
        } else {
            const struct btf_enum64 *e = btf_enum64(t) + i;
            names[i] = btf__name_by_offset(vmlinux, e->name_off);
            values[i] = (int64_t)btf_enum64_value(e);
        }
    }
    return n;
}

const char *kbtf_type_name(unsigned id, char *buf, size_t len)
{
    snprintf(buf, len, id ? "?" : "void");
    if (!vmlinux || !id)
        return buf;
    const struct btf_type *t = btf__type_by_id(vmlinux, id);
    if (t && (btf_is_struct(t) || btf_is_union(t)) && !t->name_off) {
        /* btf_dump would spell out its members */
        snprintf(buf, len, "%s (anonymous)", btf_is_struct(t) ? "struct" : "union");
        return buf;
    }
    if (declare(0, NULL) && declare(id, "")) {
        /* "struct task_struct *" reads better than btf_dump's "struct task_struct*" */
        size_t n = decl.len;
        while (n && decl.buf[n - 1] == ' ')
            n--;
        snprintf(buf, len, "%.*s", (int)n, decl.buf);
    }
    return buf;
}

unsigned kbtf_decl_pointee(const char *decl)
{
    /* "[const ]struct NAME *[ *...] field": only a pointer to a record,
     * once; what else a format file declares is read as an integer */
    const char *s = decl;
    if (strncmp(s, "const ", 6) == 0)
        s += 6;
    bool is_union = strncmp(s, "union ", 6) == 0;
    if (!is_union && strncmp(s, "struct ", 7) != 0)
        return 0;
    s += is_union ? 6 : 7;
    char name[128];
    size_t n = strcspn(s, " *");
    if (n == 0 || n >= sizeof(name))
        return 0;
    memcpy(name, s, n);
    name[n] = 0;
    s += n;
    s += strspn(s, " ");
    if (*s != '*' || strchr(s + 1, '*') || !load(NULL, 0))
        return 0;
    return kbtf_find_record(name, is_union);
}

void kbtf_free(void)
{
    btf_dump__free(dump);
    dump = NULL;
    btf__free(vmlinux);
    vmlinux = NULL;
}
