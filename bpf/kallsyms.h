/* The kernel's symbols by address, from /proc/kallsyms (modules' included):
 * what kstack's frames and ksym() print, and kaddr() finds. */
#ifndef TP_KALLSYMS_H
#define TP_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct kallsyms_sym {
    uint64_t addr;
    uint32_t name;  /* offset in names */
    int32_t module; /* offset in names of "[module]", or -1 for the kernel's own */
};

struct kallsyms {
    struct kallsyms_sym *v; /* sorted by address */
    size_t n;
    char *names;
    size_t names_len;
};

/* The most symbols read, and the longest line: past them the file is not
 * what it should be, and the rest is ignored. */
#define KALLSYMS_MAX      (4u << 20)
#define KALLSYMS_LINE_MAX 512

/* Reads `path` (NULL: /proc/kallsyms) into ks: 0, or -1 with why filled
 * (the file cannot be read, or every address is 0, as kernel.kptr_restrict
 * shows them to those who may not see them). */
int kallsyms_load(struct kallsyms *ks, const char *path, char *why, size_t whylen);
/* The symbol addr is in (the last at or below it), and addr's offset past
 * it; NULL below the first. */
const struct kallsyms_sym *kallsyms_find(const struct kallsyms *ks, uint64_t addr, uint64_t *off);
static inline const char *kallsyms_name(const struct kallsyms *ks, const struct kallsyms_sym *s)
{
    return ks->names + s->name;
}
/* kaddr("name"): the address of the kernel's symbol `name`, by a scan of
 * /proc/kallsyms that keeps nothing; 0, or -1 with why filled. */
int kallsyms_addr(const char *name, uint64_t *addr, char *why, size_t whylen);
void kallsyms_free(struct kallsyms *ks);

#endif
