#!/usr/bin/env python3
"""tinyprobe against bpftrace, on this machine, in one run, on the same work.

Run by hand as root (not a test): tests/bench/bench.py [--quick] [SECTION...]
where a SECTION is one of startup compiled first_event per_event sustained
tiny_buffers maps probe_kinds storm json btf stacks (all of them when none is
named).
Needs bpftrace and bpftool (apt-get install bpftrace bpftool) and a build
(build/tinyprobe, build/tp_helper). Prints each figure for both tracers and
their ratio.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TP_BUILD", os.path.join(ROOT, "build"))  # another build: TP_BUILD=DIR
TP = os.path.join(BUILD, "tinyprobe")
HELPER = os.path.join(BUILD, "tp_helper")
QUICK = "--quick" in sys.argv
ROUNDS = 3 if QUICK else 7

BEGIN = {"tinyprobe": [TP, "-q", "-e", "probe BEGIN < exit >"],
         "bpftrace": ["bpftrace", "-e", "BEGIN { exit(); }"]}
ONELINER = {
    "tinyprobe": [TP, "-q", "-e", 'probe tracepoint:syscalls:sys_enter_openat '
                  '< printf("%d %s\\n", pid, str(args.filename)) >'],
    "bpftrace": ["bpftrace", "-e", 'tracepoint:syscalls:sys_enter_openat '
                 '{ printf("%d %s\\n", pid, str(args->filename)); }'],
}


def timed(cmd):
    """Wall seconds and peak RSS (KiB) of one run of cmd. The peak RSS is
    GNU time's, where it is installed: a child of this Python counts the
    copy of Python it was before its exec (some 17 MB) in its own, which a
    posix_spawn's child does too (it ran in this Python's memory)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    acts = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    t0 = time.monotonic()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=acts)
    _, _, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    rss = ru.ru_maxrss
    if os.path.exists("/usr/bin/time"):
        with tempfile.NamedTemporaryFile("r") as f:
            pid = os.posix_spawnp("/usr/bin/time", ["/usr/bin/time", "-f", "%M", "-o", f.name] + cmd,
                                  os.environ, file_actions=acts)
            os.wait4(pid, 0)
            rss = int(f.read().split()[-1])
    os.close(devnull)
    return wall, rss


def start(cmd, out, extra=(), env=None, cpu=None):
    """Starts a tracer with its events to the file `out` (on CPU `cpu`
    alone, if given)."""
    opt = ["-o", out]
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    return subprocess.Popen(cmd[:1] + list(extra) + opt + cmd[1:], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=pin)


def stop(p):
    """Ctrl-C, and what the tracer said. One that does not finish within 5
    minutes (a backlog it cannot get through) is killed, and that is said."""
    p.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    try:
        _, err = p.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        err += "\n(still running 5 minutes after Ctrl-C: killed)"
    took = time.monotonic() - t0
    if took > 1:
        print("  (%s took %.1f s to stop after Ctrl-C)" % (p.args[0].split("/")[-1], took))
    return err


def wait_for(path, needle, timeout=30, t0=None):
    """Seconds until `needle` shows up in the file at `path`, counted from
    t0 (a time.monotonic() taken before the tracer was started) or from
    now."""
    t0 = time.monotonic() if t0 is None else t0
    while time.monotonic() - t0 < timeout:
        try:
            with open(path, "rb") as f:
                if needle in f.read():
                    return time.monotonic() - t0
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    raise RuntimeError("no %r in %s after %d s" % (needle, path, timeout))


def lost(err, out):
    """The events a tracer says it lost: tinyprobe says so on stderr, bpftrace
    in its output."""
    with open(out, errors="replace") as f:
        text = err + "\n" + f.read()
    return sum(int(l.split()[1]) for l in text.splitlines()
               if l.startswith("Lost ") and l.split()[1].isdigit())


def helper(*args, cpu=None):
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    r = subprocess.run([HELPER] + [str(a) for a in args], capture_output=True, text=True,
                       check=True, preexec_fn=pin)
    return r.stderr.strip()


def bpf_progs():
    # a program that goes away while bpftool lists them makes it fail: again
    for _ in range(5):
        r = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
        if r.returncode == 0:
            return {p["id"]: p for p in json.loads(r.stdout)}
        time.sleep(0.1)
    raise RuntimeError("bpftool prog show: %s" % r.stderr.strip())


def report(name, tp, bt, unit, better="lower"):
    if tp <= 0 or bt <= 0:  # a figure less a floor, within the floor's noise
        print("%-46s %12s %12s   %s" % (name, "%.3g %s" % (tp, unit), "%.3g %s" % (bt, unit),
                                        "(within the noise)"))
        return
    ratio = bt / tp
    word = "x better" if (ratio > 1) == (better == "lower") else "x worse"
    r = ratio if ratio >= 1 else 1 / ratio if ratio else 0
    print("%-46s %12s %12s   %.1f%s" % (name, "%.3g %s" % (tp, unit), "%.3g %s" % (bt, unit),
                                         r, word))


