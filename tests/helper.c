/* The tests' known workload: it makes exactly the syscalls it is told to, so
 * that a test can assert every line tinyprobe prints for its pid. Linked
 * statically, so no dynamic loader opens files before main. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/syscall.h>
#include "tp_sdt.h" /* TP_HAVE_SDT: whether this build found <sys/sdt.h> */
#if TP_HAVE_SDT     /* systemtap-sdt-dev: the USDT tests need it */
#include <sys/sdt.h>
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void open_close(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0)
        close(fd);
}

/* getpgid(0), made by the syscall instruction itself, so that no libc
 * function (built without frame pointers) stands between the syscall and
 * the chain below. */
static inline __attribute__((always_inline)) long raw_getpgid(void)
{
    long ret;
#if defined(__x86_64__)
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)SYS_getpgid), "D"(0L)
                     : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = SYS_getpgid;
    register long x0 __asm__("x0") = 0;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8) : "memory");
    ret = x0;
#else
    ret = syscall(SYS_getpgid, 0);
#endif
    return ret;
}

/* The known chain of calls the stack tests look for: main calls outer,
 * outer middle, middle inner, and inner makes the syscall. Each uses what
 * it called returned, so that none is a tail call that would leave no
 * frame; not inlined, and kept in .symtab. */
__attribute__((noinline, used)) long inner(long n)
{
#ifndef TP_NO_FRAME_POINTERS
    /* a frame of its own, which GCC leaves out of a leaf function even
     * with -mno-omit-leaf-frame-pointer: asking for its address makes one */
    void *volatile frame = __builtin_frame_address(0);
    (void)frame;
#endif
    return raw_getpgid() + n;
}
__attribute__((noinline, used)) long middle(long n)
{
    return inner(n + 1) + 1;
}
__attribute__((noinline, used)) long outer(long n)
{
    return middle(n + 1) + 1;
}

/* The benchmark's many stacks: walk_a and walk_b call each other (or
 * themselves) WALK_DEPTH deep, which one by a bit of `bits`, then spin in
 * leaf: 2^WALK_DEPTH call paths, each a stack of its own. */
#define WALK_DEPTH 15
static volatile unsigned long walk_sink;
__attribute__((noinline)) static void leaf(unsigned long bits)
{
    for (unsigned long i = 0; i < 2000; i++)
        walk_sink += i ^ bits;
}
__attribute__((noinline)) static void walk_b(int depth, unsigned long bits);
__attribute__((noinline)) static void walk_a(int depth, unsigned long bits)
{
    if (!depth)
        leaf(bits);
    else if (bits & 1)
        walk_b(depth - 1, bits >> 1);
    else
        walk_a(depth - 1, bits >> 1);
    walk_sink++; /* after the call: no tail call, which would leave no frame */
}
__attribute__((noinline)) static void walk_b(int depth, unsigned long bits)
{
    if (!depth)
        leaf(bits);
    else if (bits & 1)
        walk_b(depth - 1, bits >> 1);
    else
        walk_a(depth - 1, bits >> 1);
    walk_sink++;
}

/* The function the uprobe tests trace: its arguments and its return value
 * are known (a + the length of s). Not inlined, and kept in .symtab. */
__attribute__((noinline, used)) long tp_target(long a, const char *s)
{
    __asm__ volatile("" ::: "memory");
    return a + (long)strlen(s);
}

/* The function the struct tests trace: a pointer to a TCP header in the
 * helper's memory, read through a cast, bitfields and all. */
__attribute__((noinline, used)) int tp_struct(const struct tcphdr *h)
{
    __asm__ volatile("" ::: "memory");
    return h->syn;
}

static int usage(void);

/* A TCP connection to itself on addr, so that sock:inet_sock_set_state
 * fires with known addresses and port: the listener's port is printed. */
