#include "bpf/ksyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/tracefs.h"
#include "lang/xalloc.h"

/* The function a line names, cut out in place, or NULL: "name [module]"
 * (available_filter_functions) or "ffffffff81234567 T name [module]"
 * (kallsyms, text symbols only). */
static char *line_name(char *line, bool kallsyms)
{
    char *name = line;
    if (kallsyms) {
        char *type = strchr(line, ' ');
        if (!type || (type[1] != 't' && type[1] != 'T') || type[2] != ' ')
            return NULL;
        name = type + 3;
    }
    name[strcspn(name, " \t\n")] = 0;
    return *name ? name : NULL;
}

/* Reads one name a line: "name [module]" (available_filter_functions) or
 * "ffffffff81234567 T name [module]" (kallsyms, text symbols only). */
static int read_names(struct ksyms *ks, const char *path, bool kallsyms)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[512];
    int cap = 0;
    while (fgets(line, sizeof(line), f)) {
        char *name = line_name(line, kallsyms);
        if (!name)
            continue;
        if (ks->n == cap) {
            cap = cap ? cap * 2 : 4096;
            ks->names = xrealloc(ks->names, cap * sizeof(*ks->names));
        }
        ks->names[ks->n++] = xstrdup(name);
    }
    fclose(f);
    tracefs_sort(ks->names, ks->n);
    int k = 0;
    for (int i = 0; i < ks->n; i++) {
        if (k && strcmp(ks->names[k - 1], ks->names[i]) == 0)
            free(ks->names[i]);
        else
            ks->names[k++] = ks->names[i];
    }
    ks->n = k;
    return 0;
}

static int scan(const char *path, bool kallsyms, const char *want)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        const char *name = line_name(line, kallsyms);
        found = name && strcmp(name, want) == 0;
    }
    fclose(f);
    return found;
}

int ksyms_find(const char *name, bool *traceable)
{
    char why[256], path[512];
    const char *root = tracefs_root(why, sizeof(why));
    if (root) {
        snprintf(path, sizeof(path), "%s/available_filter_functions", root);
        int r = scan(path, false, name);
        if (r >= 0) {
            *traceable = true;
            return r;
        }
    }
    *traceable = false;
    return scan("/proc/kallsyms", true, name);
}

int ksyms_load(struct ksyms *ks)
{
    memset(ks, 0, sizeof(*ks));
    char why[256], path[512];
    const char *root = tracefs_root(why, sizeof(why));
    if (root) {
        snprintf(path, sizeof(path), "%s/available_filter_functions", root);
        if (read_names(ks, path, false) == 0) {
            ks->traceable = true;
            return 0;
        }
    }
    return read_names(ks, "/proc/kallsyms", true);
}

static int cmp(const void *key, const void *elem)
{
    return strcmp(key, *(char *const *)elem);
}

bool ksyms_has(const struct ksyms *ks, const char *name)
{
    return ks->n && bsearch(name, ks->names, ks->n, sizeof(*ks->names), cmp);
}

void ksyms_free(struct ksyms *ks)
{
    tracefs_names_free(ks->names, ks->n);
    memset(ks, 0, sizeof(*ks));
}
