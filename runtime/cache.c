#include "runtime/cache.h"

#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lang/xalloc.h"

/* An entry: this magic, the checksum of what follows it, the key's length
 * and bytes, then the compiled script's. */
static const char magic[8] = {'t', 'p', 'c', 'a', 'c', 'h', 'e', '1'};
#define HEAD_SIZE (8 + 8 + 4)
#define SUFFIX    ".tpc"

uint64_t cache_hash(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define HASH_INIT 0xcbf29ce484222325ull

__attribute__((format(printf, 2, 3))) static void say(const struct cache *c, const char *fmt, ...)
{
    if (!c->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("tinyprobe: cache: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* A directory of ours alone: owned by us, open to no one else. */
static int own_dir(const char *path, bool make, char *why, size_t n)
{
    if (make && mkdir(path, 0700) && errno != EEXIST) {
        snprintf(why, n, "cannot make %s: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(why, n, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(why, n, "%s is %s: not used", path,
                 st.st_uid != geteuid() ? "another user's" : "open to other users");
        close(fd);
        return -1;
    }
    return fd;
}

bool cache_open(struct cache *c, bool verbose)
{
    memset(c, 0, sizeof(*c));
    c->dirfd = -1;
    c->verbose = verbose;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char why[512] = "";
    if (xdg && *xdg == '/') {
        size_t n = strlen(xdg) + sizeof("/tinyprobe");
        c->dir = xmalloc(n);
        snprintf(c->dir, n, "%s/tinyprobe", xdg);
        mkdir(xdg, 0700);
    } else if (home && *home == '/') {
        /* root with another user's HOME (sudo keeping it) would make root's
         * files in that user's ~/.cache */
        struct stat st;
        if (stat(home, &st) || st.st_uid != geteuid()) {
            say(c, "HOME, %s, is not this user's: not used", home);
            return false;
        }
        size_t n = strlen(home) + sizeof("/.cache/tinyprobe");
        c->dir = xmalloc(n);
        snprintf(c->dir, n, "%s/.cache", home);
        mkdir(c->dir, 0700);
        snprintf(c->dir, n, "%s/.cache/tinyprobe", home);
    } else {
        say(c, "neither XDG_CACHE_HOME nor HOME names a directory: not used");
        return false;
    }
    c->dirfd = own_dir(c->dir, true, why, sizeof(why));
    if (c->dirfd < 0)
        say(c, "%s", why);
    return c->dirfd >= 0;
}

void cache_close(struct cache *c)
{
    if (c->dirfd >= 0)
        close(c->dirfd);
    free(c->dir);
    memset(c, 0, sizeof(*c));
    c->dirfd = -1;
}

/* The executable's GNU build id, so that another build of one version makes
 * its own entries: read from its notes in memory, once. */
static int build_note(struct dl_phdr_info *info, size_t size, void *data)
{
    struct wire_out *key = data;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        size_t left = ph->p_memsz;
        while (left >= sizeof(ElfW(Nhdr))) {
            const ElfW(Nhdr) *n = (const void *)p;
            size_t name = (n->n_namesz + 3) & ~3u, desc = (n->n_descsz + 3) & ~3u;
            if (name > left - sizeof(*n) || desc > left - sizeof(*n) - name)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
                memcmp(p + sizeof(*n), "GNU", 4) == 0) {
                wire_put_raw(key, p + sizeof(*n) + name, n->n_descsz);
                return 1;
            }
            p += sizeof(*n) + name + desc;
            left -= sizeof(*n) + name + desc;
        }
    }
    return 1; /* the first object is the executable: no further */
}

void cache_put_build(struct wire_out *key)
{
    dl_iterate_phdr(build_note, key);
}

static void entry_name(const struct wire_out *key, char *buf, size_t n)
{
    snprintf(buf, n, "%016llx" SUFFIX,
             (unsigned long long)cache_hash(key->buf, key->len, HASH_INIT));
}

void *cache_get(struct cache *c, const struct wire_out *key, size_t *len)
{
    if (c->dirfd < 0)
        return NULL;
    char name[32];
    entry_name(key, name, sizeof(name));
    int fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            say(c, "cannot open %s/%s: %s", c->dir, name, strerror(errno));
        return NULL;
    }
    struct stat st;
    unsigned char *buf = NULL;
    const char *bad = NULL;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        bad = "not a regular file";
    else if (st.st_uid != geteuid())
        bad = "owned by another user";
    else if (st.st_mode & 022)
        bad = "writable by others";
    else if (st.st_size < HEAD_SIZE || (uint64_t)st.st_size > CACHE_ENTRY_MAX)
        bad = "truncated or too large";
    if (!bad) {
        buf = xmalloc((size_t)st.st_size);
        ssize_t got = pread(fd, buf, (size_t)st.st_size, 0);
        if (got != st.st_size)
            bad = "truncated";
    }
    uint64_t sum = 0;
    uint32_t klen = 0;
    if (!bad) {
        struct wire_in in;
        wire_in_init(&in, buf + 8, 12);
        sum = wire_u64(&in);
        klen = wire_u32(&in);
        if (memcmp(buf, magic, sizeof(magic)))
            bad = "not a cache entry";
        else if (cache_hash(buf + 16, (size_t)st.st_size - 16, HASH_INIT) != sum)
            bad = "damaged (its checksum does not match)";
        else if (klen != key->len || (size_t)st.st_size - HEAD_SIZE < klen ||
                 memcmp(buf + HEAD_SIZE, key->buf, klen))
            bad = "another key's";
    }
    if (bad) {
        say(c, "%s/%s is %s: compiling", c->dir, name, bad);
        free(buf);
        close(fd);
        return NULL;
    }
    /* used now: pruning removes the least recently used */
    futimens(fd, NULL);
    close(fd);
    *len = (size_t)st.st_size - HEAD_SIZE - klen;
    memmove(buf, buf + HEAD_SIZE + klen, *len);
    say(c, "loaded %s/%s", c->dir, name);
    return buf;
}

struct entry {
    char name[32];
    off_t size;
    struct timespec used;
};

static int by_use(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->used.tv_sec != y->used.tv_sec)
        return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
    return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/* Whether `s` starts with an entry's name as entry_name makes it: 16
 * lowercase hex digits, then SUFFIX. */
static bool entry_named(const char *s)
{
    for (int i = 0; i < 16; i++)
        if (!s[i] || !strchr("0123456789abcdef", s[i]))
            return false;
    return strncmp(s + 16, SUFFIX, strlen(SUFFIX)) == 0;
}

/* Whether `name` is an entry's (tmp false) or a writer's temporary file of
 * one, as cache_put names them: what else the directory holds (its owner
 * may put anything there) is never removed. */
static bool ours(const char *name, bool tmp)
{
    if (!tmp)
        return entry_named(name) && name[16 + strlen(SUFFIX)] == 0;
    if (name[0] != '.' || !entry_named(name + 1))
        return false;
    const char *t = name + 1 + 16 + strlen(SUFFIX);
    if (strncmp(t, ".tmp", 4) != 0 || !t[4])
        return false;
    return strspn(t + 4, "0123456789") == strlen(t + 4);
}

/* Removes the least recently used entries until the rest fit, and the
 * temporary files of writers that died. */
static void prune(struct cache *c)
{
    int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct entry *v = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d)) && n < 100000;) {
        struct stat st;
        bool tmp = ours(e->d_name, true);
        if ((!tmp && !ours(e->d_name, false)) ||
            fstatat(c->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
            continue;
        if (tmp) {
            if (st.st_mtime < now - 3600)
                unlinkat(c->dirfd, e->d_name, 0);
            continue;
        }
        if (n == cap)
            v = xrealloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
        memcpy(v[n].name, e->d_name, 16 + sizeof(SUFFIX)); /* ours(): that long, NUL and all */
        v[n].size = st.st_size;
        v[n].used = st.st_mtim;
        total += (uint64_t)st.st_size;
        n++;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof(*v), by_use);
    for (size_t i = 0; i < n && total > CACHE_BYTES_MAX; i++) {
        if (unlinkat(c->dirfd, v[i].name, 0) == 0) {
            total -= (uint64_t)v[i].size;
            say(c, "pruned %s/%s", c->dir, v[i].name);
        }
    }
    free(v);
}

void cache_put(struct cache *c, const struct wire_out *key, const void *tpo, size_t len)
{
    if (c->dirfd < 0)
        return;
    if (HEAD_SIZE + key->len + len > CACHE_ENTRY_MAX) {
        say(c, "the compiled script takes %zu bytes, more than an entry may: not kept", len);
        return;
    }
    struct wire_out e = {0};
    wire_put_raw(&e, magic, sizeof(magic));
    wire_put_u64(&e, 0); /* the checksum, once the rest is there */
    wire_put_u32(&e, (uint32_t)key->len);
    wire_put_raw(&e, key->buf, key->len);
    wire_put_raw(&e, tpo, len);
    struct wire_out sum = {0};
    wire_put_u64(&sum, cache_hash(e.buf + 16, e.len - 16, HASH_INIT));
    memcpy(e.buf + 8, sum.buf, 8);
    wire_out_free(&sum);

    /* a file of its own, renamed over the entry: two runs filling one
     * entry at once each rename a whole one, and the last stays */
    char name[32], tmp[64];
    entry_name(key, name, sizeof(name));
    snprintf(tmp, sizeof(tmp), ".%s.tmp%d", name, (int)getpid());
    int fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    size_t done = 0;
    while (ok && done < e.len) {
        ssize_t w = write(fd, e.buf + done, e.len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    if (fd >= 0 && close(fd))
        ok = false;
    if (ok && renameat(c->dirfd, tmp, c->dirfd, name))
        ok = false;
    if (!ok) {
        say(c, "cannot keep %s/%s: %s", c->dir, name, strerror(errno));
        if (fd >= 0)
            unlinkat(c->dirfd, tmp, 0);
    } else {
        say(c, "kept %s/%s", c->dir, name);
    }
    wire_out_free(&e);
    prune(c);
}
