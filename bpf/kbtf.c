#include <stddef.h>

#include "bpf/kbtf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
        if (!vmlinux) {
            snprintf(why, whylen, "this kernel has no BTF (/sys/kernel/btf/vmlinux): %s",
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
    int n = btf_vlen(t) - skip;
    if (n <= 0)
        return 0;
    static struct decl d;
    if (!dump)
        dump = btf_dump__new(vmlinux, gather, &d, NULL);
    if (!dump) {
        snprintf(why, whylen, "cannot print BTF types: %s", strerror(errno));
        return -1;
    }
    pt->fields = xcalloc(n, sizeof(*pt->fields));
    const struct btf_param *p = btf_params(t) + skip;
    for (int i = 0; i < n; i++, p++) {
        const char *pname = btf__name_by_offset(vmlinux, p->name_off);
        char fallback[16];
        if (!pname || !*pname) {
            snprintf(fallback, sizeof(fallback), "arg%d", i + 1);
            pname = fallback;
        }
        d.len = 0;
        d.buf[0] = 0;
        LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = pname);
        btf_dump__emit_type_decl(dump, p->type, &o);
        struct probe_field *f = &pt->fields[pt->nfields++];
        f->name = xstrdup(pname);
        f->decl = xstrdup(d.buf);
        f->kind = FIELD_OTHER;
        f->offset = 8 * i;
        f->size = 8;
    }
    return n;
}

void kbtf_free(void)
{
    btf_dump__free(dump);
    dump = NULL;
    btf__free(vmlinux);
    vmlinux = NULL;
}