def startup():
    runs = 3 if QUICK else 10
    res = {}
    for who, cmd in BEGIN.items():
        timed(cmd)  # warm the page cache
        samples = [timed(cmd) for _ in range(runs)]
        res[who] = (statistics.median(s[0] for s in samples) * 1000, max(s[1] for s in samples) / 1024)
    report("BEGIN { exit } wall, median", res["tinyprobe"][0], res["bpftrace"][0], "ms")
    report("BEGIN { exit } peak RSS", res["tinyprobe"][1], res["bpftrace"][1], "MB")


def compiled(tmp):
    """Start-up compiling (--no-cache), from the compiled-object cache and
    from a compiled script (--emit), each beside bpftrace's; --version; and
    the first event of the built-in open script, compiling and cached."""
    runs = 5 if QUICK else 20
    tpo = os.path.join(tmp, "begin.tpo")
    subprocess.run([TP, "--emit", tpo, "-e", "probe BEGIN < exit >"], check=True)
    variants = {
        "compiling (--no-cache)": [TP, "-q", "--no-cache", "-e", "probe BEGIN < exit >"],
        "from the cache": BEGIN["tinyprobe"],
        "from a compiled script": [TP, "-q", tpo],
    }

    def median_of(cmd):
        timed(cmd)  # warm the page cache, and fill the cache
        samples = [timed(cmd) for _ in range(runs)]
        return (statistics.median(s[0] for s in samples) * 1000, max(s[1] for s in samples) / 1024)

    bt = median_of(BEGIN["bpftrace"])
    for what, cmd in variants.items():
        tp = median_of(cmd)
        report("BEGIN { exit } %s, wall" % what, tp[0], bt[0], "ms")
        report("BEGIN { exit } %s, peak RSS" % what, tp[1], bt[1], "MB")
    floor = median_of(["/bin/true"])
    print("%-46s %12s   (the cost of starting any process here)" % ("/bin/true, wall",
                                                                   "%.3g ms" % floor[0]))
    tp = median_of([TP, "--version"])
    bv = median_of(["bpftrace", "--version"])
    report("--version, wall", tp[0], bv[0], "ms")
    report("--version, peak RSS", tp[1], bv[1], "MB")
    marker = os.path.join(tmp, "marker-file")
    res = {}
    for who, cmd in (("nocache", [TP, "-q", "--no-cache", "open"]), ("cache", [TP, "-q", "open"]),
                     ("bpftrace", ONELINER["bpftrace"])):
        firsts = []
        for _ in range(3 if QUICK else 7):
            opener = subprocess.Popen([HELPER, "rate", "1000", "60", marker],
                                      stderr=subprocess.DEVNULL)
            out = os.path.join(tmp, who + ".first")
            if os.path.exists(out):
                os.unlink(out)  # the last round's has the marker already
            t0 = time.monotonic()
            p = start(cmd, out)
            firsts.append(wait_for(out, marker.encode(), t0=t0) * 1000)
            stop(p)
            opener.kill()
            opener.wait()
        res[who] = statistics.median(firsts)
    report("first event of open, compiling (--no-cache)", res["nocache"], res["bpftrace"], "ms")
    report("first event of open, from the cache", res["cache"], res["bpftrace"], "ms")


def first_event(tmp):
    """From the tracer's start to the first event of a process that opens a
    marker file every millisecond, as the file the tracer writes shows it."""
    marker = os.path.join(tmp, "marker-file")
    res = {}
    for who, cmd in ONELINER.items():
        opener = subprocess.Popen([HELPER, "rate", "1000", "60", marker], stderr=subprocess.DEVNULL)
        out = os.path.join(tmp, who + ".first")
        if os.path.exists(out):
            os.unlink(out)  # the compiled section's, with the marker in it
        t0 = time.monotonic()
        p = start(cmd, out)
        res[who] = wait_for(out, marker.encode(), t0=t0) * 1000
        stop(p)
        opener.kill()
        opener.wait()
    report("open one-liner: first event after start", res["tinyprobe"], res["bpftrace"], "ms")


def per_event(tmp):
    """Kernel time per event (bpf_stats), a traced open's cost, peak RSS."""
    n = 50000 if QUICK else 200000
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    base = float(helper("burst", n, "/dev/null").split()[0])
    res = {}
    try:
        for who, cmd in ONELINER.items():
            out = os.path.join(tmp, who + ".burst")
            before = set(bpf_progs())
            p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", out + ".rss"] + cmd[:1] +
                                 ["-o", out] + cmd[1:], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(3 if who == "bpftrace" else 0.5)  # attached by then
            ns = float(helper("burst", n, "/dev/null").split()[0])
            progs = [v for k, v in bpf_progs().items() if k not in before and v.get("run_cnt")]
            run_ns = sum(v["run_time_ns"] for v in progs)
            cnt = sum(v["run_cnt"] for v in progs)
            subprocess.run(["pkill", "-INT", "-P", str(p.pid)])  # the tracer, not time
            p.wait(timeout=60)
            with open(out + ".rss") as f:
                rss = int(f.read().split()[-1]) / 1024
            res[who] = (run_ns / max(cnt, 1), ns / base, rss)
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("0")
    report("open one-liner: BPF run time per event", res["tinyprobe"][0] / 1000,
           res["bpftrace"][0] / 1000, "us")
    report("open one-liner: traced open() / untraced", res["tinyprobe"][1], res["bpftrace"][1], "x")
    report("open one-liner: peak RSS under %d events" % n, res["tinyprobe"][2], res["bpftrace"][2],
           "MB")