static int tcp(const char *addr, long bytes)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        len = sizeof(*in);
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        len = sizeof(*in6);
    } else {
        return usage();
    }
    int l = socket(ss.ss_family, SOCK_STREAM, 0), c = socket(ss.ss_family, SOCK_STREAM, 0);
    if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&ss, len) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&ss, &len) || connect(c, (struct sockaddr *)&ss, len)) {
        perror("tp_helper tcp");
        return 1;
    }
    int a = accept(l, NULL, NULL);
    /* the connecting side sends, the accepted side reads it all, so that the
     * kernel has acknowledged every byte when both close */
    static char buf[65536];
    for (long sent = 0; a >= 0 && sent < bytes;) {
        size_t n = (size_t)(bytes - sent) < sizeof(buf) ? (size_t)(bytes - sent) : sizeof(buf);
        ssize_t w = write(c, buf, n);
        if (w <= 0)
            break;
        for (ssize_t got = 0; got < w;) {
            ssize_t r = read(a, buf, (size_t)(w - got));
            if (r <= 0)
                return 1;
            got += r;
        }
        sent += w;
    }
    close(c);
    if (a >= 0)
        close(a);
    close(l);
    printf("%d\n", ntohs(ss.ss_family == AF_INET ? in->sin_port : in6->sin6_port));
    return 0;
}

