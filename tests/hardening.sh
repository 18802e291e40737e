#!/usr/bin/env bash
# Hardening on the real kernel: output faults, signals, resource limits and
# large scripts end in a message and the right exit status, never a crash, a
# hang or output lost in silence. Usage: hardening.sh CASE
. "$(dirname "$0")/lib.sh"

# Seconds since the epoch, with nanoseconds, for timing a case.
now() { date +%s.%N; }
# elapsed START MAX: fails if more than MAX seconds passed since START.
within() {
    awk -v s="$1" -v e="$(now)" -v m="$2" 'BEGIN { exit !(e - s <= m) }' ||
        fail "took more than $2 s"
}

# A write error is said once, the probes are detached, the status is 1.
output_full() {
    "$TP" -e 'probe BEGIN < print "x"; exit >' >/dev/full 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1, writing to /dev/full"
    cat >"$WORK/want" <<'END'
tinyprobe: error: cannot write events to standard output: No space left on device
note: 1 line of events (2 bytes) was not written
END
    expect "$WORK/want"
    "$TP" -o /dev/full -e 'probe BEGIN < print "x"; exit >' 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1, with -o /dev/full"
    sed -i 's|standard output|/dev/full|' "$WORK/want"
    expect "$WORK/want"
}

# -o on a file system that fills up: said, and status 1.
output_fs_full() {
    command -v unshare >/dev/null || skip "no unshare"
    mkdir "$WORK/mnt"
    {
        echo 'probe BEGIN <'
        for _ in $(seq 1 2000); do echo '    print "0123456789012345678901234567890123456789012345678901234567890123";'; done
        echo '    exit >'
    } >"$WORK/big.tp"
    unshare -m sh -c "mount -t tmpfs -o size=64k none '$WORK/mnt' &&
        '$TP' -q -o '$WORK/mnt/out' '$WORK/big.tp'; echo \$? >'$WORK/rc'" 2>"$WORK/err"
    [ "$(cat "$WORK/rc")" = 1 ] || fail "exit code $(cat "$WORK/rc"), not 1, on a full file system"
    head -1 "$WORK/err" >"$WORK/got"
    echo "tinyprobe: error: cannot write events to $WORK/mnt/out: No space left on device" >"$WORK/want"
    expect "$WORK/want"
    grep -Eq '^note: [0-9]+ lines of events \([0-9]+ bytes\) were not written$' "$WORK/err" ||
        fail "no count of what was lost"
}

# A write that fails half way through a line (here at ulimit -f's 1 KiB)
# leaves no cut line: the file ends at the last whole line, and the rest is
# counted, in text and in JSON.
output_cut_line() {
    {
        echo 'probe BEGIN <'
        for i in $(seq 100 199); do echo "    print \"line $i 0123456789012345678901234567890123456789012345678901\";"; done
        echo '    exit >'
    } >"$WORK/lines.tp"
    for format in text json; do
        (ulimit -f 1 && exec "$TP" -q -f $format -o "$WORK/out" "$WORK/lines.tp") 2>"$WORK/got"
        local rc=$?
        [ $rc -eq 1 ] || fail "exit code $rc, not 1, past ulimit -f ($format)"
        local size whole
        size=$(stat -c %s "$WORK/out")
        [ "$size" -le 1024 ] || fail "$format: the file has $size bytes, past the limit"
        whole=$(wc -l <"$WORK/out")
        [ "$size" -eq "$(head -c "$size" "$WORK/out" | wc -c)" ] && [ "$(tail -c 1 "$WORK/out" | od -An -c | tr -d ' ')" = '\n' ] ||
            fail "$format: the file does not end at a line's end"
        # every line the file has is one the script printed, whole
        if [ $format = text ]; then
            grep -cvE '^line 1[0-9]{2} 0123456789012345678901234567890123456789012345678901$' "$WORK/out" | grep -qx 0 ||
                fail "a line in the file is not whole"
        else
            python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$WORK/out" ||
                fail "a JSON line in the file does not parse"
        fi
        local lost=$((100 - whole))
        cat >"$WORK/want" <<END
tinyprobe: error: cannot write events to $WORK/out: File too large
note: $lost lines of events ($(($(sed -n 1p "$WORK/out" | wc -c) * lost)) bytes) were not written
note: the line the error cut was taken back out of $WORK/out: every line in it is whole
END
        expect "$WORK/want"
    done
}