def sustained(tmp):
    """100,000 opens a second for 10 s, events to a file: how many arrive."""
    rate, secs = 100000, (3 if QUICK else 10)
    path = os.path.join(tmp, "sustained-path")
    res = {}
    for who, cmd in ONELINER.items():
        out = os.path.join(tmp, who + ".sustained")
        p = start(cmd, out)
        time.sleep(3 if who == "bpftrace" else 0.5)
        helper("rate", rate, secs, path)
        time.sleep(0.5)
        err = stop(p)
        with open(out, "rb") as f:
            got = f.read().count(path.encode())
        res[who] = (rate * secs - got, lost(err, out))
    print("%-46s %12s %12s" % ("%d opens/s for %d s: events missing" % (rate, secs),
                               res["tinyprobe"][0], res["bpftrace"][0]))
    print("%-46s %12s %12s" % ("  ... of which reported lost", res["tinyprobe"][1],
                               res["bpftrace"][1]))


def tiny_buffers(tmp):
    """Under a burst into the smallest buffers: is the lost count the truth?
    Only the helper's events are traced, so that every loss is one of them."""
    n = 200000
    path = os.path.join(tmp, "burst-path")
    res = {}
    filtered = {
        "tinyprobe": [TP, "-q", "-e", 'probe tracepoint:syscalls:sys_enter_openat / comm == '
                      '"tp_helper" / < printf("%d %s\\n", pid, str(args.filename)) >'],
        "bpftrace": ["bpftrace", "-e", 'tracepoint:syscalls:sys_enter_openat / comm == '
                     '"tp_helper" / { printf("%d %s\\n", pid, str(args->filename)); }'],
    }
    for who, cmd in filtered.items():
        out = os.path.join(tmp, who + ".tiny")
        env = dict(os.environ, BPFTRACE_PERF_RB_PAGES="1")
        extra = ["--buffer-size", "4096"] if who == "tinyprobe" else []
        p = start(cmd, out, extra, env)
        time.sleep(3 if who == "bpftrace" else 0.5)
        helper("burst", n, path)
        time.sleep(0.5)
        err = stop(p)
        with open(out, "rb") as f:
            got = f.read().count(path.encode())
        res[who] = (n - got, lost(err, out))
    print("%-46s %12s %12s" % ("burst into a 4 KiB buffer: events missing", res["tinyprobe"][0],
                               res["bpftrace"][0]))
    print("%-46s %12s %12s" % ("  ... of which reported lost", res["tinyprobe"][1],
                               res["bpftrace"][1]))


MAPS = {
    "empty program": ("probe tracepoint:syscalls:sys_enter_read { }",
                      "tracepoint:syscalls:sys_enter_read { }"),
    "@ = count()": ("probe tracepoint:syscalls:sys_enter_read { @ = count() }",
                    "tracepoint:syscalls:sys_enter_read { @ = count() }"),
    "@[comm] = count()": ("probe tracepoint:syscalls:sys_enter_read { @[comm] = count() }",
                          "tracepoint:syscalls:sys_enter_read { @[comm] = count() }"),
    "@ = hist(args.count)": ("probe tracepoint:syscalls:sys_enter_read { @ = hist(args.count) }",
                             "tracepoint:syscalls:sys_enter_read { @ = hist(args->count); }"),
}


def maps(tmp):
    """Kernel time per event of the common aggregations, on reads, and the
    same less an empty program's (what bpf_stats itself costs, 60-70 ns in a
    VM); then a map of 100,000 entries printed at exit: the time from Ctrl-C
    to the end."""
    n = 50000 if QUICK else 200000
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    try:
        for name, (tps, bts) in MAPS.items():
            res = {}
            for who, cmd in (("tinyprobe", [TP, "-q", "-e", tps]), ("bpftrace", ["bpftrace", "-e", bts])):
                before = set(bpf_progs())
                p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # a tracer left running would sit on the tracepoint for every
                # later figure: it is stopped whatever happens here
                try:
                    time.sleep(3 if who == "bpftrace" else 0.5)
                    # the median of several runs: one run's figure moves by 20 ns here
                    samples = []
                    for _ in range(ROUNDS):
                        start_stats = {k: v for k, v in bpf_progs().items() if k not in before}
                        helper("reads", n, "/dev/zero")
                        end_stats = {k: v for k, v in bpf_progs().items() if k in start_stats}
                        t = sum(end_stats[k].get("run_time_ns", 0) -
                                start_stats[k].get("run_time_ns", 0) for k in end_stats)
                        c = sum(end_stats[k].get("run_cnt", 0) - start_stats[k].get("run_cnt", 0)
                                for k in end_stats)
                        samples.append(t / max(c, 1))
                    res[who] = statistics.median(samples)
                finally:
                    p.send_signal(signal.SIGINT)
                    p.wait(timeout=300)
            report("%s: BPF run time per event" % name, res["tinyprobe"], res["bpftrace"], "ns")
            if name == "empty program":
                floor = dict(res)
            else:
                report("  ... less the empty program's", res["tinyprobe"] - floor["tinyprobe"],
                       res["bpftrace"] - floor["bpftrace"], "ns")
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("0")
    entries = 100000
    res = {}
    env = dict(os.environ, BPFTRACE_MAP_KEYS_MAX=str(2 * entries))
    for who, cmd in (("tinyprobe", [TP, "-q", "--map-size", str(2 * entries), "-e",
                                    "probe tracepoint:syscalls:sys_enter_openat / comm == \"tp_helper\" / "
                                    "{ @[nsecs] = count() }"]),
                     ("bpftrace", ["bpftrace", "-e",
                                   "tracepoint:syscalls:sys_enter_openat / comm == \"tp_helper\" / "
                                   "{ @[nsecs] = count() }"])):
        out = os.path.join(tmp, who + ".map")
        with open(out, "w") as f:
            p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", out + ".rss"] + cmd,
                                 stdout=f, stderr=subprocess.DEVNULL, env=env)
            time.sleep(3 if who == "bpftrace" else 0.5)
            helper("burst", entries, "/dev/null")
            t0 = time.monotonic()
            subprocess.run(["pkill", "-INT", "-P", str(p.pid)])
            p.wait(timeout=600)
            took = time.monotonic() - t0
        with open(out) as f:
            printed = sum(1 for l in f if l.startswith("@["))
        with open(out + ".rss") as f:
            rss = int(f.read().split()[-1]) / 1024
        res[who] = (took, rss, printed)
    report("map of %d entries: Ctrl-C to the end" % entries, res["tinyprobe"][0],
           res["bpftrace"][0], "s")
    report("  ... peak RSS", res["tinyprobe"][1], res["bpftrace"][1], "MB")
    print("%-46s %12s %12s" % ("  ... entries printed", res["tinyprobe"][2], res["bpftrace"][2]))


