#include "bpf/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cgroup_id(const char *path, uint64_t *id)
{
    /* a cgroup's file handle is its 8-byte id */
    union {
        struct file_handle fh;
        char room[sizeof(struct file_handle) + 8];
    } h;
    int mount_id;
    h.fh.handle_bytes = 8;
    if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0)
        return errno == EOVERFLOW ? -ENOTDIR : -errno;
    if (h.fh.handle_bytes != 8)
        return -EINVAL;
    memcpy(id, h.fh.f_handle, 8);
    return 0;
}

/* The first cgroup v2 mount, from /proc/mounts; "" when there is none. */
static const char *v2_root(void)
{
    static char root[4096];
    static int found = -1;
    if (found >= 0)
        return root;
    found = 0;
    FILE *f = fopen("/proc/mounts", "re");
    if (!f)
        return root;
    char dev[256], dir[4096], type[64];
    while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
        if (strcmp(type, "cgroup2") == 0) {
            snprintf(root, sizeof(root), "%s", dir);
            found = 1;
            break;
        }
    }
    fclose(f);
    return root;
}

/* nftw's callback has no argument of its own: the walk's target and what
 * it found. */
static uint64_t want_id;
static char found_path[4096];

static int match(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_D || st->st_ino != want_id)
        return 0;
    snprintf(found_path, sizeof(found_path), "%s", path);
    return 1;
}

/* Ids printed again and again (a map keyed by cgroup, a busy service) are
 * found again without a walk: a small cache by id, each entry checked
 * against the directory before it is trusted (a cgroup can go, and its id
 * is not reused, but its directory name can be). */
#define CACHE_N 64
static struct {
    uint64_t id;
    char path[4096];
} cache[CACHE_N];

const char *cgroup_path(uint64_t id, char *buf, size_t len)
{
    const char *root = v2_root();
    struct stat st;
    buf[0] = 0;
    if (!*root || !id)
        return buf;
    unsigned slot = (unsigned)(id % CACHE_N);
    const char *path = NULL;
    if (cache[slot].id == id && stat(cache[slot].path, &st) == 0 && st.st_ino == id) {
        path = cache[slot].path;
    } else {
        want_id = id;
        found_path[0] = 0;
        /* the mount alone: a cgroup's subtree is on its one file system */
        if (nftw(root, match, 16, FTW_PHYS | FTW_MOUNT) == 1) {
            cache[slot].id = id;
            snprintf(cache[slot].path, sizeof(cache[slot].path), "%s", found_path);
            path = cache[slot].path;
        }
    }
    if (!path)
        return buf;
    const char *rel = path + strlen(root);
    snprintf(buf, len, "unified:%s", *rel ? rel : "/");
    return buf;
}
