#include "runtime/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lang/diag.h"
#include "lang/xalloc.h"

/* A batch this large is written out before the drain ends. */
#define BATCH (64 * 1024)
/* A pipe takes this much without blocking once poll says it is writable. */
#define CHUNK 4096
/* After a stop signal, how long a blocked reader is waited for. */
#define STOP_GRACE_NS 500000000ll

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void init(struct sink *o, int fd, const char *name, bool owned)
{
    memset(o, 0, sizeof(*o));
    o->fd = fd;
    o->name = name;
    o->owned = owned;
    struct stat st;
    o->waits = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
}

void sink_stdout(struct sink *o)
{
    init(o, 1, "standard output", false);
}

int sink_open(struct sink *o, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        diag_sys_error(NULL, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    init(o, fd, path, true);
    return 0;
}

/* Counts n bytes from p as not written: lines, a last one without its
 * newline included. */
static void drop(struct sink *o, const char *p, size_t n)
{
    o->dropped += n;
    for (const char *e = p + n; p < e; o->dropped_lines++) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        p = nl ? nl + 1 : e;
    }
}

void sink_put(struct sink *o, const char *p, size_t n)
{
    if (o->err || o->gone) {
        drop(o, p, n);
        return;
    }
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : BATCH;
        while (cap < o->len + n)
            cap *= 2;
        o->buf = xrealloc(o->buf, cap);
        o->cap = cap;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    if (o->len >= BATCH)
        sink_flush(o);
}

/* Waits until fd takes a write, a stop signal has waited long enough, or the
 * reader is gone; 0 when it may write. */
static int wait_writable(struct sink *o)
{
    for (;;) {
        if (o->stop && *o->stop && !o->give_up)
            o->give_up = now_ns() + STOP_GRACE_NS;
        if (o->give_up && now_ns() >= o->give_up) {
            o->err = EAGAIN;
            return -1;
        }
        struct pollfd p = {.fd = o->fd, .events = POLLOUT};
        int n = poll(&p, 1, 100);
        if (n < 0 && errno != EINTR) {
            o->err = errno;
            return -1;
        }
        if (n > 0 && (p.revents & POLLERR)) {
            o->gone = true;
            return -1;
        }
        if (n > 0 && (p.revents & POLLNVAL)) {
            o->err = EBADF;
            return -1;
        }
        if (n > 0 && (p.revents & POLLOUT))
            return 0;
    }
}

/* A write stopped by an error after `done` bytes: the line it cut is not
 * left behind cut. A file's is taken back out of it; a pipe's cannot be, and
 * is said. Either way it counts as lost, whole. */
static void uncut(struct sink *o, size_t done)
{
    size_t start = done;
    while (start > 0 && o->buf[start - 1] != '\n')
        start--;
    size_t cut = done - start;
    if (cut && !o->waits) {
        off_t end = lseek(o->fd, 0, SEEK_CUR);
        if (end >= (off_t)cut && ftruncate(o->fd, end - (off_t)cut) == 0 &&
            lseek(o->fd, end - (off_t)cut, SEEK_SET) >= 0) {
            o->cut_removed = true;
            cut = 0;
        }
    }
    o->cut += cut;
    drop(o, o->buf + start, o->len - start);
}

int sink_flush(struct sink *o)
{
    size_t done = 0;
    while (done < o->len && !o->err && !o->gone) {
        size_t n = o->len - done;
        if (o->waits) {
            if (wait_writable(o))
                break;
            /* a chunk ends at a line's end where one fits: giving up on a
             * blocked reader then leaves no line cut */
            if (n > CHUNK) {
                n = CHUNK;
                const char *nl = memrchr(o->buf + done, '\n', n);
                if (nl)
                    n = (size_t)(nl - (o->buf + done)) + 1;
            }
        }
        ssize_t w = write(o->fd, o->buf + done, n);
        if (w > 0)
            done += (size_t)w;
        else if (w < 0 && errno == EPIPE)
            o->gone = true;
        else if (w < 0 && errno != EINTR && errno != EAGAIN)
            o->err = errno;
        else if (w == 0)
            o->err = EIO;
    }
    if (done < o->len)
        uncut(o, done);
    o->len = 0;
    return o->err || o->gone ? -1 : 0;
}

bool sink_reader_gone(struct sink *o)
{
    if (!o->waits || o->gone)
        return o->gone;
    struct pollfd p = {.fd = o->fd, .events = 0};
    if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)))
        o->gone = true;
    return o->gone;
}

void sink_report(struct sink *o)
{
    if (!o->err || o->reported)
        return;
    o->reported = true;
    if (o->err == EAGAIN)
        diag_sys_error(NULL,
                       "cannot write events to %s: it is not being read; gave up on a stop signal",
                       o->name);
    else
        diag_sys_error(NULL, "cannot write events to %s: %s", o->name, strerror(o->err));
}

int sink_close(struct sink *o)
{
    if (o->fd < 0)
        return o->err ? -1 : 0;
    sink_flush(o);
    if (o->owned && close(o->fd) && !o->err && errno != EINTR)
        o->err = errno;
    o->owned = false;
    o->fd = -1;
    free(o->buf);
    o->buf = NULL;
    o->cap = o->len = 0;
    if (o->err) {
        sink_report(o);
        if (o->dropped)
            diag_note(NULL, "%zu line%s of events (%zu bytes) %s not written", o->dropped_lines,
                      o->dropped_lines == 1 ? "" : "s", o->dropped,
                      o->dropped_lines == 1 ? "was" : "were");
        if (o->cut_removed)
            diag_note(NULL,
                      "the line the error cut was taken back out of %s: every line in it is whole",
                      o->name);
        else if (o->cut)
            diag_note(
                NULL,
                "the last line written was cut by the error after %zu bytes; it counts among those",
                o->cut);
        return -1;
    }
    return 0;
}