def probe_kinds(tmp):
    """Many probes at once: tracepoint:syscalls:sys_enter_* counted, from
    start to exit (an interval probe exits as soon as all are attached); -l
    of everything; a uprobe on tp_helper's tp_target: kernel ns per hit and
    the traced function's slowdown, as the caller sees it."""
    runs = 1 if QUICK else 3
    many = {"tinyprobe": [TP, "-q", "-e", "probe tracepoint:syscalls:sys_enter_* { @[probe] = count() }"],
            "bpftrace": ["bpftrace", "-e", "tracepoint:syscalls:sys_enter_* { @[probe] = count(); }"]}
    n = subprocess.run([TP, "-l", "tracepoint:syscalls:sys_enter_*"], capture_output=True,
                       text=True).stdout.count("\n")

    def attached(pid):
        out = subprocess.run(["bpftool", "-j", "perf", "list"], capture_output=True, text=True).stdout
        return sum(1 for e in json.loads(out or "[]") if e.get("pid") == pid)
    res = {}
    for who, cmd in many.items():
        up, down = [], []
        for _ in range(runs):
            t0 = time.monotonic()
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while attached(p.pid) < n and time.monotonic() - t0 < 60:
                pass
            up.append(time.monotonic() - t0)
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            p.wait(timeout=300)
            down.append(time.monotonic() - t0)
        res[who] = (statistics.median(up), statistics.median(down))
    report("%d sys_enter_* tracepoints: start to attached" % n, res["tinyprobe"][0],
           res["bpftrace"][0], "s")
    report("  ... Ctrl-C to exit (bpftrace waits for the kernel)", res["tinyprobe"][1],
           res["bpftrace"][1], "s")
    res = {}
    for who, cmd in {"tinyprobe": [TP, "-l"], "bpftrace": ["bpftrace", "-l"]}.items():
        timed(cmd)
        res[who] = statistics.median(timed(cmd)[0] for _ in range(max(runs, 3)))
    counts = {who: subprocess.run(cmd, capture_output=True, text=True).stdout.count("\n")
              for who, cmd in {"tinyprobe": [TP, "-l"], "bpftrace": ["bpftrace", "-l"]}.items()}
    report("-l, everything", res["tinyprobe"], res["bpftrace"], "s")
    print("%-46s %12s %12s" % ("  ... probes listed", counts["tinyprobe"], counts["bpftrace"]))

    calls = 20000 if QUICK else 100000

    def per_call():
        err = helper("call", calls, 1, "x")
        return float(err.split()[0])
    base = statistics.median(per_call() for _ in range(3))
    uprobe = {"tinyprobe": [TP, "-q", "-e", "probe uprobe:%s:tp_target { @ = count() }" % HELPER],
              "bpftrace": ["bpftrace", "-e", "uprobe:%s:tp_target { @ = count(); }" % HELPER]}
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    res = {}
    try:
        for who, cmd in uprobe.items():
            before = set(bpf_progs())
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(3 if who == "bpftrace" else 0.5)
            call = per_call()
            progs = [v for k, v in bpf_progs().items() if k not in before and v.get("run_cnt")]
            bpf = sum(v["run_time_ns"] for v in progs) / max(sum(v["run_cnt"] for v in progs), 1)
            p.send_signal(signal.SIGINT)
            p.wait(timeout=300)
            res[who] = (bpf, call - base)
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("0")
    report("uprobe @ = count(): BPF run time per hit", res["tinyprobe"][0], res["bpftrace"][0], "ns")
    report("  ... the traced call's slowdown", res["tinyprobe"][1], res["bpftrace"][1], "ns")
    print("%-46s %12s" % ("  ... an untraced call", "%.0f ns" % base))


