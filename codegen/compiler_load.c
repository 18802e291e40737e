/* Finding and opening the compiler module (codegen/compiler.h). It is looked
 * for where the build and `cmake --install` put it, relative to the
 * executable as /proc/self/exe names it: beside it (the build tree), then, for
 * an executable in a bin/ directory, in COMPILER_DIR under that directory's
 * parent. Never through an environment variable or the loader's search path:
 * tinyprobe runs as root, and what it loads is code that runs as root. */
#include "codegen/compiler.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler_interface.h"
#include "lang/diag.h"

#ifndef COMPILER_DIR /* where cmake --install puts the module: CMakeLists.txt says */
#error "COMPILER_DIR is not defined"
#endif

#define CANNOT "cannot compile the script: "

#ifdef __SANITIZE_ADDRESS__
/* ASan builds with gcc 12's libasan: LeakSanitizer takes a wrong size for a
 * block of dynamic TLS, which LLVM's thread_locals are in a module opened with
 * dlopen, and crashes at exit ("Tracer caught signal 11"). Not intercepting
 * __tls_get_addr leaves those blocks unscanned instead: a leak held only by
 * one would be reported, none is missed. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}
#endif

static void compiler_note(void)
{
    diag_note(NULL, "only compiling needs it: -d tokens, ast and plan, and compiled scripts "
                    "(.tpo), run without it");
}

/* The places the module may be, in the order they are tried: where it is
 * missing, the error names the last, the one an installed tinyprobe has. */
static int compiler_paths(char paths[2][PATH_MAX + 64])
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1) {
        diag_sys_error(NULL, CANNOT "cannot find the compiler module: /proc/self/exe: %s",
                       n < 0 ? strerror(errno) : "the path is too long");
        return -1;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0; /* the kernel's path is absolute */
    int np = 0;
    snprintf(paths[np++], sizeof(paths[0]), "%s/%s", exe, COMPILER_FILE);
    slash = strrchr(exe, '/');
    if (slash && !strcmp(slash + 1, "bin")) {
        *slash = 0;
        snprintf(paths[np++], sizeof(paths[0]), "%s/%s/%s", exe, COMPILER_DIR, COMPILER_FILE);
    }
    return np;
}

static const struct compiler *compiler_open(void)
{
    char paths[2][PATH_MAX + 64];
    int np = compiler_paths(paths);
    if (np < 0)
        return NULL;
    const char *path = paths[np - 1];
    struct stat st;
    int err = ENOENT;
    for (int i = 0; i < np && err == ENOENT; i++) {
        path = paths[i];
        err = stat(path, &st) ? errno : 0;
    }
    if (err) {
        diag_sys_error(NULL, CANNOT "the compiler module %s %s (%s)", path,
                       err == ENOENT ? "is missing" : "cannot be reached", strerror(err));
        compiler_note();
        return NULL;
    }
    /* RTLD_NOW: a symbol the executable lacks fails here, said, rather than
     * in the middle of a compile */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        diag_sys_error(NULL, CANNOT "the compiler module %s cannot be loaded: %s", path, dlerror());
        compiler_note();
        return NULL;
    }
    const struct compiler *c = dlsym(h, COMPILER_SYMBOL);
    if (!c) {
        diag_sys_error(NULL, CANNOT "%s is not a compiler module of tinyprobe: it has no %s", path,
                       COMPILER_SYMBOL);
        return NULL;
    }
    /* its interface is read only once its ABI says where it is */
    if (c->abi != COMPILER_ABI || !c->interface || strcmp(c->interface, COMPILER_INTERFACE)) {
        if (c->abi == COMPILER_ABI)
            diag_sys_error(NULL,
                           CANNOT "the compiler module %s is from another build of tinyprobe "
                                  "(its interface %s, this tinyprobe's %s)",
                           path, c->interface ? c->interface : "none", COMPILER_INTERFACE);
        else
            diag_sys_error(NULL,
                           CANNOT "the compiler module %s is from another build of tinyprobe "
                                  "(its ABI %u, this tinyprobe's %u)",
                           path, c->abi, COMPILER_ABI);
        diag_note(NULL, "install tinyprobe and its compiler module from the same build");
        return NULL;
    }
    /* never closed, nor one refused above: LLVM's exit handlers are in it */
    return c;
}

int compiler_compile(const struct ast_program *p, const struct cg_opts *o, struct cg_output *out)
{
    static const struct compiler *c;
    memset(out, 0, sizeof(*out));
    if (!c && !(c = compiler_open()))
        return -1;
    return c->compile(p, o, out);
}
