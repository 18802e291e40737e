/* What cat() and system() ask of user space when their event arrives: a
 * file's first bytes printed, a command run through the shell and what it
 * writes printed. Both block the drain while they work, as in bpftrace. */
#include "runtime/actions.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lang/builtin.h"

/* The most bytes of a command's output kept. */
#define SYSTEM_OUT_MAX (1 << 20)

static void warn(struct output *o, const char *fmt, const char *arg, int err)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, arg, strerror(err));
    o->ops->runtime_error(o, false, msg);
}

/* Appends what fd gives, up to `max` bytes; then stops, or with to_end
 * reads on to the end and drops the rest (a command's output: the command
 * must not block on a full pipe). */
static void drain(int fd, struct sbuf *out, size_t max, bool to_end)
{
    char buf[4096];
    size_t kept = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        size_t take = kept + (size_t)n > max ? max - kept : (size_t)n;
        sb_put(out, buf, take);
        kept += take;
        if (kept >= max && !to_end)
            return;
    }
}

static bool cat(struct output *o, const char *path, struct sbuf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        warn(o, "cat(): cannot open %s: %s", path, errno);
        return false;
    }
    drain(fd, out, BI_CAT_MAX, false);
    close(fd);
    return true;
}

static bool run(struct output *o, const char *cmd, struct sbuf *out)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC)) {
        warn(o, "system(): cannot run %s: %s", cmd, errno);
        return false;
    }
    /* the command starts as from a shell: no signal of tinyprobe's blocked
     * or ignored, its output ours to print, nothing to read */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    extern char **environ;
    pid_t pid;
    int err = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(p[1]);
    if (err) {
        close(p[0]);
        warn(o, "system(): cannot run %s: %s", cmd, err);
        return false;
    }
    drain(p[0], out, SYSTEM_OUT_MAX, true);
    close(p[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return true;
}

bool actions_run(struct output *o, enum ev_kind kind, const char *arg, struct sbuf *out)
{
    return kind == EV_CAT ? cat(o, arg, out) : run(o, arg, out);
}