def storm(tmp):
    """Ctrl-C under an event storm: two CPUs calling getppid() as fast as
    they can, each call an 8 KiB printf line. How long from the signal to
    the exit, and how many events each says it lost."""
    wide = "%1024d" * 8
    cmds = {
        "tinyprobe": [TP, "-q", "-e", 'probe tracepoint:syscalls:sys_enter_getppid / comm == '
                      '"tp_helper" / { printf("' + wide + '\\n", cpu, cpu, cpu, cpu, cpu, cpu, '
                      'cpu, cpu) }'],
        "bpftrace": ["bpftrace", "-e", 'tracepoint:syscalls:sys_enter_getppid / comm == '
                     '"tp_helper" / { printf("' + wide + '\\n", cpu, cpu, cpu, cpu, cpu, cpu, '
                     'cpu, cpu); }'],
    }
    res = {}
    for who, cmd in cmds.items():
        out = os.path.join(tmp, who + ".storm")
        spinners = [subprocess.Popen([HELPER, "spin", "30"], stderr=subprocess.DEVNULL)
                    for _ in range(2)]
        try:
            p = start(cmd, out)
            time.sleep(4 if who == "bpftrace" else 1)
            t0 = time.monotonic()
            err = stop(p)
            res[who] = (time.monotonic() - t0, lost(err, out))
        finally:
            for s in spinners:
                s.kill()
                s.wait()
    report("storm from 2 CPUs: Ctrl-C to exit", res["tinyprobe"][0], res["bpftrace"][0], "s")
    print("%-46s %12s %12s" % ("  ... events reported lost", res["tinyprobe"][1],
                               res["bpftrace"][1]))


def json_records(out, marker):
    """A -f json output: its printf records with `marker` in their data, the
    events its lost_events records count, its lines that are not a JSON
    object, and its map records."""
    got = lost_n = bad = 0
    maps = []
    with open(out, errors="replace") as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                r = None
            if not isinstance(r, dict):
                bad += 1
            elif r.get("type") == "printf" and marker in r.get("data", ""):
                got += 1
            elif r.get("type") == "lost_events":
                lost_n += r["data"]["events"]
            elif r.get("type") == "map":
                maps.append(r["data"])
    return got, lost_n, bad, maps


def cpu_seconds(pid):
    """The CPU time a process has used, all its threads, to the nanosecond
    (/proc/PID/task/*/schedstat: /proc/PID/stat counts in 10 ms ticks, a
    tenth of what a tracer uses in a run here)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass  # a thread that just ended
    return total / 1e9


def settle(pid):
    """Waits until a tracer is all but idle (under 5% of a CPU for half a
    second): it has caught up with the load. Not for ever: other opens on
    the machine are traced too."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30:
        cpu = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - cpu < 0.025:
            return


