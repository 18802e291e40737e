#include "runtime/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "lang/diag.h"

/* Whether `file` is a program this process may run; else why not, as an
 * errno (EISDIR for a directory, EACCES for a file that is not executable). */
static int can_run(const char *file)
{
    struct stat st;
    if (stat(file, &st))
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    if (!S_ISREG(st.st_mode) || access(file, X_OK))
        return EACCES;
    return 0;
}

/* Whether argv0 names a program this process may run: as execvp finds it. */
static bool runnable(const char *argv0, int *err)
{
    if (strchr(argv0, '/')) {
        *err = can_run(argv0);
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
        int e = can_run(file);
        if (!e) {
            *err = 0;
            return true;
        }
        if (e != ENOENT) /* as execvp: found, but not runnable, unless a later one is */
            *err = e;
        p += n + (p[n] == ':');
    }
    return false;
}

/* Why `name` cannot be run, in a word a person reads. */
static const char *why_not(const char *name, int err)
{
    if (err == ENOENT && !strchr(name, '/'))
        return "it is not in $PATH";
    if (err == EISDIR)
        return "it is a directory";
    if (err == EACCES)
        return "it is not an executable file (Permission denied)";
    return strerror(err);
}

/* Whether the quotes in cmd match, as a shell pairs them. */
static bool quotes_match(const char *cmd)
{
    char q = 0;
    for (const char *p = cmd; *p; p++) {
        if (q == '\'') {
            q = *p == '\'' ? 0 : q;
        } else if (*p == '\\' && p[1]) {
            p++;
        } else if (q == '"') {
            q = *p == '"' ? 0 : q;
        } else if (*p == '\'' || *p == '"') {
            q = *p;
        }
    }
    return !q;
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
                       : rc == WRDE_SYNTAX && !quotes_match(cmd) ? "its quotes do not match"
                       : rc == WRDE_SYNTAX ? "an expansion in it ($((...)) or ${...}) fails"
                       : rc                ? "it cannot be split into words"
                                           : "it is empty");
        if (!rc)
            wordfree(&w);
        return -1;
    }
    int err;
    if (!runnable(w.we_wordv[0], &err)) {
        diag_sys_error(NULL, "-c: cannot run '%s': %s", w.we_wordv[0], why_not(w.we_wordv[0], err));
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

/* How long a command told to stop (SIGTERM) has before it is killed. */
#define GRACE_MS 1000

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
    } else if (!child_exited(c)) {
        /* tinyprobe ends first (exit, Ctrl-C, an error): the command it
         * started must not outlive it, as with bpftrace */
        kill(c->pid, SIGTERM);
        for (int ms = 0; ms < GRACE_MS && !child_exited(c); ms += 10)
            nanosleep(&(struct timespec){0, 10000000}, NULL);
        if (!c->exited) {
            kill(c->pid, SIGKILL);
            while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
                ;
        }
    }
    c->pid = 0;
}