# With stdout closed, events go nowhere else: tinyprobe says so; -o works.
stdout_closed() {
    "$TP" -e 'probe BEGIN < print "x"; exit >' >&- 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1, with stdout closed"
    cat >"$WORK/want" <<'END'
tinyprobe: error: cannot write events: standard output is closed
note: give a file with -o FILE
END
    expect "$WORK/want"
    "$TP" -o "$WORK/got" -e 'probe BEGIN < print "x"; exit >' >&- 2>"$WORK/err" || fail "-o with stdout closed"
    echo x >"$WORK/want"
    expect "$WORK/want"
}

# A reader that stops reading cannot keep tinyprobe from a stop signal.
blocked_reader() {
    mkfifo "$WORK/fifo"
    exec 3<>"$WORK/fifo" # a reader that never reads
    : >"$WORK/err"
    "$TP" -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / < print str(args.filename) >' \
        >"$WORK/fifo" 2>"$WORK/err" &
    TP_PID=$!
    for _ in $(seq 1 3000); do grep -q '^Attached' "$WORK/err" && break; sleep 0.01; done
    # far more than the pipe's 64 KiB
    "$HELPER" burst 20000 "/tmp/$(printf 'x%.0s' $(seq 1 100))"
    sleep 0.3
    local t0
    t0=$(now)
    kill -TERM "$TP_PID"
    wait "$TP_PID"
    local rc=$?
    TP_PID=
    within "$t0" 1.5
    exec 3<&-
    [ $rc -eq 1 ] || fail "exit code $rc, not 1, after giving up on the reader"
    grep -qx 'tinyprobe: error: cannot write events to standard output: it is not being read; gave up on a stop signal' \
        "$WORK/err" || fail "no message about the reader"
}

# | head -1: tinyprobe ends at once and quietly when its reader goes away,
# even with no more events to write.
reader_gone() {
    local t0
    t0=$(now)
    timeout 10 bash -c "'$TP' -q -e 'probe BEGIN < print \"first\" > probe tracepoint:syscalls:sys_enter_openat / comm == \"no-such-comm\" / < print 1 >' 2>'$WORK/err' | head -1 >'$WORK/got'; echo \${PIPESTATUS[0]} >'$WORK/rc'"
    [ $? -ne 124 ] || fail "tinyprobe went on after head -1 had exited"
    within "$t0" 2
    [ "$(cat "$WORK/rc")" = 141 ] || fail "exit code $(cat "$WORK/rc"), not 141"
    [ ! -s "$WORK/err" ] || fail "it was not quiet"
    echo first >"$WORK/want"
    expect "$WORK/want"
}