def json_(tmp):
    """The section json: -f json against text output, on the same work.
    100,000 opens a second for 10 s, each a printf to a file: how many
    arrive, whether every line of -f json is a JSON object, and the
    tracer's CPU time per event (/proc/PID/stat, from the load's start to
    its end, so without the tracer's start-up; the goal for tinyprobe is
    json at most 1.5 times text); then a map of 100,000 entries printed at
    exit: the time from Ctrl-C to the end (the goal: under 0.3 s)."""
    rate, secs = 100000, (3 if QUICK else 10)
    path = os.path.join(tmp, "json-path")
    fmts = {"json": ["-f", "json"], "text": []}
    res = {}
    for fmt, extra in fmts.items():
        for who, cmd in ONELINER.items():
            out = os.path.join(tmp, "%s.%s.sustained" % (who, fmt))
            p = start(cmd, out, extra, cpu=1)
            time.sleep(3 if who == "bpftrace" else 0.5)
            cpu0 = cpu_seconds(p.pid)
            helper("rate", rate, secs, path, cpu=0)
            settle(p.pid)
            cpu = cpu_seconds(p.pid) - cpu0
            err = stop(p)
            if fmt == "json":  # both say what they lost in a record
                got, lost_n, bad, _ = json_records(out, path)
            else:
                with open(out, "rb") as f:
                    got, lost_n, bad = f.read().count(path.encode()), lost(err, out), 0
            res[who, fmt] = (rate * secs - got, lost_n, bad, cpu / max(got, 1) * 1e6)
    for fmt in fmts:
        label = "%d printf/s for %d s, %s: missing" % (rate, secs, fmt)
        print("%-46s %12s %12s" % (label, res["tinyprobe", fmt][0], res["bpftrace", fmt][0]))
        print("%-46s %12s %12s" % ("  ... of which reported lost", res["tinyprobe", fmt][1],
                                   res["bpftrace", fmt][1]))
    print("%-46s %12s %12s" % ("  ... -f json lines that are not JSON", res["tinyprobe", "json"][2],
                               res["bpftrace", "json"][2]))
    # CPU a run varies by a third from one run to the next here (a shared
    # machine): tinyprobe's runs again, json and text in turn, and the
    # median of each; the tracer and the load each on a CPU of its own
    cpu = {fmt: [res["tinyprobe", fmt][3]] for fmt in fmts}
    for _ in range(0 if QUICK else 4):
        for fmt, extra in fmts.items():
            out = os.path.join(tmp, "again.%s.sustained" % fmt)
            p = start(ONELINER["tinyprobe"], out, extra, cpu=1)
            time.sleep(0.5)
            cpu0 = cpu_seconds(p.pid)
            helper("rate", rate, secs, path, cpu=0)
            settle(p.pid)
            used = cpu_seconds(p.pid) - cpu0
            stop(p)
            if fmt == "json":  # a record has the path twice: in data and in args
                got = json_records(out, path)[0]
            else:
                with open(out, "rb") as f:
                    got = f.read().count(path.encode())
            cpu[fmt].append(used / max(got, 1) * 1e6)
    for fmt in fmts:
        report("CPU time per event received, %s (median of %d)" % (fmt, len(cpu[fmt])),
               statistics.median(cpu[fmt]), res["bpftrace", fmt][3], "us")
    ratios = [j / t for j, t in zip(cpu["json"], cpu["text"])]
    print("%-46s %12s %12s" % ("  ... json / text (target: at most 1.5)", "%.2f x" % (
        statistics.median(ratios)), "%.2f x" % (
        res["bpftrace", "json"][3] / res["bpftrace", "text"][3])))
    print("%-46s %12s" % ("  ... each round's", " ".join("%.2f" % r for r in ratios)))

    entries = 100000
    env = dict(os.environ, BPFTRACE_MAP_KEYS_MAX=str(2 * entries))
    prog = {"tinyprobe": [TP, "-q", "--map-size", str(2 * entries), "-e",
                          "probe tracepoint:syscalls:sys_enter_openat / comm == \"tp_helper\" / "
                          "{ @[nsecs] = count() }"],
            "bpftrace": ["bpftrace", "-e",
                         "tracepoint:syscalls:sys_enter_openat / comm == \"tp_helper\" / "
                         "{ @[nsecs] = count() }"]}
    res = {}
    for fmt, extra in fmts.items():
        for who, cmd in prog.items():
            out = os.path.join(tmp, "%s.%s.map" % (who, fmt))
            p = start(cmd, out, extra, env)
            time.sleep(3 if who == "bpftrace" else 0.5)
            helper("burst", entries, "/dev/null")
            t0 = time.monotonic()
            stop(p)
            took = time.monotonic() - t0
            if fmt == "json":
                _, _, bad, maps = json_records(out, "")
                keys = "%d%s" % (sum(len(m.get("@", {})) for m in maps),
                                 ", %d not JSON" % bad if bad else "")
            else:
                with open(out) as f:
                    keys = sum(1 for l in f if l.startswith("@["))
            res[who, fmt] = (took, keys)
    for fmt in fmts:
        report("map of %d entries, %s: Ctrl-C to exit" % (entries, fmt),
               res["tinyprobe", fmt][0], res["bpftrace", fmt][0], "s")
    for fmt in fmts:
        print("%-46s %12s %12s" % ("  ... entries printed, %s" % fmt, res["tinyprobe", fmt][1],
                                   res["bpftrace", fmt][1]))


# member chains from curtask, for the script of 50 (bpftrace 0.17 cannot
# read a struct dentry, inode or vfsmount on 6.x: it does not find
# f_path.dentry->d_name, d_inode, d_sb, i_ino or mnt_flags, so the chain
# that went through a dentry goes through a parent's mm instead)
CHAINS = ["curtask->real_parent->pid",
          "curtask->group_leader->real_parent->mm->exe_file->f_flags",
          "curtask->signal->nr_threads",
          "curtask->real_parent->real_parent->tgid",
          "curtask->files->next_fd",
          "curtask->se.vruntime",
          "curtask->nsproxy->uts_ns->ns.inum",
          "curtask->cred->uid.val",
          "curtask->mm->total_vm",
          "curtask->fs->umask"]


