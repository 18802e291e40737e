#!/usr/bin/env bash
# End-to-end tests on the real kernel: tinyprobe traces tp_helper, and every
# line it prints for the helper's pid is asserted. Usage: e2e.sh CASE
. "$(dirname "$0")/lib.sh"

# The design's kind of one-liner, on a tracepoint: pid, comm and the path.
oneliner() {
    mkdir -p "$WORK/dir"
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / <
                  print pid, comm, str(args.filename) >'
    "$HELPER" open "$WORK/dir/a" /etc/hostname "$WORK/dir/does-not-exist" &
    local hp=$!
    wait $hp
    stop
    printf '%s\n' "$hp tp_helper $WORK/dir/a" "$hp tp_helper /etc/hostname" \
        "$hp tp_helper $WORK/dir/does-not-exist" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# Fields are as wide and as signed as the format file says: open() passes
# AT_FDCWD (-100) in a 32-bit int, and O_RDONLY (0) in flags.
fields() {
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / <
                  print args.dfd, args.flags, args->mode, (args.dfd < 0) >'
    "$HELPER" open /etc/hostname
    stop
    echo "-100 0 0 1" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
}

# The canned open script: header, then PID COMM FD ERR PATH, the result of
# each open: a descriptor, or -1 and the errno.
open_script() {
    start open
    "$HELPER" open /etc/hostname "$WORK/x" &
    local hp=$!
    wait $hp
    stop
    head -1 "$WORK/out" >"$WORK/got"
    printf '%-7s %-16s %4s %3s %s\n' PID COMM FD ERR PATH >"$WORK/want"
    expect "$WORK/want"
    # the descriptor's number depends on what the helper inherited
    awk -v p="$hp" '$1 == p && $2 == "tp_helper" { if ($3 >= 3) $3 = "FD"; $1 = $1; print }' "$WORK/out" >"$WORK/got"
    printf '%s\n' "$hp tp_helper FD 0 /etc/hostname" "$hp tp_helper -1 2 $WORK/x" >"$WORK/want"
    expect "$WORK/want"
}

# A probe's tracepoints named one by one share a program where each field
# the probe reads is at one place in all of them: the three opens' entries
# are two programs (sys_enter_open's filename is elsewhere), and `probe`
# still says which point fired.
shared_specs() {
    "$TP" -v --dry-run -e 'probe tracepoint:syscalls:sys_enter_open, tracepoint:syscalls:sys_enter_openat,
        tracepoint:syscalls:sys_enter_openat2 { @p[tid] = str(args.filename) }' 2>"$WORK/err" >/dev/null ||
        fail "-v --dry-run"
    awk '/^prog/ { print $3, $4 }' "$WORK/err" >"$WORK/got"
    printf '%s\n' "tracepoint sys_enter_open" "tracepoint sys_enter_openat" >"$WORK/want"
    expect "$WORK/want"
    # uprobes keep a program each: uaddr() in one is relative to its point
    "$TP" -v --dry-run -e "probe uprobe:$HELPER:tp_target, uprobe:$HELPER:main { print probe }" \
        2>"$WORK/err" >/dev/null || fail "-v --dry-run of two uprobes"
    [ "$(grep -c '^prog .* uprobe:' "$WORK/err")" -eq 2 ] || fail "two uprobes, not two programs: $(grep '^prog' "$WORK/err")"
    start -e 'probe tracepoint:syscalls:sys_enter_close, tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / <
                  print probe >'
    "$HELPER" open /etc/hostname
    stop
    printf '%s\n' tracepoint:syscalls:sys_enter_openat tracepoint:syscalls:sys_enter_close >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# The canned exec script: TIME PCOMM PID PPID UID GID RET ARGS, as execsnoop:
# PCOMM the new program's name, RET the result (a failed exec too), the argv whole.
exec_script() {
    start exec
    local long
    long=$(printf 'a%.0s' $(seq 1 174))
    "$HELPER" exec /bin/true one "two words" "$long" &
    local hp=$!
    wait $hp
    "$HELPER" exec "$WORK/no-such-program" arg &
    local hp2=$!
    wait $hp2
    stop
    head -1 "$WORK/out" >"$WORK/got"
    printf '%-12s %-16s %-7s %-7s %-6s %-6s %4s %s\n' TIME PCOMM PID PPID UID GID RET ARGS >"$WORK/want"
    expect "$WORK/want"
    # the time is the wall clock, so only its shape is known
    # (the helper's own exec, by the shell, has its pid too)
    awk -v p="$hp" -v q="$hp2" '$3 == p || $3 == q' "$WORK/out" | grep -vF " $HELPER exec " |
        sed -E 's/^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3} /TIME /' >"$WORK/got"
    printf 'TIME %-16s %-7d %-7d %-6d %-6d %4d %s\n' true "$hp" $$ "$(id -u)" "$(id -g)" 0 \
        "/bin/true one two words $long" tp_helper "$hp2" $$ "$(id -u)" "$(id -g)" -2 \
        "$WORK/no-such-program arg" >"$WORK/want"
    expect "$WORK/want"
}

# An argv longer than join() reads ends in "...", and so does an argument
# longer than its 255 bytes.
exec_long_argv() {
    start exec
    local args=() want="/bin/true" long
    long=$(printf 'b%.0s' $(seq 1 300))
    for i in $(seq 1 40); do args+=("a$i"); done
    args[0]=$long
    want="$want ${long:0:255}..."
    for i in $(seq 2 31); do want="$want a$i"; done
    "$HELPER" exec /bin/true "${args[@]}" &
    local hp=$!
    wait $hp
    stop
    awk -v p="$hp" '$3 == p' "$WORK/out" | grep -vF " $HELPER exec " | cut -d' ' -f2- |
        sed -E 's/^ *true +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +-?[0-9]+ //' >"$WORK/got"
    printf '%s\n' "$want ..." >"$WORK/want"
    expect "$WORK/want"
}

# The design's kprobe one-liner: through the real verifier, attached nowhere.
kprobe_dry_run() {
    "$TP" --dry-run -e 'probe kprobe:do_sys_openat2 < print pid, str(arg2) >' >"$WORK/out" 2>"$WORK/err" ||
        fail "--dry-run of the kprobe one-liner exited $?"
    [ ! -s "$WORK/out" ] || fail "--dry-run printed events"
}

# Without kprobes in the kernel, attaching says so and names the tracepoint.
kprobe_missing() {
    [ ! -e /sys/bus/event_source/devices/kprobe ] || skip "this kernel has kprobes: nothing to test"
    "$TP" -e 'probe kprobe:do_sys_openat2 < print pid, str(arg2) >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    cat >"$WORK/want" <<'END'
cmdline:1:7: error: cannot attach kprobe:do_sys_openat2: this kernel has no kprobes (it was built without CONFIG_KPROBES)
    1 | probe kprobe:do_sys_openat2 < print pid, str(arg2) >
      |       ^~~~~~~~~~~~~~~~~~~~~
note: trace tracepoint:syscalls:sys_enter_openat instead
END
    expect "$WORK/want"
}

# Events from different CPUs come out in the order they happened.
cpu_order() {
    [ "$(nproc)" -ge 2 ] || skip "one CPU: nothing to test"
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / < print cpu, str(args.filename) >'
    local paths=() want=()
    for i in $(seq 1 12); do paths+=("$WORK/p$i"); done
    "$HELPER" cpus "${paths[@]}"
    stop
    grep -F " $WORK/p" "$WORK/out" >"$WORK/mine" # not another test's helper
    cut -d' ' -f2 "$WORK/mine" >"$WORK/got"
    printf '%s\n' "${paths[@]}" >"$WORK/want"
    expect "$WORK/want"
    # and they did come from more than one CPU
    [ "$(cut -d' ' -f1 "$WORK/mine" | sort -u | wc -l)" -ge 2 ] || fail "all events came from one CPU"
}

# The design's one-liner attached for real: arg2 is do_sys_openat2's filename.
kprobe_attach() {
    need_kprobes
    start -e 'probe kprobe:do_sys_openat2 / comm == "tp_helper" / < print pid, comm, str(arg2) >'
    "$HELPER" open "$WORK/a" /etc/hostname &
    local hp=$!
    wait $hp
    stop
    printf '%s\n' "$hp tp_helper $WORK/a" "$hp tp_helper /etc/hostname" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# retval in a kretprobe: the fd of an open that works, -ENOENT of one that fails.
kretprobe_retval() {
    need_kprobes
    start -e 'probe kretprobe:do_sys_openat2 / comm == "tp_helper" / < print retval >'
    "$HELPER" open /etc/hostname "$WORK/missing"
    stop
    printf '%s\n' 3 -2 >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A function the kernel does not have is an error before anything loads,
# with or without kprobes.
kprobe_no_function() {
    "$TP" --dry-run -e 'probe kprobe:no_such_function_here < print 1 >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    cat >"$WORK/want" <<'END'
cmdline:1:7: error: this kernel has no function 'no_such_function_here'
    1 | probe kprobe:no_such_function_here < print 1 >
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~
note: tinyprobe -l 'kprobe:*' lists the functions
END
    expect "$WORK/want"
}

# Ctrl-C and SIGTERM detach, run END, and exit 0.
signals() {
    for sig in INT TERM; do
        start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / < print "open" >
                  probe END < print "end" >'
        "$HELPER" open /etc/hostname
        stop $sig
        printf '%s\n' open end >"$WORK/want"
        cp "$WORK/out" "$WORK/got"
        expect "$WORK/want"
    done
}

# exit(code) in BEGIN stops before attaching; in a probe, after its event.
exit_codes() {
    "$TP" -e 'probe BEGIN < print "begin"; exit(3); print "not reached" > probe END < print "end" >' \
        >"$WORK/got" 2>"$WORK/err"
    [ $? -eq 3 ] || fail "exit(3) in BEGIN did not exit 3"
    printf '%s\n' begin end >"$WORK/want"
    expect "$WORK/want"
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / < print "first"; exit >'
    "$HELPER" open /etc/hostname
    for _ in $(seq 1 200); do kill -0 "$TP_PID" 2>/dev/null || break; sleep 0.01; done
    wait "$TP_PID"
    [ $? -eq 0 ] || fail "exit in a probe did not exit 0"
    TP_PID=
    head -1 "$WORK/out" >"$WORK/got"
    echo first >"$WORK/want"
    expect "$WORK/want"
}

# Under a burst into a tiny buffer, events are lost, and the count reported
# is exactly the count missing.
lost_events() {
    local n=200000
    # a name of its own, so that no other helper's events are counted
    local name="tp_lost_$$"
    cp "$HELPER" "$WORK/$name"
    # events of 1 KiB, three to the buffer: the reader cannot keep up
    start --buffer-size 4096 --str-size 1024 -e "probe tracepoint:syscalls:sys_enter_openat / comm == \"${name:0:15}\" / < print str(args.filename) >"
    "$WORK/$name" burst $n /dev/null
    stop
    local printed lost
    printed=$(wc -l <"$WORK/out")
    lost=$(sed -nE 's/^Lost ([0-9]+) events?.*/\1/p' "$WORK/err")
    [ -n "$lost" ] || fail "no events were reported lost ($printed of $n printed)"
    [ $((printed + lost)) -eq $n ] || fail "printed $printed + lost $lost != $n"
    grep -Eq "^Lost $lost events?: tracepoint:syscalls:sys_enter_openat $lost\$" "$WORK/err" ||
        fail "the lost events are not counted by probe"
    echo "printed $printed, lost $lost, of $n"
}

# -f json counts lost events as text does, in a record of the output.
lost_events_json() {
    local n=200000 name="tp_lost_$$"
    cp "$HELPER" "$WORK/$name"
    start -f json --buffer-size 4096 --str-size 1024 -e "probe tracepoint:syscalls:sys_enter_openat / comm == \"${name:0:15}\" / < print str(args.filename) >"
    "$WORK/$name" burst $n /dev/null
    stop
    python3 - "$WORK/out" "$n" <<'END' || fail "the lost_events record does not add up"
import json, sys
recs = [json.loads(line) for line in open(sys.argv[1])]
values = sum(r["type"] == "value" for r in recs)
lost = [r for r in recs if r["type"] == "lost_events"]
assert len(lost) == 1, "%d lost_events records" % len(lost)
l = lost[0]
assert l["count"] == l["data"]["events"] > 0, l
assert l["data"]["probes"] == {"tracepoint:syscalls:sys_enter_openat": l["count"]}, l
assert values + l["count"] == int(sys.argv[2]), (values, l["count"])
assert recs[-1] is l, "it is not the last record"
print("printed %d, lost %d" % (values, l["count"]))
END
    [ ! -s "$WORK/err" ] || fail "-f json said something on stderr: $(head -3 "$WORK/err")"
}

# Strings are valid JSON whatever bytes the kernel sent: control characters
# escaped, bytes that are not UTF-8 as \udcXX, so that Python's
# surrogateescape gives back exactly the bytes.
json_strings() {
    local path name="tp_json_$$"
    cp "$HELPER" "$WORK/$name" # a name of its own: no other helper's opens are printed
    path="$WORK/"$'a\x01\t"\\\xff\xc3\xa9\xed\xa0\x80\xf4\x90\x80\x80\xc0\xafz\x7f'
    start -f json -e "probe tracepoint:syscalls:sys_enter_openat / comm == \"${name:0:15}\" / <
        printf(\"<%s>\\n\", str(args.filename)); print str(args.filename), 1 >"
    "$WORK/$name" open "$path"
    stop
    python3 - "$WORK/out" "$path" <<'END' || fail "the strings do not come back as the bytes they were"
import json, os, sys
want = os.fsencode(sys.argv[2])
lines = open(sys.argv[1], "rb").read().splitlines()
assert json.loads(lines.pop(0)) == {"type": "attached_probes", "count": 1, "data": {"probes": 1}}
assert len(lines) == 2, lines
p, v = (json.loads(l) for l in lines)
assert p["type"] == "printf" and p["probe"] == "tracepoint:syscalls:sys_enter_openat", p
assert p["data"].encode("utf-8", "surrogateescape") == b"<" + want + b">\n", p
assert p["args"][0].encode("utf-8", "surrogateescape") == want, p
assert v["type"] == "value" and v["data"][1] == 1, v
assert v["data"][0].encode("utf-8", "surrogateescape") == want, v
# only ASCII on the line itself: every other byte was escaped or valid UTF-8
assert b"\\udcff" in lines[0] and b"\\u0001" in lines[0] and "\u00e9".encode() in lines[0], lines[0]
END
}

# Integers keep their width and sign: power:cpu_idle's state is a u32, and
# (u32)-1 when a CPU leaves idle; printf prints it as C's printf prints a
# uint32_t (and as bpftrace does), print as the unsigned value it is.
int_widths() {
    timeout 30 "$TP" -q -e 'probe tracepoint:power:cpu_idle / args.state > 100 / <
        printf("%d %u %x %ld %lu %hd %hhu %i\n", args.state, args.state, args.state, args.state,
               args.state, args.state, args.state, args.state + 0);
        print args.state, -args.state, args.state * 2; exit >' >"$WORK/out" 2>"$WORK/err" ||
        fail "exit code $?"
    # another CPU may leave idle before exit stops it, and its lines come
    # between the first CPU's: every CPU prints the same two
    sort -u "$WORK/out" >"$WORK/got"
    printf '%s\n' "-1 4294967295 ffffffff 4294967295 4294967295 -1 255 4294967295" \
        "4294967295 18446744069414584321 8589934590" | sort >"$WORK/want"
    expect "$WORK/want"
}

# | head -1 with -f json: the line it reads parses, and tinyprobe ends at
# once with the status of a tool the pipe ended.
json_head() {
    local t0=$SECONDS
    timeout 20 "$TP" -q -f json -e 'probe interval:ms:1 < printf("%d\n", 7) >' 2>"$WORK/err" | head -1 >"$WORK/got"
    local rc=${PIPESTATUS[0]}
    [ "$rc" -eq 141 ] || fail "exit code $rc, not 141"
    [ $((SECONDS - t0)) -lt 10 ] || fail "took $((SECONDS - t0)) s"
    echo '{"type": "printf", "data": "7\n", "args": [7], "probe": "interval:ms:1"}' >"$WORK/want"
    expect "$WORK/want"
}

# -B: full writes what a drain gathered at once, line and none each record
# as it is made. A second tinyprobe counts the first's writes by size.
buffering() {
    {
        printf 'probe BEGIN <'
        for i in $(seq 1 20); do printf ' print %d;' "$i"; done
        echo ' exit >'
    } >"$WORK/twenty.tp"
    local mode
    for mode in full line none; do
        "$TP" -q -e 'probe tracepoint:syscalls:sys_enter_write / pid == cpid && args.count < 100 / <
            @writes[args.count] = count() >' \
            -c "$TP -q -B $mode -o $WORK/child.out $WORK/twenty.tp" >"$WORK/got" 2>"$WORK/err" ||
            fail "-B $mode: exit code $?"
        if [ $mode = full ]; then
            printf '\n@writes[51]: 1\n\n' >"$WORK/want" # "1\n" to "20\n" at once
        else
            printf '\n@writes[2]: 9\n@writes[3]: 11\n\n' >"$WORK/want"
        fi
        expect "$WORK/want"
        seq 1 20 >"$WORK/want"
        cp "$WORK/child.out" "$WORK/got"
        expect "$WORK/want"
    done
}

# join(argv) as a statement prints the joined line, as bpftrace's does; in
# -f json, a join record.
join_statement() {
    local name="tp_join_$$"
    cp "$HELPER" "$WORK/$name"
    local prog="probe tracepoint:syscalls:sys_enter_execve / comm == \"${name:0:15}\" / <
        join(args.argv); join(args.argv, \",\") >"
    local format
    for format in text json; do
        start -f $format -e "$prog"
        "$WORK/$name" exec /bin/true one "two words"
        stop
        grep -v attached_probes "$WORK/out" >"$WORK/got"
        if [ $format = text ]; then
            printf '%s\n' "/bin/true one two words" "/bin/true,one,two words" >"$WORK/want"
        else
            printf '%s\n' \
                '{"type": "join", "data": "/bin/true one two words", "probe": "tracepoint:syscalls:sys_enter_execve"}' \
                '{"type": "join", "data": "/bin/true,one,two words", "probe": "tracepoint:syscalls:sys_enter_execve"}' \
                >"$WORK/want"
        fi
        expect "$WORK/want"
    done
}

# -f and -B take only what they know, and say what that is.
output_options() {
    "$TP" -f yaml -e 'probe BEGIN < exit >' >/dev/null 2>"$WORK/got"
    [ $? -eq 2 ] || fail "-f yaml did not exit 2"
    "$TP" -B some -e 'probe BEGIN < exit >' >/dev/null 2>>"$WORK/got"
    [ $? -eq 2 ] || fail "-B some did not exit 2"
    "$TP" --format json -B none -e 'probe BEGIN < print 1; exit >' >>"$WORK/got" 2>"$WORK/err" ||
        fail "--format json -B none"
    cat >"$WORK/want" <<'END'
tinyprobe: error: -f takes text, json or folded, not 'yaml'
tinyprobe: error: -B takes full, line or none, not 'some'
{"type": "value", "data": 1, "probe": "BEGIN"}
END
    expect "$WORK/want"
}

# A script from a file with a #! line, from stdin, and run as an executable.
script_files() {
    printf '#!%s\n// a comment\nprobe BEGIN { print "file", 1; exit }\n' "$TP" >"$WORK/s.tp"
    chmod +x "$WORK/s.tp"
    "$TP" "$WORK/s.tp" >"$WORK/got" 2>"$WORK/err" || fail "running a script file"
    echo "file 1" >"$WORK/want"
    expect "$WORK/want"
    "$WORK/s.tp" >"$WORK/got" 2>"$WORK/err" || fail "running an executable script"
    expect "$WORK/want"
    echo 'probe BEGIN < print "stdin"; exit >' | "$TP" - >"$WORK/got" 2>"$WORK/err" || fail "stdin"
    echo stdin >"$WORK/want"
    expect "$WORK/want"
}

# The language's values, computed by the kernel in BEGIN (which runs in
# tinyprobe's own process) and printed by user space.
values() {
    "$TP" -e 'probe BEGIN <
        print 1 + 2 * 3, (10 - 4) / 3, -7 / 2, -7 % 3, 7 % 0, 7 / 0, 1 << 4, -16 >> 2, 0xff & ~0xf, 6 ^ 3, 5 | 8;
        print (2 > 1), (1 >= 2), 1 == 1, 1 != 1, !0, !7, 1 && 0, 0 || 3, (1 ? 10 : 20), (0 ? "a" : "b");
        print comm == "tinyprobe", comm != "tinyprobe", "x" == "x", comm == comm, probe;
        printf("%d|%5d|%-5d|%05d|%x|%X|%o|%c|%u|%%|%s|%8s|%-8s|%.2s|%p\n", -42, 42, 42, 42, 255, 255, 8, 65, 3, "str", "right", "left", "cut", 4096);
        print (pid > 0), tid == pid, uid == '"$(id -u)"', gid == '"$(id -g)"', (nsecs > 0), cpu >= 0;
        exit
    >' >"$WORK/got" 2>"$WORK/err" || fail "values exited $?"
    cat >"$WORK/want" <<'END'
7 2 -3 -1 7 0 16 -4 240 5 13
1 0 1 0 1 0 0 1 10 b
1 0 1 1 BEGIN
-42|   42|42   |00042|ff|FF|10|A|3|%|str|   right|left    |cu|0x1000
1 1 1 1 1 1
END
    expect "$WORK/want"
}

# str() with a length, and strftime() with milliseconds.
strings() {
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / <
                  print str(args.filename, 4), str(args.filename, 0), str(args.filename, 1000);
                  print strftime("%H:%M:%S.%L", nsecs) >'
    "$HELPER" open /etc/hostname
    stop
    sed -E '2s/^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}$/TIME/' "$WORK/out" >"$WORK/got"
    printf '%s\n' "/etc  /etc/hostname" TIME >"$WORK/want"
    expect "$WORK/want"
}

# -v lists what was loaded; -d shows each stage.
inspect() {
    "$TP" -v --dry-run -e 'probe tracepoint:syscalls:sys_enter_openat < print pid >' 2>"$WORK/err" >/dev/null ||
        fail "-v --dry-run"
    grep -Eq '^prog +[0-9]+ +tracepoint +sys_enter_openat +insns [0-9]+' "$WORK/err" || fail "-v lists no program"
    grep -Eq '^map +[0-9]+ +ringbuf +events' "$WORK/err" || fail "-v lists no ring buffer"
    # a map of plain values makes its entries as they come; one of counts
    # (per CPU) has them all made at the load, as adding one costs less then
    "$TP" -v --dry-run -e 'probe tracepoint:syscalls:sys_enter_openat { @at[tid] = nsecs; @n[comm] = count() }' \
        2>"$WORK/err" >/dev/null || fail "-v --dry-run of two maps"
    grep -Eq '^map +[0-9]+ +hash +m[0-9] +max_entries 4096 value_size 8 no_prealloc$' "$WORK/err" ||
        fail "the map of plain values is preallocated: $(grep '^map' "$WORK/err")"
    grep -Eq '^map +[0-9]+ +percpu_hash +m[0-9] +max_entries 4096 value_size 8$' "$WORK/err" ||
        fail "the map of counts is not preallocated: $(grep '^map' "$WORK/err")"
    local one='probe BEGIN < print 1 >'
    "$TP" -d tokens -e "$one" | grep -q "^1:7-1:11 probe spec BEGIN$" || fail "-d tokens"
    "$TP" -d ir -e "$one" | grep -q '^define dso_local i32 @BEGIN(ptr' || "$TP" -d ir -e "$one" | grep -q '@BEGIN(ptr' || fail "-d ir"
    "$TP" -d asm -e "$one" | grep -q 'call bpf_ringbuf_reserve$' || fail "-d asm shows no ringbuf_reserve call"
    "$TP" -d verifier --dry-run -e "$one" 2>&1 >/dev/null | grep -q '^processed [0-9]* insns' || fail "-d verifier"
}

# A while loop the verifier cannot see end is refused at the loop, with
# what to do (the verifier's own words vary by kernel).
loop_unbounded() {
    "$TP" -e 'probe BEGIN { $i = 0;
        while ($i >= 0) { @x++ }
        exit }' >/dev/null 2>"$WORK/err" && fail "an unbounded loop was loaded"
    head -1 "$WORK/err" | grep -q "^cmdline:2:9: error: the kernel's verifier refused probe BEGIN: " ||
        fail "not refused at the loop"
    grep -qx "note: the verifier follows a while loop to its end: the loop must end within a bound it can see, as in while (\$i < 100)" "$WORK/err" ||
        fail "no note on bounding the loop"
}

# A for loop over a map in a probe that fires: its block prints an event an
# entry (the block is a function of the program's, on this kernel and the
# VM's), in the kernel's order, so sorted here.
for_map_events() {
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / {
        @files[str(args.filename)] = pid;
        for ($f : @files) { printf("%s %d\n", $f.0, $f.1 == pid) } }'
    "$HELPER" open "$WORK/a" "$WORK/b"
    stop
    grep -v '^$\|^@files' "$WORK/out" | sort >"$WORK/got"
    printf '%s\n' "$WORK/a 1" "$WORK/a 1" "$WORK/b 1" >"$WORK/want"
    expect "$WORK/want"
}

# -L lists the built-in scripts with a line each.
list_scripts() {
    "$TP" -L >"$WORK/got"
    cat >"$WORK/want" <<'END'
exec       trace exec(): one line per execve/execveat, with its result and the full argv
offcputime time off CPU by stack and task, in microseconds, until Ctrl-C (-f folded, --flamegraph)
open       trace open(): one line per open/openat/openat2, with its fd or error
profile    on-CPU stacks, kernel and user, sampled at 99 Hz on every CPU until Ctrl-C (-f folded, --flamegraph)
readlat    read() latency, in microseconds, as a histogram, until Ctrl-C
runqlat    run-queue latency: how long runnable tasks wait for a CPU, in microseconds, as a histogram
sleeps     who sleeps, for how long, and whose child it is (nanosleep, clock_nanosleep)
syscount   count syscalls by process until Ctrl-C, then the top 10, most last
tcplife    TCP sessions, a line each as it closes: who, addresses and ports, KB sent and received, how long
END
    expect "$WORK/want"
}

# A program the verifier refuses (made so on purpose, since no script can make
# one) is reported at the script line it comes from, with the verifier's reason.
verifier_reject() {
    TINYPROBE_TEST_FAULT=verifier "$TP" --dry-run -e 'probe tracepoint:syscalls:sys_enter_openat <
    print pid
>' >"$WORK/out" 2>"$WORK/err"
    [ $? -eq 1 ] || fail "expected exit code 1"
    head -4 "$WORK/err" | sed -E 's/ptr R[0-9]+ /ptr RN /' >"$WORK/got"
    cat >"$WORK/want" <<'END'
cmdline:2:5: error: the kernel's verifier refused probe tracepoint:syscalls:sys_enter_openat: dereference of modified ctx ptr RN off=1048576 disallowed
    2 |     print pid
      |     ^~~~~~~~~
note: the verifier's last steps:
END
    expect "$WORK/want"
    grep -q '^    ; print pid' "$WORK/err" || fail "the verifier's steps do not quote the script"
}

# Without the privileges to load BPF, one line says what is missing.
unprivileged() {
    command -v setpriv >/dev/null || skip "no setpriv"
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
        "$TP" -e 'probe BEGIN < exit >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    echo "tinyprobe: error: loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities" >"$WORK/want"
    expect "$WORK/want"
}

# Counting in a map: exactly the helper's opens, per pid, printed at exit.
count_opens() {
    start -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / < @opens[pid, comm] = count() >'
    "$HELPER" open /etc/hostname "$WORK/a" "$WORK/b" /etc/hostname "$WORK/c" &
    local hp=$!
    wait $hp
    stop
    printf '\n@opens[%d, tp_helper]: 5\n\n' "$hp" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A count kept per CPU is the same total whichever CPUs the events ran on:
# without a key (the slots), and with one (each CPU's cache and the map).
count_cpus() {
    [ "$(nproc)" -ge 2 ] || skip "one CPU: nothing to test"
    # only the paths it is given: the helper opens a file of its own too
    local prefix="$WORK/p"
    start -e "probe tracepoint:syscalls:sys_enter_openat / str(args.filename, ${#prefix}) == \"$prefix\" / < @ = count(); @k[comm] = count(); @cpus[cpu] = 1 >"
    local paths=()
    for i in $(seq 1 12); do paths+=("$WORK/p$i"); done
    "$HELPER" cpus "${paths[@]}"
    stop
    grep '^@:\|^@k\[' "$WORK/out" >"$WORK/got"
    printf '@: 12\n@k[tp_helper]: 12\n' >"$WORK/want"
    expect "$WORK/want"
    [ "$(grep -c '^@cpus\[' "$WORK/out")" -ge 2 ] || fail "the opens did not run on two CPUs"
}

# ppid is the parent's pid, read through the kernel's BTF; time() the wall clock.
ppid_time() {
    sh -c 'echo $$; exec 2>/dev/null; "$TP" -q -e "probe BEGIN { print ppid; time(); exit }"' >"$WORK/out"
    [ "$(sed -n 1p "$WORK/out")" = "$(sed -n 2p "$WORK/out")" ] || fail "ppid is not the parent's pid"
    sed -n 3p "$WORK/out" | grep -Eq '^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]$' || fail "time() is not HH:MM:SS"
}

# syscount counts the helper's syscalls; readlat draws its reads.
more_scripts() {
    start syscount
    "$HELPER" open /etc/hostname /etc/hostname
    stop
    grep -Eq '^@syscalls\[tp_helper\]: [0-9]+$' "$WORK/out" || fail "syscount did not count the helper"
    start readlat
    cat /etc/hostname >/dev/null
    stop
    grep -q '^@usecs:$' "$WORK/out" || fail "readlat drew no histogram"
    grep -Eq '^\[[0-9KM, )]+ +[0-9]+ \|@* *\|$' "$WORK/out" || fail "readlat's buckets are not drawn"
}

# A print asked for while the event buffer is full still prints: requests are
# counters, not events.
print_when_full() {
    local name="tp_full_$$"
    cp "$HELPER" "$WORK/$name"
    start --buffer-size 4096 --str-size 1024 -e "probe tracepoint:syscalls:sys_enter_openat / comm == \"${name:0:15}\" / {
        print str(args.filename); @n++; if (@n == 5000) { print @n } }"
    "$WORK/$name" burst 5000 /dev/null
    stop
    grep -q '^Lost [0-9]* events' "$WORK/err" || fail "the buffer never filled"
    [ "$(grep -c '^@n: 5000$' "$WORK/out")" -eq 2 ] || fail "the print asked for was lost"
}

# The classic counter printed every second by an interval probe.
counter_every_second() {
    start -e 'probe tracepoint:syscalls:sys_enter_execve / comm == "tp_helper" / < @calls = count() >
              probe interval:s:1 < print @calls >'
    for _ in 1 2 3; do "$HELPER" exec /bin/true; done
    sleep 2.2
    stop
    [ "$(grep -c '^@calls: 3$' "$WORK/out")" -ge 3 ] || fail "not @calls: 3 each second and at exit"
    [ "$(grep -vc '^@calls: 3$\|^$' "$WORK/out")" -eq 0 ] || fail "other lines than @calls: 3"
}

# ntop() of sock:inet_sock_set_state's addresses (__u8 arrays): the helper
# connects to a listener of its own on 127.0.0.1, then on ::1; the move to
# SYN_SENT is made in the helper's own task. Text and JSON, and a map keyed
# by addresses.
ntop_sock() {
    "$HELPER" tcp ::1 >/dev/null 2>&1 || skip "no IPv6 loopback here"
    local prog='probe tracepoint:sock:inet_sock_set_state / comm == "tp_helper" && args.newstate == 2 / {
        if (args.family == 2) {
            print ntop(args.saddr), ntop(args.daddr), ntop(args.daddr_v6), args.dport
        } else {
            print ntop(args.saddr_v6), ntop(args.daddr_v6), ntop(10, args.daddr_v6), args.dport
        }
        @[ntop(args.daddr_v6)] = count() }'
    local format p4 p6
    for format in text json; do
        start -f $format -e "$prog"
        p4=$("$HELPER" tcp 127.0.0.1) || fail "the helper's IPv4 connection"
        p6=$("$HELPER" tcp ::1) || fail "the helper's IPv6 connection"
        stop
        grep -v attached_probes "$WORK/out" >"$WORK/got"
        if [ $format = text ]; then
            printf '%s\n' "127.0.0.1 127.0.0.1 ::ffff:127.0.0.1 $p4" "::1 ::1 ::1 $p6" "" \
                "@[::1]: 1" "@[::ffff:127.0.0.1]: 1" "" >"$WORK/want"
        else
            local tp='"probe": "tracepoint:sock:inet_sock_set_state"}'
            printf '%s\n' \
                "{\"type\": \"value\", \"data\": [\"127.0.0.1\", \"127.0.0.1\", \"::ffff:127.0.0.1\", $p4], $tp" \
                "{\"type\": \"value\", \"data\": [\"::1\", \"::1\", \"::1\", $p6], $tp" \
                '{"type": "map", "data": {"@": {"::1": 1, "::ffff:127.0.0.1": 1}}}' >"$WORK/want"
        fi
        expect "$WORK/want"
    done
}

# signal() with --unsafe: the helper, every signal held, calls getppid()
# twice and says which signal each time: one named, one a number computed.
signal_unsafe() {
    start --unsafe -e 'probe tracepoint:syscalls:sys_enter_getppid / comm == "tp_helper" / {
        @n++; if (@n == 1) { signal("SIGUSR1") } else { signal(@n + 10) } }'
    "$HELPER" signal 5 >"$WORK/got"
    "$HELPER" signal 5 >>"$WORK/got"
    stop
    printf '%s\n' "signal $(kill -l USR1)" "signal $(kill -l USR2)" >"$WORK/want"
    expect "$WORK/want"
}

# cat() and system() (--unsafe) when the helper's event arrives: the file's
# contents, the command's output with its last line closed; a file that
# cannot be opened is a warning. In JSON, cat and syscall records, and the
# warning a runtime_error record.
user_actions() {
    printf 'a file\nnamed by comm\n' >"$WORK/tp_helper"
    local prog="probe tracepoint:syscalls:sys_enter_getppid / comm == \"tp_helper\" / {
        cat(\"$WORK/%s\", comm); system(\"echo pid %d; printf no-newline\", pid);
        cat(\"/no/such/%s\", \"file\") }"
    local format hp
    for format in text json; do
        start --unsafe -f $format -e "$prog"
        "$HELPER" signal 0 >/dev/null &
        hp=$!
        wait $hp
        stop
        grep -v attached_probes "$WORK/out" >"$WORK/got"
        local why="cat(): cannot open /no/such/file: No such file or directory"
        if [ $format = text ]; then
            printf '%s\n' "a file" "named by comm" "pid $hp" no-newline >"$WORK/want"
            expect "$WORK/want"
            grep -v '^Attached' "$WORK/err" >"$WORK/got"
            echo "tinyprobe: warning: $why" >"$WORK/want"
        else
            local tp='"probe": "tracepoint:syscalls:sys_enter_getppid"}'
            printf '%s\n' "{\"type\": \"cat\", \"data\": \"a file\\nnamed by comm\\n\", $tp" \
                "{\"type\": \"syscall\", \"data\": \"pid $hp\\nno-newline\", $tp" \
                "{\"type\": \"runtime_error\", \"msg\": \"$why\"}" >"$WORK/want"
        fi
        expect "$WORK/want"
    done
}

# cgroupid() of a cgroup made for the test, resolved when the script is
# compiled, equals the helper's cgroup once it is in it; cgroup_path() of
# it is its path under the cgroup v2 mount, as bpftrace prints it.
cgroup_funcs() {
    local root
    root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
    [ -n "$root" ] || skip "no cgroup v2 mounted"
    local name="tinyprobe-funcs.$$"
    local cg="$root/$name"
    mkdir -p "$cg" || fail "cannot make a cgroup under $root"
    trap 'rmdir "$cg" 2>/dev/null; rm -rf "$WORK"; [ -n "${TP_PID:-}" ] && kill -9 "$TP_PID" 2>/dev/null' EXIT
    start -e "probe tracepoint:syscalls:sys_enter_getppid / comm == \"tp_helper\" / {
        print cgroup_path(cgroup), cgroup == cgroupid(\"$cg\"), cgroupid(\"$cg\") == cgroupid(\"$root\");
        @[cgroup_path(cgroup)] = count() }"
    sh -c "echo \$\$ >'$cg/cgroup.procs' && exec '$HELPER' signal 0" >/dev/null
    stop
    printf '%s\n' "unified:/$name 1 0" "" "@[unified:/$name]: 1" "" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

"$1"