# SIGHUP (a closed terminal) stops as SIGTERM does: END runs, status 0.
sighup() {
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / < print "open" >
              probe END < print "end" >'
    "$HELPER" open /etc/hostname
    stop HUP
    printf '%s\n' open end >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# -o FILE is opened only once the program is loaded: a script that does not
# compile leaves it as it was, and the script itself is never the output.
output_late() {
    echo keep >"$WORK/o"
    "$TP" -o "$WORK/o" -e 'probe BEGIN < print nosuch >' 2>/dev/null
    [ $? -eq 1 ] || fail "a bad script did not exit 1"
    echo keep >"$WORK/want"
    cp "$WORK/o" "$WORK/got"
    expect "$WORK/want"
    echo 'probe BEGIN < print 1; exit >' >"$WORK/x.tp"
    cp "$WORK/x.tp" "$WORK/want"
    "$TP" -o "$WORK/x.tp" "$WORK/x.tp" 2>"$WORK/err"
    [ $? -eq 1 ] || fail "-o SCRIPT SCRIPT did not exit 1"
    cp "$WORK/x.tp" "$WORK/got"
    expect "$WORK/want"
    echo "tinyprobe: error: -o $WORK/x.tp would overwrite the script" >"$WORK/want"
    cp "$WORK/err" "$WORK/got"
    expect "$WORK/want"
}

# Out of file descriptors: the limit is named, not a probe that is not at fault.
fd_limit() {
    local s=""
    for i in $(seq 1 60); do s="$s probe tracepoint:syscalls:sys_enter_openat < print $i >"; done
    (ulimit -n 40 && "$TP" -q -e "$s") >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1"
    cat >"$WORK/want" <<'END'
tinyprobe: error: out of file descriptors while loading 60 programs: Too many open files
note: the limit of open files (ulimit -n) is 40; every probe needs up to three, and the maps a few more
END
    expect "$WORK/want"
    # enough to load, not to attach: the probe that could not be attached
    (ulimit -n 100 && "$TP" -q -e "$s") >"$WORK/out" 2>"$WORK/err"
    [ $? -eq 1 ] || fail "exit code $?, not 1"
    grep -E '^cmdline:1:[0-9]+: error: cannot attach tracepoint:syscalls:sys_enter_openat: Too many open files$' \
        "$WORK/err" >"$WORK/got" || fail "no attach error"
    tail -1 "$WORK/err" >"$WORK/got"
    echo "note: the limit of open files (ulimit -n) is 100; every probe needs up to three, and the maps a few more" >"$WORK/want"
    expect "$WORK/want"
}

# Root without the capabilities BPF needs is told which are missing.
no_caps() {
    command -v setpriv >/dev/null || skip "no setpriv"
    setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-bpf,-perfmon,-sys_admin \
        "$TP" -e 'probe BEGIN < exit >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1"
    echo "tinyprobe: error: loading BPF programs needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN: this process lacks CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN" >"$WORK/want"
    expect "$WORK/want"
}

# A refusal at the end of a long one-line program: the log is far longer
# than 4096 lines and the statement is past column 1023, and the reason and
# the line are still right.
verifier_long_log() {
    {
        printf 'probe tracepoint:syscalls:sys_enter_openat < print pid'
        for _ in $(seq 1 3000); do printf '; print pid'; done
        printf ' >\n'
    } >"$WORK/long.tp"
    TINYPROBE_TEST_FAULT=verifier-last "$TP" --dry-run "$WORK/long.tp" >"$WORK/out" 2>"$WORK/err"
    [ $? -eq 1 ] || fail "exit code $?, not 1"
    head -1 "$WORK/err" | sed -E 's/ptr R[0-9]+ /ptr RN /' >"$WORK/got"
    echo "$WORK/long.tp:1:1: error: the kernel's verifier refused probe tracepoint:syscalls:sys_enter_openat: dereference of modified ctx ptr RN off=1048576 disallowed" >"$WORK/want"
    expect "$WORK/want"
}

# Under a tight address-space limit tinyprobe works, or says it is out of
# memory; ASan cannot run at all there.
memory_limit() {
    [ -z "${TP_ASAN:-}" ] || skip "ASan needs more address space"
    (ulimit -v 60000 && "$TP" -e 'probe BEGIN < print 1; exit >') >"$WORK/got" 2>"$WORK/err"
    [ $? -eq 0 ] || fail "exit code $?, not 0, under ulimit -v 60000"
    echo 1 >"$WORK/want"
    expect "$WORK/want"
    # tighter: each allocation that fails is a message and status 1 (below
    # about 40000 the dynamic loader, or exec itself, fails first)
    for v in 44000 46000 48000 52000 56000; do
        (ulimit -v $v && "$TP" -e 'probe BEGIN < print 1; exit >') >"$WORK/got" 2>"$WORK/err"
        local rc=$?
        case $rc in
        0) expect "$WORK/want" ;;
        1) grep -q '^tinyprobe: error: ' "$WORK/err" || fail "status 1 without a message under ulimit -v $v" ;;
        127) # the dynamic loader, before tinyprobe runs (the libraries grow)
           grep -q 'error while loading shared libraries' "$WORK/err" || fail "exit code 127 under ulimit -v $v" ;;
        *) fail "exit code $rc under ulimit -v $v" ;;
        esac
        echo "ulimit -v $v: status $rc $(head -1 "$WORK/err")"
    done
}