def btf(tmp):
    """The section btf: member chains read through BTF. Kernel time per
    event (bpf_stats) of @[curtask->real_parent->pid] = count() and of a
    printf of $task->real_parent->comm, on the opens of a burst, the median
    of rounds each with a tracer of its own, the tracers in turn, only the
    programs the tracer attached counted and only over the burst (the
    target: tinyprobe at most 0.7 times bpftrace); then the time to compile
    a script of 50 member chains, median wall of runs: tinyprobe's -d ir
    (compile only) and --dry-run (compile and load: the target, under
    100 ms), bpftrace's --emit-elf and -d (compile only), and the run of
    the chains in a BEGIN probe that exits, for both."""
    n = 50000 if QUICK else 200000
    rounds = 1 if QUICK else 3
    scripts = {
        "@[curtask->real_parent->pid] = count(): ns/ev": {
            "tinyprobe": [TP, "-q", "-e", "probe tracepoint:syscalls:sys_enter_openat "
                          "{ @[curtask->real_parent->pid] = count() }"],
            "bpftrace": ["bpftrace", "-e", "tracepoint:syscalls:sys_enter_openat "
                         "{ @[curtask->real_parent->pid] = count(); }"]},
        "printf $task->real_parent->comm: BPF ns/event": {
            "tinyprobe": [TP, "-q", "-e", 'probe tracepoint:syscalls:sys_enter_openat / comm == '
                          '"tp_helper" / { $task = (struct task_struct *)curtask; '
                          'printf("%s\\n", $task->real_parent->comm) }'],
            "bpftrace": ["bpftrace", "-e", 'tracepoint:syscalls:sys_enter_openat / comm == '
                         '"tp_helper" / { $task = (struct task_struct *)curtask; '
                         'printf("%s\\n", $task->real_parent->comm); }']},
    }

    def own(pid):
        """The programs the process `pid` has attached (bpftool perf list)."""
        out = subprocess.run(["bpftool", "-j", "perf", "list"], capture_output=True,
                             text=True).stdout
        return {e["prog_id"] for e in json.loads(out or "[]") if e.get("pid") == pid}
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    try:
        for name, cmds in scripts.items():
            samples = {who: [] for who in cmds}
            for r in range(rounds):
                for who, cmd in cmds.items():
                    out = os.path.join(tmp, "%s.btf.%d" % (who, r))
                    before = set(bpf_progs())
                    p = start(cmd, out)
                    try:
                        t0 = time.monotonic()
                        while not own(p.pid) and time.monotonic() - t0 < 60:
                            if p.poll() is not None:
                                raise RuntimeError("%s exited: %s" % (who, p.stderr.read()))
                            time.sleep(0.05)
                        time.sleep(0.2)
                        ids = own(p.pid) - before
                        if not ids:
                            raise RuntimeError("%s attached no program of its own" % who)
                        start_stats = {k: v for k, v in bpf_progs().items() if k in ids}
                        helper("burst", n, "/dev/null")
                        end_stats = {k: v for k, v in bpf_progs().items() if k in start_stats}
                        t = sum(end_stats[k].get("run_time_ns", 0) -
                                start_stats[k].get("run_time_ns", 0) for k in end_stats)
                        c = sum(end_stats[k].get("run_cnt", 0) - start_stats[k].get("run_cnt", 0)
                                for k in end_stats)
                        if c < n:
                            raise RuntimeError("%s ran %d times on %d opens" % (who, c, n))
                        samples[who].append(t / c)
                    finally:
                        stop(p)
            tp, bt = statistics.median(samples["tinyprobe"]), statistics.median(samples["bpftrace"])
            report(name, tp, bt, "ns")
            print("%-46s %12s" % ("  ... tinyprobe / bpftrace (target: at most 0.7)",
                                  "%.2f x" % (tp / bt)))
            print("%-46s %12s %12s" % ("  ... each round's", " ".join(
                "%.0f" % x for x in samples["tinyprobe"]), " ".join(
                "%.0f" % x for x in samples["bpftrace"])))
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("0")

    runs = 3 if QUICK else 7
    body = "".join("@m%d = %s; " % (i, CHAINS[i % len(CHAINS)]) for i in range(50))
    tps, bts = os.path.join(tmp, "chains.tp"), os.path.join(tmp, "chains.bt")
    with open(tps, "w") as f:
        f.write("probe BEGIN { %sexit() }\n" % body)
    with open(bts, "w") as f:
        f.write("BEGIN { %sexit(); }\n" % body)
    for cmd in ([TP, "--dry-run", tps], ["bpftrace", "--emit-elf", os.devnull, bts]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))

    def wall(cmd):
        timed(cmd)  # warm the page cache
        return statistics.median(timed(cmd)[0] for _ in range(runs)) * 1000
    elf = os.path.join(tmp, "chains.elf")
    ir = wall([TP, "-d", "ir", tps])
    dry = wall([TP, "--dry-run", tps])
    run = {"tinyprobe": wall([TP, "-q", tps]), "bpftrace": wall(["bpftrace", bts])}
    # bpftrace 0.17 has no dry run that loads: -d and --emit-elf stop
    # before the kernel (-d printing the AST and the IR on the way), so
    # against tinyprobe's --dry-run, its whole run of the BEGIN probe
    report("50 chains, compile: tp -d ir, bt --emit-elf", ir,
           wall(["bpftrace", "--emit-elf", elf, bts]), "ms")
    report("  ... compile: tp -d ir, bt -d (AST, IR dumped)", ir, wall(["bpftrace", "-d", bts]),
           "ms")
    report("  ... tp --dry-run, bt's BEGIN run to exit", dry, run["bpftrace"], "ms")
    report("  ... BEGIN { 50 chains; exit() }, run to exit", run["tinyprobe"], run["bpftrace"],
           "ms")
    print("%-46s %12s" % ("  ... tp --dry-run under 100 ms (target)", "yes" if dry < 100 else "no"))


