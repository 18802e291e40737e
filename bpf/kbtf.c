#include <stddef.h>

#include "bpf/kbtf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stdlib.h>

#include <bpf/btf.h>

#include "bpf/probe.h"
#include "lang/xalloc.h"

static struct btf *vmlinux;
static struct btf_dump *dump; /* kept: making one costs a pass over every type */

static bool load(char *why, size_t whylen)
{
    if (!vmlinux) {
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
    int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
    const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
    while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
        t = btf__type_by_id(vmlinux, t->type);
    if (!t || !btf_is_func_proto(t)) {
        snprintf(why, whylen, "this kernel's BTF has no %s", name);
        return -1;
    }
    return params(t, skip, false, pt, why, whylen);
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

char **kbtf_func_names(int *n, char *why, size_t whylen)
{
    *n = 0;
    if (!load(why, whylen))
        return NULL;
    int cap = 0, count = (int)btf__type_cnt(vmlinux);
    char **names = NULL;
    for (int id = 1; id < count; id++) {
        const struct btf_type *t = btf__type_by_id(vmlinux, id);
        if (!btf_is_func(t))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 4096;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[(*n)++] = xstrdup(btf__name_by_offset(vmlinux, t->name_off));
    }
    return names;
}

void kbtf_free(void)
{
    btf_dump__free(dump);
    dump = NULL;
    btf__free(vmlinux);
    vmlinux = NULL;
}
