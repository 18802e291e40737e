#include "bpf/kallsyms.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"

#define KALLSYMS_FILE "/proc/kallsyms"

/* "ffffffff81234567 T name\t[module]": the address, type and name cut out
 * in place; false for a line that is not one. */
static bool parse_line(char *line, uint64_t *addr, char *type, char **name, char **module)
{
    char *end;
    errno = 0;
    *addr = strtoull(line, &end, 16);
    if (errno || end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
        return false;
    *type = end[1];
    *name = end + 3;
    size_t len = strcspn(*name, " \t\n");
    if (!len)
        return false;
    char *rest = *name + len;
    *module = NULL;
    if (*rest == '\t' || *rest == ' ') {
        *rest++ = 0;
        rest += strspn(rest, " \t");
        if (*rest == '[') {
            rest[strcspn(rest, "\n")] = 0;
            *module = rest;
        }
    } else {
        *rest = 0;
    }
    return true;
}

static size_t add_name(struct kallsyms *ks, size_t *cap, const char *s)
{
    size_t len = strlen(s) + 1;
    if (ks->names_len + len > *cap) {
        *cap = (*cap ? *cap * 2 : 1 << 20) + len;
        ks->names = xrealloc(ks->names, *cap);
    }
    memcpy(ks->names + ks->names_len, s, len);
    ks->names_len += len;
    return ks->names_len - len;
}

static int by_addr(const void *pa, const void *pb)
{
    const struct kallsyms_sym *a = pa, *b = pb;
    return (a->addr > b->addr) - (a->addr < b->addr);
}

int kallsyms_load(struct kallsyms *ks, const char *path, char *why, size_t whylen)
{
    memset(ks, 0, sizeof(*ks));
    path = path ? path : KALLSYMS_FILE;
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[KALLSYMS_LINE_MAX];
    size_t cap = 0, ncap = 0, nonzero = 0;
    /* modules repeat one name: each kept once, at the last one's offset */
    const char *last_module = NULL;
    int32_t last_module_off = -1;
    while (ks->n < KALLSYMS_MAX && fgets(line, sizeof(line), f)) {
        uint64_t addr;
        char type, *name, *module;
        if (!strchr(line, '\n') && !feof(f)) { /* longer than any symbol: skip it */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            continue;
        }
        if (!parse_line(line, &addr, &type, &name, &module))
            continue;
        /* what addresses are in: text, and data for ksym() of a variable;
         * not absolute values, nor the per-CPU offsets (type A) */
        if (type == 'a' || type == 'A' || type == 'U' || type == 'u')
            continue;
        nonzero += addr != 0;
        if (ks->n == cap) {
            cap = cap ? cap * 2 : 65536;
            ks->v = xrealloc(ks->v, cap * sizeof(*ks->v));
        }
        struct kallsyms_sym *s = &ks->v[ks->n++];
        s->addr = addr;
        s->name = (uint32_t)add_name(ks, &ncap, name);
        s->module = -1;
        if (module) {
            if (!last_module || strcmp(last_module, module) != 0) {
                last_module_off = (int32_t)add_name(ks, &ncap, module);
            }
            s->module = last_module_off;
            last_module = ks->names + last_module_off;
        }
    }
    fclose(f);
    if (ks->n && !nonzero) {
        snprintf(why, whylen,
                 "%s shows every address as 0: kernel.kptr_restrict hides them from this user",
                 path);
        kallsyms_free(ks);
        return -1;
    }
    if (ks->n)
        qsort(ks->v, ks->n, sizeof(*ks->v), by_addr);
    return 0;
}

const struct kallsyms_sym *kallsyms_find(const struct kallsyms *ks, uint64_t addr, uint64_t *off)
{
    size_t lo = 0, hi = ks->n;
    while (lo < hi) { /* the first symbol past addr */
        size_t mid = lo + (hi - lo) / 2;
        if (ks->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) /* before the first */
        return NULL;
    const struct kallsyms_sym *s = &ks->v[lo - 1];
    *off = addr - s->addr;
    return s;
}

int kallsyms_addr(const char *name, uint64_t *addr, char *why, size_t whylen)
{
    FILE *f = fopen(KALLSYMS_FILE, "re");
    if (!f) {
        snprintf(why, whylen, "cannot read " KALLSYMS_FILE ": %s", strerror(errno));
        return -1;
    }
    char line[KALLSYMS_LINE_MAX];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        char type, *sym, *module;
        found = parse_line(line, addr, &type, &sym, &module) && strcmp(sym, name) == 0;
    }
    fclose(f);
    if (!found)
        snprintf(why, whylen, "the kernel has no symbol '%s' (" KALLSYMS_FILE ")", name);
    else if (!*addr)
        snprintf(why, whylen,
                 KALLSYMS_FILE " shows '%s' at 0: kernel.kptr_restrict hides addresses from "
                               "this user",
                 name);
    return found && *addr ? 0 : -1;
}

void kallsyms_free(struct kallsyms *ks)
{
    free(ks->v);
    free(ks->names);
    memset(ks, 0, sizeof(*ks));
}