def stacks(tmp):
    """The section stacks: profile:hz:999 { @[kstack, ustack, comm] = count() }
    while two helpers (one a CPU) walk 32768 distinct paths of calls for
    about 10 s: the BPF ns per sample (bpf_stats, over the tracer's own
    programs), the workload's slowdown against a run without a tracer, the
    distinct stacks printed, the seconds from Ctrl-C to the tracer's exit
    (reading and symbolizing every stack: the target, at most 0.5x
    bpftrace's), and the tracer's peak RSS (the target: at most
    bpftrace's). tinyprobe walks user stacks by frame pointers here
    (--unwind fp), as bpftrace does; its DWARF unwinding is a line of its
    own."""
    n = 2000000 if QUICK else 9000000
    script = "@[kstack, ustack, comm] = count()"
    # room for every stack in both (their maps have 4096 keys by default)
    keys = "65536"
    cmds = {
        "tinyprobe": [TP, "-q", "--unwind", "fp", "--map-size", keys, "-e",
                      "probe profile:hz:999 { %s }" % script],
        "bpftrace": ["bpftrace", "-e", "profile:hz:999 { %s; }" % script],
        "tinyprobe --unwind dwarf": [TP, "-q", "--unwind", "dwarf", "--map-size", keys, "-e",
                                     "probe profile:hz:999 { %s }" % script],
    }
    env = dict(os.environ, BPFTRACE_MAP_KEYS_MAX=keys)

    def workload():
        """Two helpers, one a CPU: the slower one's seconds."""
        ps = [subprocess.Popen([HELPER, "stacks", str(n)], stderr=subprocess.PIPE, text=True,
                               preexec_fn=(lambda c=c: os.sched_setaffinity(0, {c})))
              for c in (0, 1)]
        return max(float(p.communicate()[1].strip()) for p in ps)

    # the workload alone, twice: the faster is the base (this machine is a
    # shared one, whose noise only ever slows a run)
    base = min(workload(), workload())
    print("%-46s %12s" % ("stacks: the workload alone", "%.2f s" % base))
    res = {}
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    try:
        for who, cmd in cmds.items():
            out, err = os.path.join(tmp, "stacks.out"), os.path.join(tmp, "stacks.err")
            before = set(bpf_progs())
            with open(err, "w") as ef:
                p = subprocess.Popen(cmd[:1] + ["-o", out] + cmd[1:], stdout=subprocess.DEVNULL,
                                     stderr=ef, env=env)
            # bpftool perf list does not show perf events' programs: the
            # new perf_event programs are the tracer's
            t0, ids = time.monotonic(), set()
            while not ids and time.monotonic() - t0 < 60:
                if p.poll() is not None:
                    raise RuntimeError("%s exited: %s" % (who, open(err).read()))
                time.sleep(0.2)
                ids = {k for k, v in bpf_progs().items()
                       if k not in before and v.get("type") == "perf_event"}
            time.sleep(0.5)
            s0 = {k: v for k, v in bpf_progs().items() if k in ids}
            took = workload()
            s1 = {k: v for k, v in bpf_progs().items() if k in s0}
            ns = sum(s1[k].get("run_time_ns", 0) - s0[k].get("run_time_ns", 0) for k in s1)
            cnt = sum(s1[k].get("run_cnt", 0) - s0[k].get("run_cnt", 0) for k in s1)
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            _, _, ru = os.wait4(p.pid, 0)
            stop_s = time.monotonic() - t0
            with open(out, errors="replace") as f:  # a key ends "...]: N"
                printed = sum(1 for l in f if "]: " in l)
            res[who] = (ns / cnt if cnt else 0, took / base, printed, stop_s, ru.ru_maxrss / 1024)
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("0")
    tp, bt, dw = res["tinyprobe"], res["bpftrace"], res["tinyprobe --unwind dwarf"]
    report("profile:hz:999 stacks: BPF ns/sample", tp[0], bt[0], "ns")
    report("  ... workload slowdown (x, 1 = none)", tp[1], bt[1], "x")
    report("  ... distinct stacks printed", tp[2], bt[2], "", better="higher")
    report("  ... Ctrl-C to exit, all printed", tp[3], bt[3], "s")
    print("%-46s %12s" % ("  ... tinyprobe / bpftrace (target: at most 0.5)",
                          "%.2f x" % (tp[3] / bt[3] if bt[3] else 0)))
    report("  ... peak RSS", tp[4], bt[4], "MiB")
    print("%-46s %12s %12s" % ("  --unwind dwarf: BPF ns/sample, slowdown", "%.0f ns" % dw[0],
                               "%.3f x" % dw[1]))
    print("%-46s %12s %12s" % ("  --unwind dwarf: stacks, Ctrl-C s, RSS MiB", "%d" % dw[2],
                               "%.2f s %.0f" % (dw[3], dw[4])))


def main():
    if os.geteuid() != 0:
        sys.exit("bench.py: run as root")
    print("%-46s %12s %12s   %s" % ("", "tinyprobe", "bpftrace", "ratio"))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")  # a cache of its own
        sections = [startup, compiled, first_event, per_event, sustained, tiny_buffers, maps, probe_kinds,
                    storm, json_, btf, stacks]
        name = {f: f.__name__.rstrip("_") for f in sections}  # json_: json is the module
        wanted = [a for a in sys.argv[1:] if not a.startswith("--")]
        unknown = set(wanted) - set(name.values())
        if unknown:
            sys.exit("bench.py: no section %s" % ", ".join(sorted(unknown)))
        for f in sections:
            if not wanted or name[f] in wanted:
                f() if f is startup else f(tmp)


if __name__ == "__main__":
    main()
