/* -c 'CMD ARGS': the command tinyprobe starts, held before its exec until
 * the probes are attached, so that nothing it does is missed; tracing ends
 * when it exits. */
#ifndef TP_CHILD_H
#define TP_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct child {
    pid_t pid; /* 0: none */
    int go;    /* the pipe that releases it */
    int err;   /* the pipe it reports a failed exec through (CLOEXEC) */
    bool released, exited;
    int status; /* its wait status, once exited */
};

/* Splits cmd as a shell would (quotes, no command substitution), finds the
 * program and forks a child held before exec; 0, or -1 after saying why. */
int child_start(struct child *c, const char *cmd);
/* Lets it exec; 0, or -1 after saying why it could not. */
int child_release(struct child *c);
/* Whether it has exited (reaped, without waiting). */
bool child_exited(struct child *c);
/* A child never released is killed; one released that still runs gets
 * SIGTERM, then SIGKILL after a grace period. */
void child_end(struct child *c);

#endif
