#include "lang/type.h"

#include <stdio.h>

#include "bpf/kbtf.h"

uint64_t ty_store_size(struct ty t)
{
    switch (t.kind) {
    case TY_INT:
    case TY_PTR:
    case TY_TIME:
    case TY_CGPATH: return 8;
    case TY_RECORD:
    case TY_TUPLE: return t.size > 0 ? ((uint64_t)t.size + 7) & ~7ull : 0;
    case TY_STR: return t.size > 0 ? (uint64_t)t.size : 0;
    case TY_BUF: return 8 + (t.size > 0 ? (uint64_t)t.size : 0);
    case TY_INET: return TY_INET_SIZE;
    case TY_STACK: return t.size > 0 ? (uint64_t)t.size : 0; /* a hash, or a copy to unwind */
    case TY_SYM: return t.user ? 16 : 8;
    case TY_JOIN: return 8 + TY_JOIN_MAX * (uint64_t)(t.size > 0 ? t.size : 0);
    default: return 0;
    }
}

const char *ty_name(struct ty t, char *buf, int len)
{
    switch (t.kind) {
    case TY_INT: snprintf(buf, len, "%sint%d", t.is_signed ? "" : "u", t.size * 8); break;
    case TY_STR: snprintf(buf, len, "string[%d]", t.size); break;
    case TY_BUF: snprintf(buf, len, "buffer[%d]", t.size); break;
    case TY_JOIN: snprintf(buf, len, "join()"); break;
    case TY_TIME: snprintf(buf, len, "strftime()"); break;
    case TY_TUPLE: snprintf(buf, len, "tuple[%d]", t.size); break;
    case TY_PTR: {
        char name[200];
        snprintf(buf, len, "%s%s *", t.user ? "user " : "",
                 kbtf_type_name(t.btf, name, sizeof(name)));
        break;
    }
    case TY_RECORD:
    case TY_ARRAY: kbtf_type_name(t.btf, buf, (size_t)len); break;
    case TY_INET: snprintf(buf, len, "inet"); break;
    case TY_CGPATH: snprintf(buf, len, "cgroup_path()"); break;
    case TY_STACK: snprintf(buf, len, "%s", t.user ? "ustack" : "kstack"); break;
    case TY_SYM: snprintf(buf, len, "%s", t.user ? "usym" : "ksym"); break;
    default: snprintf(buf, len, "nothing"); break;
    }
    return buf;
}

struct ty ty_merge(struct ty a, struct ty b)
{
    struct ty t = a;
    if (b.size > t.size)
        t.size = b.size;
    /* integers of one sign keep it at the wider width; of both, they are
     * 64 bits, signed only if both are, as arithmetic is */
    if (a.kind == TY_INT && a.is_signed != b.is_signed)
        t = ty_int64(false);
    return t;
}
