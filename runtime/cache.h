/* The compiled-object cache: a script run again with the same text,
 * options, tinyprobe and kernel loads the compiled script (runtime/tpo.h)
 * its first run saved, and compiles nothing. Entries live in
 * $XDG_CACHE_HOME/tinyprobe (or ~/.cache/tinyprobe), a directory of the
 * user's own, mode 0700, one file an entry named by a hash of its key:
 * the key in full, then the compiled script, under a checksum of both.
 * What is read there is treated as hostile: a file of another owner, one
 * others may write, a truncated, damaged or foreign one is never loaded
 * (and is replaced by the next compile). */
#ifndef TP_CACHE_H
#define TP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/wire.h"

/* The most bytes of entries kept: writing one past it removes the least
 * recently used. */
#define CACHE_BYTES_MAX (64u << 20)
/* The largest entry read or kept. */
#define CACHE_ENTRY_MAX (32u << 20)

struct cache {
    int dirfd; /* -1: no cache */
    char *dir;
    bool verbose; /* -v: say what the cache did, and why it was not used */
};

/* Opens (making it) the cache's directory. false when there is none to use,
 * said with -v: no home, another's, open to others. */
bool cache_open(struct cache *c, bool verbose);
void cache_close(struct cache *c);
/* The compiled script kept under `key`, malloc'ed, and its length; NULL
 * when there is none or it cannot be trusted (said with -v). */
void *cache_get(struct cache *c, const struct wire_out *key, size_t *len);
/* Keeps `tpo` under `key`, whole or not at all, and prunes the oldest
 * entries past CACHE_BYTES_MAX. Failing to is said with -v only: the run
 * goes on without. */
void cache_put(struct cache *c, const struct wire_out *key, const void *tpo, size_t len);
/* This tinyprobe's build, for keys: its GNU build id. */
void cache_put_build(struct wire_out *key);
/* A 64-bit FNV-1a hash. */
uint64_t cache_hash(const void *p, size_t n, uint64_t h);

#endif