# -d verifier with a thousand probes: every log, and no abort.
verifier_many() {
    local s=""
    for i in $(seq 1 1000); do s="$s probe BEGIN < print $i >"; done
    "$TP" -d verifier --dry-run -e "$s" >"$WORK/out" 2>"$WORK/err" || fail "exit code $?"
    [ "$(grep -c '^BEGIN: program' "$WORK/err")" -eq 1000 ] || fail "not 1000 logs"
}

# many_error: tinyprobe $WORK/many.tp must fail within a second (ten under
# ASan) with exactly the error on stdin.
many_error() {
    local t0 limit=1
    [ -z "${TP_ASAN:-}" ] || limit=10
    cat >"$WORK/want"
    t0=$(now)
    (cd "$WORK" && "$TP" many.tp) >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1"
    within "$t0" "$limit"
    expect "$WORK/want"
}

# many_statements N FORMAT: $WORK/many.tp, a BEGIN probe of N statements,
# each FORMAT with its number, then one with an unknown name.
many_statements() {
    {
        echo 'probe BEGIN {'
        for i in $(seq 1 "$1"); do printf "    $2\n" "$i" "$i"; done
        echo '    print nosuch }'
    } >"$WORK/many.tp"
}

# Parsing is linear: 100,000 statements, or probes, then an error at the end.
linear_parse() {
    many_statements 100000 'print 1;'
    many_error <<'END'
many.tp:100002:11: error: unknown name 'nosuch'
100002 |     print nosuch }
       |           ^~~~~~
END
    {
        for _ in $(seq 1 100000); do echo 'probe BEGIN < print 1 >'; done
        echo 'probe BEGIN < print nosuch >'
    } >"$WORK/many.tp"
    many_error <<'END'
many.tp:100001:21: error: unknown name 'nosuch'
100001 | probe BEGIN < print nosuch >
       |                     ^~~~~~
END
    # and 20,000 maps and 20,000 variables
    many_statements 20000 '@m%d = 1; $v%d = 2;'
    many_error <<'END'
many.tp:20002:11: error: unknown name 'nosuch'
20002 |     print nosuch }
      |           ^~~~~~
END
}

# A probe too large for 16-bit jumps: long jumps (gotol) where the kernel has
# them (6.6, and some distributions' older kernels), else an error at the probe.
long_jumps() {
    {
        echo 'probe BEGIN / pid > 0 / <'
        for _ in $(seq 1 1500); do echo '    print comm;'; done
        echo '    exit >'
    } >"$WORK/jumps.tp"
    "$TP" -d asm "$WORK/jumps.tp" | grep -q gotol || fail "the program has no long jump to test"
    (cd "$WORK" && "$TP" -q jumps.tp) >"$WORK/out" 2>"$WORK/got"
    case $? in
    0) [ "$(grep -cx tinyprobe "$WORK/out")" -eq 1500 ] || fail "not 1500 lines"
       [ ! -s "$WORK/got" ] || fail "messages on success" ;;
    1) cat >"$WORK/want" <<'END'
jumps.tp:1:7: error: probe BEGIN is too large for this kernel: its program jumps over more than 32767 instructions, and this kernel's BPF has no long jumps (Linux 6.6 has)
    1 | probe BEGIN / pid > 0 / <
      |       ^~~~~
note: split the probe's statements between two probes on the same event
END
       expect "$WORK/want" ;;
    *) fail "exit code $?" ;;
    esac
}

