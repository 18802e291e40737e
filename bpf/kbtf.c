#include <stddef.h>

#include "bpf/kbtf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

static struct btf *vmlinux;

int kbtf_member(const char *name, const char *member, int *size, char *why, size_t whylen)
{
    if (!vmlinux) {
        vmlinux = btf__load_vmlinux_btf();
        if (!vmlinux) {
            snprintf(why, whylen, "this kernel has no BTF (/sys/kernel/btf/vmlinux): %s",
                     strerror(errno));
            return -1;
        }
    }
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

void kbtf_free(void)
{
    btf__free(vmlinux);
    vmlinux = NULL;
}
