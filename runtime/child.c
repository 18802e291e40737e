#include "runtime/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "lang/diag.h"

/* Whether argv0 names a program this process may run: as execvp finds it. */
static bool runnable(const char *argv0, int *err)
{
    if (strchr(argv0, '/')) {
        *err = access(argv0, X_OK) ? errno : 0;
        return *err == 0;
    }
    const char *path = getenv("PATH");
    *err = ENOENT;
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        char file[4096];
        snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, argv0);
        if (access(file, X_OK) == 0) {
            *err = 0;
            return true;
        }
        p += n + (p[n] == ':');
    }
    return false;
}

int child_start(struct child *c, const char *cmd)
{
    memset(c, 0, sizeof(*c));
    c->go = c->err = -1;
    wordexp_t w;
    int rc = wordexp(cmd, &w, WRDE_NOCMD | WRDE_UNDEF);
    if (rc || w.we_wordc == 0) {
        diag_sys_error(NULL, "-c '%s': %s", cmd,
                       rc == WRDE_CMDSUB    ? "command substitution is not run"
                       : rc == WRDE_BADCHAR ? "it has a character a shell would treat specially "
                                              "(|&;<>(){} or a newline)"
                       : rc == WRDE_BADVAL  ? "it names an undefined variable"
                       : rc == WRDE_SYNTAX  ? "its quotes do not match"
                       : rc                 ? "it cannot be split into words"
                                            : "it is empty");
        if (!rc)
            wordfree(&w);
        return -1;
    }
    int err;
    if (!runnable(w.we_wordv[0], &err)) {
        diag_sys_error(NULL, "-c: cannot run '%s': %s", w.we_wordv[0],
                       err == ENOENT && !strchr(w.we_wordv[0], '/') ? "it is not in $PATH"
                                                                    : strerror(err));
        wordfree(&w);
        return -1;
    }
    int go[2], ep[2];
    if (pipe2(go, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
        diag_sys_error(NULL, "-c: cannot make a pipe: %s", strerror(errno));
        wordfree(&w);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        diag_sys_error(NULL, "-c: cannot start '%s': %s", w.we_wordv[0], strerror(errno));
        close(go[0]), close(go[1]), close(ep[0]), close(ep[1]);
        wordfree(&w);
        return -1;
    }
    if (pid == 0) {
        close(go[1]);
        close(ep[0]);
        char byte;
        if (read(go[0], &byte, 1) != 1) /* tinyprobe gave up */
            _exit(127);
        execvp(w.we_wordv[0], w.we_wordv);
        int e = errno;
        (void)!write(ep[1], &e, sizeof(e));
        _exit(127);
    }
    close(go[0]);
    close(ep[1]);
    wordfree(&w);
    c->pid = pid;
    c->go = go[1];
    c->err = ep[0];
    return 0;
}

int child_release(struct child *c)
{
    if (!c->pid || c->released)
        return 0;
    c->released = true;
    int e = 0;
    ssize_t n = write(c->go, "g", 1) == 1 ? read(c->err, &e, sizeof(e)) : -1;
    close(c->go);
    close(c->err);
    c->go = c->err = -1;
    if (n == 0) /* the pipe closed on exec */
        return 0;
    diag_sys_error(NULL, "-c: the command could not start: %s", strerror(n < 0 ? errno : e));
    return -1;
}

bool child_exited(struct child *c)
{
    if (!c->pid || c->exited)
        return c->exited;
    pid_t r = waitpid(c->pid, &c->status, WNOHANG);
    c->exited = r == c->pid || (r < 0 && errno == ECHILD);
    return c->exited;
}

void child_end(struct child *c)
{
    if (!c->pid)
        return;
    if (!c->released) {
        kill(c->pid, SIGKILL);
        close(c->go);
        close(c->err);
        while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
            ;
    } else if (!c->exited) {
        child_exited(c);
    }
    c->pid = 0;
}