# An event storm from two CPUs cannot keep tinyprobe from a stop signal: the
# drain is bounded a round, and once stopping the probes are gated; what was
# left in the buffer is counted as lost and said.
event_storm() {
    "$HELPER" spin 8 2>/dev/null &
    local s1=$!
    "$HELPER" spin 8 2>/dev/null &
    local s2=$!
    start -e 'probe tracepoint:syscalls:sys_enter_getppid / comm == "tp_helper" / {
        printf("%1024d%1024d%1024d%1024d%1024d%1024d%1024d%1024d\n", cpu, cpu, cpu, cpu, cpu, cpu, cpu, cpu) }'
    sleep 1
    local t0
    t0=$(now)
    kill -INT "$TP_PID"
    wait "$TP_PID"
    local rc=$?
    within "$t0" 2
    TP_PID=
    kill "$s1" "$s2" 2>/dev/null
    wait
    [ "$rc" -eq 0 ] || fail "exit code $rc after SIGINT"
    grep -Eq '^Lost [0-9]+ events: tracepoint:syscalls:sys_enter_getppid [0-9]+$' "$WORK/err" ||
        fail "no lost count"
    [ -s "$WORK/out" ] || fail "nothing printed"
}

# A sampling rate above the kernel's limit for a perf event is an error at
# the probe, not a storm of timer interrupts.
sample_rate() {
    local most
    most=$(cat /proc/sys/kernel/perf_event_max_sample_rate)
    "$TP" -e "probe profile:hz:$((most + 1)) { @ = count() }" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "exit code $?, not 1"
    cat >"$WORK/want" <<END
cmdline:1:7: error: profile:hz:$((most + 1)) fires $((most + 1)) times a second, more than the $most the kernel allows
    1 | probe profile:hz:$((most + 1)) { @ = count() }
      |       ^~~~~~~~~~~~~~~~~
note: the limit is in /proc/sys/kernel/perf_event_max_sample_rate; write a lower rate, as profile:hz:99
END
    expect "$WORK/want"
    "$TP" --dry-run -e 'probe interval:us:1 { @ = count() }' 2>"$WORK/got"
    [ $? -eq 1 ] || fail "interval:us:1: exit code $?, not 1"
    grep -q "^cmdline:1:7: error: interval:us:1 fires 1000000 times a second, more than the $most the kernel allows$" "$WORK/got" ||
        fail "interval:us:1 not refused"
}

# exit gates every probe at once. On the CPU that runs it nothing counts
# after it: the probe of one spinner, pinned to a CPU, exits at its
# 100000th call and @n stays exactly there (without the gate it would count
# on until tinyprobe detached, milliseconds later). On another CPU a probe
# already past the gate may still add its one, and a virtual CPU stalled by
# its host between the exiting probe's count and its store lets the other
# count on meanwhile: a bound far below the thousands an ungated run counts.
exit_gate() {
    local end
    taskset -c 0 "$HELPER" spin 6 2>/dev/null &
    local s1=$!
    # (a helper too slow to reach the count is a failure, not a hang)
    timeout 60 "$TP" -q -p "$s1" -e 'probe tracepoint:syscalls:sys_enter_getppid { @n++; if (@n == 100000) { exit } }' \
        >"$WORK/out" 2>"$WORK/err" || fail "exit code $? (one CPU)"
    kill "$s1" 2>/dev/null
    wait
    end=$(sed -n 's/^@n: //p' "$WORK/out")
    [ "$end" = 100000 ] || fail "one CPU: @n is ${end:-not printed}, not 100000"
    "$HELPER" spin 6 2>/dev/null &
    s1=$!
    "$HELPER" spin 6 2>/dev/null &
    local s2=$!
    timeout 60 "$TP" -q -e 'probe tracepoint:syscalls:sys_enter_getppid / comm == "tp_helper" / {
                     @n++; if (@n >= 200000) { exit } }' >"$WORK/out" 2>"$WORK/err" ||
        fail "exit code $? (two CPUs)"
    kill "$s1" "$s2" 2>/dev/null
    wait
    end=$(sed -n 's/^@n: //p' "$WORK/out")
    [ -n "$end" ] && [ "$end" -ge 200000 ] || fail "two CPUs: @n is ${end:-not printed}"
    [ $((end - 200000)) -le 100 ] || fail "two CPUs: counted on after exit: $end"
}

