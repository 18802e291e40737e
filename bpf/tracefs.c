#include "bpf/tracefs.h"

#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lang/xalloc.h"

static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};

const char *tracefs_root(char *why, size_t n)
{
    static const char *found;
    if (found)
        return found;
    /* the tests' way to compile against another kernel's formats (as
     * TINYPROBE_BTF is for its BTF): a directory holding events/ */
    const char *test = getenv("TINYPROBE_TRACEFS");
    if (test && *test)
        return found = test;
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        char p[64];
        snprintf(p, sizeof(p), "%s/events", roots[i]);
        if (access(p, F_OK) == 0)
            return found = roots[i];
        if (errno == EACCES) {
            snprintf(why, n, "only root may read tracefs at %s: run tinyprobe as root", roots[i]);
            return NULL;
        }
    }
    if (geteuid() != 0) {
        snprintf(why, n,
                 "tracefs is not mounted, and only root can mount it: run "
                 "'mount -t tracefs nodev /sys/kernel/tracing' as root");
        return NULL;
    }
    if (mount("nodev", roots[0], "tracefs", 0, NULL) != 0) {
        snprintf(why, n, "tracefs is not mounted, and mounting it at %s failed: %s", roots[0],
                 strerror(errno));
        return NULL;
    }
    return found = roots[0];
}

/* Syscall tracepoints store every argument in 8 bytes and call them all
 * unsigned ("field:int dfd; size:8; signed:0;"), so a field's declared type,
 * where it is one we know, says its width and sign better than the file's
 * numbers. The value is in the low bytes: tinyprobe's architectures are
 * little-endian. */
static const struct {
    const char *name;
    int size;
    bool is_signed;
} ctypes[] = {
    {"char", 1, true},
    {"signed char", 1, true},
    {"unsigned char", 1, false},
    {"short", 2, true},
    {"unsigned short", 2, false},
    {"int", 4, true},
    {"unsigned int", 4, false},
    {"unsigned", 4, false},
    {"long", 8, true},
    {"unsigned long", 8, false},
    {"long long", 8, true},
    {"unsigned long long", 8, false},
    {"bool", 1, false},
    {"_Bool", 1, false},
    {"pid_t", 4, true},
    {"uid_t", 4, false},
    {"gid_t", 4, false},
    {"umode_t", 2, false},
    {"size_t", 8, false},
    {"ssize_t", 8, true},
    {"loff_t", 8, true},
    {"off_t", 8, true},
    {"key_serial_t", 4, true},
    {"clockid_t", 4, true},
    {"qid_t", 4, false},
    {"rwf_t", 4, true},
    {"key_t", 4, true},
    {"mqd_t", 4, true},
    {"u8", 1, false},
    {"u16", 2, false},
    {"u32", 4, false},
    {"u64", 8, false},
    {"s8", 1, true},
    {"s16", 2, true},
    {"s32", 4, true},
    {"s64", 8, true},
    {"__u8", 1, false},
    {"__u16", 2, false},
    {"__u32", 4, false},
    {"__u64", 8, false},
    {"__s8", 1, true},
    {"__s16", 2, true},
    {"__s32", 4, true},
    {"__s64", 8, true},
};

static void declared_type(const char *type, size_t len, struct probe_field *f)
{
    while (len && isspace((unsigned char)type[len - 1]))
        len--;
    for (;;) { /* qualifiers say nothing of width or sign */
        if (len > 6 && strncmp(type, "const ", 6) == 0)
            type += 6, len -= 6;
        else if (len > 9 && strncmp(type, "volatile ", 9) == 0)
            type += 9, len -= 9;
        else
            break;
    }
    if (memchr(type, '*', len)) {
        f->size = 8;
        f->is_signed = false;
        return;
    }
    for (size_t i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
        if (strlen(ctypes[i].name) == len && strncmp(ctypes[i].name, type, len) == 0 &&
            ctypes[i].size <= f->size) {
            f->size = ctypes[i].size;
            f->is_signed = ctypes[i].is_signed;
            return;
        }
    }
}

/* Whether the element type of an array declared as `decl` (its first len
 * bytes, before the name) is a byte: the addresses of sock and tcp events
 * are __u8 arrays. */
static bool byte_type(const char *decl, size_t len)
{
    static const char *const bytes[] = {"__u8", "u8", "uint8_t", "__s8", "s8", "int8_t"};
    while (len && isspace((unsigned char)decl[len - 1]))
        len--;
    for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
        if (strlen(bytes[i]) == len && strncmp(bytes[i], decl, len) == 0)
            return true;
    return false;
}

/* "const char * filename" -> name "filename"; "char comm[16]" -> "comm", array;
 * "__data_loc char[] name" -> "name", data_loc. */
static int parse_field(char *decl, int offset, int size, int is_signed, struct probe_field *f)
{
    while (isspace((unsigned char)*decl))
        decl++;
    char *end = decl + strlen(decl);
    while (end > decl && isspace((unsigned char)end[-1]))
        end--;
    bool array = false;
    if (end > decl && end[-1] == ']') {
        while (end > decl && end[-1] != '[')
            end--;
        end--;
        array = true;
    }
    char *name = end;
    while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
        name--;
    if (name == end)
        return -1;
    f->name = xstrndup(name, end - name);
    f->decl = xstrdup(decl);
    f->offset = offset;
    f->size = size;
    f->is_signed = is_signed;
    bool is_char = strstr(decl, "char") != NULL;
    if (strncmp(decl, "__data_loc", 10) == 0)
        f->kind = is_char ? FIELD_DATA_LOC : FIELD_OTHER;
    else if (array && is_char)
        f->kind = FIELD_CHARS;
    else if (array)
        f->kind = byte_type(decl, (size_t)(name - decl)) ? FIELD_BYTES : FIELD_OTHER;
    else
        f->kind = (size == 1 || size == 2 || size == 4 || size == 8) ? FIELD_INT : FIELD_OTHER;
    if (f->kind == FIELD_INT)
        declared_type(decl, name - decl, f);
    return 0;
}

int tracefs_format(const char *root, const char *cat, const char *name, struct probe_point *pt)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[1024];
    int cap = 0;
    while (fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "field:");
        if (!p)
            continue;
        char *semi = strchr(p, ';');
        char *off = strstr(line, "offset:"), *sz = strstr(line, "size:"),
             *sg = strstr(line, "signed:");
        if (!semi || !off || !sz || !sg)
            continue;
        *semi = 0;
        if (pt->nfields == cap) {
            cap = cap ? cap * 2 : 16;
            pt->fields = xrealloc(pt->fields, cap * sizeof(*pt->fields));
        }
        if (parse_field(p + 6, atoi(off + 7), atoi(sz + 5), atoi(sg + 7),
                        &pt->fields[pt->nfields]) == 0)
            pt->nfields++;
    }
    fclose(f);
    return 0;
}

char **tracefs_names(const char *root, const char *cat, int *n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/events%s%s", root, cat ? "/" : "", cat ? cat : "");
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    char **names = NULL;
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    return names;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tracefs_sort(char **names, int n)
{
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);
}

char **tracefs_events(const char *root, int *n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/available_events", root);
    *n = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char **names = NULL, line[512];
    int cap = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strchr(line, ':'))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[(*n)++] = xstrdup(line);
    }
    fclose(f);
    tracefs_sort(names, *n);
    return names;
}

void tracefs_names_free(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