static int usage(void)
{
    fputs(
        "usage: tp_helper open PATH...      open each path\n"
        "       tp_helper exec PROG [ARG...] exec PROG with argv PROG ARG...\n"
        "       tp_helper burst N PATH       open PATH N times, as fast as it can\n"
        "       tp_helper rate N SECS PATH   open PATH N times a second for SECS seconds\n"
        "       tp_helper cpus PATH...       open each path on the next CPU, in turn\n"
        "       tp_helper reads N PATH       read PATH N times, 1 to 4096 bytes at a time\n"
        "       tp_helper call N A STR       call tp_target(A + i, STR) for i from 0 to N-1\n"
        "       tp_helper usdt N A STR       fire USDT probe tinyprobe:hit(A + i, STR, -i) N "
        "times\n"
        "       tp_helper spin SECS          call getppid() as fast as it can for SECS seconds\n"
        "       tp_helper hold SECS          ignore SIGTERM, say ready, and sleep SECS seconds\n"
        "       tp_helper tcp ADDR [N]       connect to a listener on ADDR (127.0.0.1, ::1), send\n"
        "                                    it N bytes, then close both; print the listener's "
        "port\n"
        "       tp_helper signal SECS        call getppid(), then say which signal came within\n"
        "                                    SECS seconds\n"
        "       tp_helper chain SECS         main calls outer, middle, inner: getpgid(0); then\n"
        "                                    sleep SECS seconds\n"
        "       tp_helper stacks N           N calls down one of 32768 paths of calls, and the\n"
        "                                    seconds they took\n",
        stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (argc < 3 && strcmp(argv[1], "tcphdr") != 0))
        return usage();
    if (strcmp(argv[1], "open") == 0) {
        for (int i = 2; i < argc; i++)
            open_close(argv[i]);
        return 0;
    }
    if (strcmp(argv[1], "cpus") == 0) {
        /* one event per CPU in turn: a tracer that groups events by CPU
         * prints them out of this order */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        for (int i = 2; i < argc; i++) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET((i - 2) % ncpu, &set);
            if (sched_setaffinity(0, sizeof(set), &set))
                perror("sched_setaffinity");
            open_close(argv[i]);
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
        double t0 = now();
        for (long i = 0; i < n; i++)
            open_close(argv[3]);
        /* for benchmarks: the cost of one traced open, as seen by the caller */
        fprintf(stderr, "%.0f ns per open\n", (now() - t0) * 1e9 / n);
        return 0;
    }
    if (strcmp(argv[1], "reads") == 0 && argc == 4) {
        /* N reads of 1 to 4096 bytes from PATH, for histograms of read sizes */
        long n = atol(argv[2]);
        int fd = open(argv[3], O_RDONLY);
        if (fd < 0) {
            perror(argv[3]);
            return 1;
        }
        static char buf[4096];
        double t0 = now();
        for (long i = 0; i < n; i++)
            if (read(fd, buf, 1 + (size_t)(i * 37) % sizeof(buf)) < 0)
                perror("read");
        fprintf(stderr, "%.0f ns per read\n", (now() - t0) * 1e9 / n);
        close(fd);
        return 0;
    }
    if (strcmp(argv[1], "nanosleep") == 0 && argc == 4) {
        /* the syscall itself: libc's nanosleep() may call clock_nanosleep */
        struct timespec ts = {atol(argv[2]), atol(argv[3])};
        return syscall(SYS_nanosleep, &ts, NULL) == 0 ? 0 : 1;
    }
    if (strcmp(argv[1], "stacks") == 0 && argc == 3) {
        long n = atol(argv[2]);
        double t0 = now();
        for (long i = 0; i < n; i++)
            walk_a(WALK_DEPTH, (unsigned long)i * 2654435761ul);
        fprintf(stderr, "%.3f\n", now() - t0);
        return 0;
    }
    if (strcmp(argv[1], "chain") == 0 && argc == 3) { /* then lingers SECS */
        volatile long sink = outer(0);
        (void)sink;
        struct timespec ts = {0, 0};
        double secs = atof(argv[2]);
        ts.tv_sec = (time_t)secs;
        ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
        return 0;
    }
    if (strcmp(argv[1], "tcphdr") == 0 && argc == 2) {
        struct tcphdr h = {0};
        h.source = htons(4660);
        h.dest = htons(80);
        h.seq = htonl(1);
        h.doff = 5;
        h.syn = 1;
        h.ack = 1;
        h.window = htons(512);
        return tp_struct(&h) == 1 ? 0 : 1;
    }
    if (strcmp(argv[1], "call") == 0 && argc == 5) {
        long n = atol(argv[2]), a = atol(argv[3]), sum = 0;
        double t0 = now();
        for (long i = 0; i < n; i++)
            sum += tp_target(a + i, argv[4]);
        /* for benchmarks: the cost of one traced call, as seen by the caller */
        fprintf(stderr, "%.0f ns per call (sum %ld)\n", (now() - t0) * 1e9 / n, sum);
        return 0;
    }
    if (strcmp(argv[1], "usdt") == 0 && argc == 5) {
#if TP_HAVE_SDT
        long n = atol(argv[2]), a = atol(argv[3]);
        for (long i = 0; i < n; i++) {
            int neg = (int)-i; /* a 4-byte signed operand, widened by the probe */
            DTRACE_PROBE3(tinyprobe, hit, a + i, argv[4], neg);
        }
        return 0;
#else
        fputs("tp_helper: built without <sys/sdt.h>\n", stderr);
        return 77;
#endif
    }
    if (strcmp(argv[1], "spin") == 0 && argc == 3) {
        /* an event storm, for a tracer that must still heed Ctrl-C */
        double end = now() + atof(argv[2]);
        long n = 0;
        while ((n & 1023) || now() < end) {
            getppid();
            n++;
        }
        fprintf(stderr, "%ld calls\n", n);
        return 0;
    }
    if (strcmp(argv[1], "tcp") == 0 && (argc == 3 || argc == 4))
        return tcp(argv[2], argc == 4 ? atol(argv[3]) : 0);
    if (strcmp(argv[1], "signal") == 0 && argc == 3) {
        /* every signal held, so that the one a probe sends waits to be
         * taken, and the helper lives to say which it was */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        getppid();
        double secs = atof(argv[2]);
        struct timespec ts = {(time_t)secs, (long)((secs - (time_t)secs) * 1e9)};
        int sig = sigtimedwait(&all, NULL, &ts);
        if (sig > 0)
            printf("signal %d\n", sig);
        else
            puts("no signal");
        return 0;
    }
    if (strcmp(argv[1], "hold") == 0 && argc == 3) {
        /* a command that will not stop when asked: only SIGKILL ends it */
        signal(SIGTERM, SIG_IGN);
        puts("ready");
        fflush(stdout);
        double end = now() + atof(argv[2]);
        while (now() < end)
            usleep(10000);
        return 0;
    }
    if (strcmp(argv[1], "rate") == 0 && argc == 5) {
        /* paced in 1 ms steps: each step opens its share, then waits for the next */
        long rate = atol(argv[2]), secs = atol(argv[3]), done = 0;
        double t0 = now();
        for (long step = 0; step < secs * 1000; step++) {
            long due = rate * (step + 1) / 1000;
            for (; done < due; done++)
                open_close(argv[4]);
            while (now() < t0 + (step + 1) / 1000.0)
                ;
        }
        fprintf(stderr, "%ld opens in %.2f s\n", done, now() - t0);
        return 0;
    }
    return usage();
}