# -o FILE is emptied only once every probe is attached: a run that fails to
# attach leaves it as it was.
output_kept() {
    echo keep >"$WORK/f"
    local s=""
    for i in $(seq 1 60); do s="$s probe tracepoint:syscalls:sys_enter_openat < print $i >"; done
    # enough file descriptors to load, not to attach
    (ulimit -n 100 && "$TP" -o "$WORK/f" -e "probe BEGIN { print 0 } $s") 2>"$WORK/err"
    [ $? -eq 1 ] || fail "attaching did not fail"
    grep -q 'error: cannot attach' "$WORK/err" || fail "not an attach error"
    echo keep >"$WORK/want"
    cp "$WORK/f" "$WORK/got"
    expect "$WORK/want"
}

# A per-CPU cache never holds a key its map does not: with room for one key,
# two CPUs counting by CPU and a clear every 3 ms, no print shows two
# keys (a clear deletes the keys, then frees the slots; a slot taken for a
# key deleted meanwhile is given back).
cache_clear() {
    "$HELPER" spin 4 2>/dev/null &
    "$HELPER" spin 4 2>/dev/null &
    "$TP" -q --map-size 1 -e 'probe tracepoint:syscalls:sys_enter_getppid / comm == "tp_helper" / { @c[cpu] = count() }
        probe interval:ms:3 { clear(@c) }
        probe interval:ms:7 { print @c; print "--" }
        probe interval:s:3 { exit }' >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    wait
    [ "$rc" -eq 0 ] || fail "exit code $rc"
    awk '/^@c\[/ { n++; keys++ } /^--$/ { if (n > 1) bad++; n = 0 }
         END { if (!keys) { print "nothing counted"; exit 1 } if (bad) { print bad " prints with two keys"; exit 1 } }' \
        "$WORK/out" || fail "the cache held a key the map did not"
}

# Out of memory for maps in a memory cgroup: the message names the map that
# takes the most and the option that makes it smaller (--map-size for the
# script's maps, --buffer-size for the event buffer).
map_memory() {
    local cg=/sys/fs/cgroup/memory/tinyprobe-test.$$
    [ -d /sys/fs/cgroup/memory ] && mkdir "$cg" 2>/dev/null || skip "no cgroup v1 memory controller"
    echo 100M >"$cg/memory.limit_in_bytes"
    sh -c "echo \$\$ >$cg/tasks && exec \"\$0\" \"\$@\"" "$TP" --dry-run --map-size 4000000 \
        -e 'probe tracepoint:syscalls:sys_enter_openat { @files[str(args.filename)] = count() }' 2>"$WORK/err"
    local rc=$?
    sh -c "echo \$\$ >$cg/tasks && exec \"\$0\" \"\$@\"" "$TP" --dry-run --buffer-size 1000000000 \
        -e 'probe tracepoint:syscalls:sys_enter_openat { print 1 }' 2>"$WORK/err2"
    local rc2=$?
    rmdir "$cg"
    [ $rc -eq 1 ] || fail "a map too large for the cgroup: exit code $rc"
    grep -Eq '^tinyprobe: error: the kernel is out of memory for BPF maps, making .*: Cannot allocate memory$' "$WORK/err" ||
        fail "no error"
    grep -Eq '^note: map @files takes about [0-9]+ KiB \(4000000 entries\); --map-size makes each map smaller$' "$WORK/err" ||
        fail "--map-size not named"
    [ $rc2 -eq 1 ] || fail "an event buffer too large for the cgroup: exit code $rc2"
    cp "$WORK/err2" "$WORK/got"
    cat >"$WORK/want" <<'END'
tinyprobe: error: the kernel is out of memory for BPF maps, making the event buffer: Cannot allocate memory
note: the event buffer takes 1048576 KiB; --buffer-size makes it smaller
note: check the memory cgroup, or RLIMIT_MEMLOCK on kernels before 5.11
END
    expect "$WORK/want"
}

