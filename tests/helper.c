/* The tests' known workload: it makes exactly the syscalls it is told to, so
 * that a test can assert every line tinyprobe prints for its pid. Linked
 * statically, so no dynamic loader opens files before main. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(void)
{
    fputs("usage: tp_helper open PATH...      open each path\n"
          "       tp_helper exec PROG [ARG...] exec PROG with argv PROG ARG...\n"
          "       tp_helper burst N PATH       open PATH N times, as fast as it can\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    if (strcmp(argv[1], "open") == 0) {
        for (int i = 2; i < argc; i++) {
            int fd = open(argv[i], O_RDONLY);
            if (fd >= 0)
                close(fd);
        }
        return 0;
    }
    if (strcmp(argv[1], "exec") == 0) {
        execv(argv[2], argv + 2);
        perror("execv");
        return 1;
    }
    if (strcmp(argv[1], "burst") == 0 && argc == 4) {
        long n = atol(argv[2]);
        for (long i = 0; i < n; i++) {
            int fd = open(argv[3], O_RDONLY);
            if (fd >= 0)
                close(fd);
        }
        return 0;
    }
    return usage();
}
