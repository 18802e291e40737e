/* Where events go: standard output or -o FILE, written by tinyprobe itself
 * (not stdio) so that a write error is seen and said once, a reader that went
 * away ends tracing at once, and a reader that stopped reading cannot keep
 * tinyprobe from honouring a stop signal. */
#ifndef TP_SINK_H
#define TP_SINK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink {
    int fd;
    const char *name; /* for messages: "standard output" or the path */
    bool owned;       /* opened by tinyprobe: closed (and checked) at the end */
    bool waits;       /* a pipe, socket or terminal: a write may block */
    char *buf;
    size_t len, cap;
    int err;              /* errno of the first failed write; 0 while all is well */
    bool gone;            /* the reader went away (EPIPE, or a pipe with no reader) */
    bool reported;        /* err has been said */
    size_t dropped;       /* bytes not written since the error, the cut line's included */
    size_t dropped_lines; /* and the lines they were */
    size_t cut;           /* bytes of a line the error cut that were written (a pipe's) */
    bool cut_removed;     /* a file's cut line was taken back out of it */
    int64_t give_up;      /* CLOCK_MONOTONIC ns after which a blocked write is abandoned; 0 never */
    volatile sig_atomic_t
        *stop; /* set when a stop signal came: writes then wait at most a second */
};

/* Standard output (fd 1). */
void sink_stdout(struct sink *o);
/* Opens (creates, truncates) `path`; -1 after saying why. */
int sink_open(struct sink *o, const char *path);
/* Appends; writes out once a batch has gathered. After an error, counts. */
void sink_put(struct sink *o, const char *p, size_t n);
/* Writes everything gathered; -1 when it could not (see err and gone). */
int sink_flush(struct sink *o);
/* Whether the reader of a pipe or socket has gone away (without writing). */
bool sink_reader_gone(struct sink *o);
/* Says the first error, once: "tinyprobe: error: cannot write events to ..." */
void sink_report(struct sink *o);
/* Flushes, closes what tinyprobe opened and frees; -1 if anything was lost
 * (after saying so). */
int sink_close(struct sink *o);

#endif