# ours PID: "prog ID", "map ID" and "link ID" of tinyprobe's BPF objects,
# from the perf events its pid holds (this bpftool lists no pids, and the
# kernel keeps no owner).
ours() {
    local progs
    progs=$(bpftool -j perf list | jq -c --argjson p "$1" '[.[] | select(.pid == $p) | .prog_id] | unique')
    bpftool -j prog show | jq -r --argjson ids "$progs" \
        '.[] | select(.id | IN($ids[])) | "prog \(.id)", "map \(.map_ids[]?)"' | sort -u
    bpftool -j link show | jq -r --argjson ids "$progs" '.[] | select(.prog_id | IN($ids[])) | "link \(.id)"'
}

# Ctrl-C with 720 tracepoints attached returns within a second, with the
# maps printed, though the kernel takes some 23 ms a tracepoint to let go of
# them (an RCU Tasks Trace grace period each, one at a time under its
# event_mutex): a process that outlives tinyprobe closes them. tinyprobe
# runs in a cgroup of its own, which that process inherits: once the cgroup
# is empty, no program, map, link or perf event of tinyprobe's is left (a
# perf event lives as long as a file descriptor holds it, and bpftool lists
# only those with a program).
detach_many() {
    command -v bpftool >/dev/null || skip "no bpftool"
    command -v jq >/dev/null || skip "no jq"
    local root cg
    root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
    [ -n "$root" ] || skip "no cgroup v2 mounted"
    cg="$root/tinyprobe-detach-$$"
    mkdir "$cg" || fail "cannot make a cgroup under $root"
    # the cgroup goes too, whatever happens (once what is in it has ended)
    trap 'rm -rf "$WORK"; [ -n "${TP_PID:-}" ] && kill -9 "$TP_PID" 2>/dev/null && wait "$TP_PID"
          for _ in $(seq 1 300); do rmdir "'"$cg"'" 2>/dev/null && break; sleep 0.1; done' EXIT
    start -e 'probe tracepoint:syscalls:sys_enter_*, tracepoint:syscalls:sys_exit_* { @[probe] = count() }'
    echo "$TP_PID" >"$cg/cgroup.procs" || fail "cannot move tinyprobe to $cg"
    local n
    n=$(sed -n 's/^Attached \([0-9]*\) probes$/\1/p' "$WORK/err")
    [ "${n:-0}" -gt 600 ] || fail "only ${n:-no} probes attached"
    ours "$TP_PID" >"$WORK/ids"
    # one program: the two specs read no field, and share it
    [ "$(grep -c '^prog ' "$WORK/ids")" -eq 1 ] || fail "not tinyprobe's one program: $(cat "$WORK/ids")"
    local t0 rc
    t0=$(now)
    kill -INT "$TP_PID"
    wait "$TP_PID"
    rc=$?
    within "$t0" 1
    [ $rc -eq 0 ] || fail "exit code $rc, not 0"
    TP_PID=
    grep -q '^@\[tracepoint:syscalls:sys_exit_read\]: [1-9]' "$WORK/out" || fail "the map was not printed"
    for _ in $(seq 1 900); do
        grep -qx 'populated 0' "$cg/cgroup.events" && break
        sleep 0.1
    done
    grep -qx 'populated 0' "$cg/cgroup.events" || fail "what tinyprobe left is still running after 90 s"
    : >"$WORK/left"
    while read -r kind id; do
        bpftool "$kind" show id "$id" >/dev/null 2>&1 && echo "$kind $id" >>"$WORK/left"
    done <"$WORK/ids"
    [ ! -s "$WORK/left" ] || fail "left in the kernel after the last close: $(head -5 "$WORK/left" | tr '\n' ' ')"
}

"$1"
