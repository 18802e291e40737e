#!/usr/bin/env bash
# Stacks and symbols on the real kernel: tp_helper's known chain of calls
# (main, outer, middle, inner, which makes getpgid(0) itself), built with
# frame pointers, seen by ustack at that syscall; kstack there; the modes;
# ksym, usym, kaddr, func and reg. Frames' offsets depend on the compiler,
# so they are cut off where the names are asserted. Usage: stacks.sh CASE
. "$(dirname "$0")/lib.sh"

# the frames of $WORK/out, their offsets cut off
names() {
    sed -e 's/+[0-9]*$//' -e 's/^ *//' "$WORK/out" | grep -v '^$'
}

# ustack at the syscall: inner, middle, outer, main, innermost first, as a
# value printed, a map's key with comm, and JSON's array of frames.
ustack_chain() {
    start -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        print(ustack(4)); @[ustack(4), comm] = count() }'
    "$HELPER" chain 0.2
    stop
    printf '%s\n' inner middle outer main '@[' inner middle outer main ', tp_helper]: 1' \
        >"$WORK/want"
    names >"$WORK/got"
    expect "$WORK/want"
    grep -q '^        inner+[0-9]*$' "$WORK/out" || fail "frames are not indented by 8"

    start -f json -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        print(ustack(3)) }'
    "$HELPER" chain 0.2
    stop
    grep '"type": "value"' "$WORK/out" | sed 's/+[0-9]*"/"/g' >"$WORK/got"
    echo '{"type": "value", "data": ["inner", "middle", "outer"], "probe": "tracepoint:syscalls:sys_enter_getpgid"}' >"$WORK/want"
    expect "$WORK/want"
}

# A process that has exited before its stacks are printed: the helper
# makes its chain and exits at once, and the map is printed at the end,
# from the mappings recorded while it ran.
exited() {
    start -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        @[ustack(4)] = count(); print(ustack(2)) }'
    "$HELPER" chain 0
    sleep 0.2
    stop
    printf '%s\n' inner middle '@[' inner middle outer main ']: 1' >"$WORK/want"
    names >"$WORK/got"
    expect "$WORK/want"
}

# kstack at a syscall's tracepoint: the kernel's way in from user space,
# innermost first, each frame symbol+offset.
kstack_syscall() {
    start -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        @[kstack] = count() }'
    "$HELPER" chain 0.2
    stop
    grep -q '^        do_syscall_64+[0-9]*$' "$WORK/out" || fail "no do_syscall_64 frame"
    grep -q '^]: 1$' "$WORK/out" || fail "the stack was not counted once"
    if grep -v '^@\[$' "$WORK/out" | grep -v '^]: 1$' | grep -v '^$' |
        grep -qv '^        [A-Za-z_][A-Za-z0-9_.]*+[0-9]*$'; then
        fail "a frame is not symbol+offset"
    fi
}

# A kprobe's kstack starts in the function it probes, and func names it;
# its ustack is the helper's chain (run on the second kernel, in the VM).
kprobe_stack() {
    need_kprobes
    start -e 'probe kprobe:__x64_sys_getpgid / comm == "tp_helper" / {
        print(kstack(2)); print(ustack(4)); print(func) }'
    "$HELPER" chain 0.2
    stop
    printf '%s\n' __x64_sys_getpgid do_syscall_64 inner middle outer main __x64_sys_getpgid \
        >"$WORK/want"
    names >"$WORK/got"
    expect "$WORK/want"
}

# perf's mode: a tab, the address in hex, symbol+offset and, for a user
# frame, its file; raw's: the same addresses alone.
stack_modes() {
    start -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        print(ustack(perf, 2)); print(ustack(raw, 2)) }'
    "$HELPER" chain 0.2
    stop
    local real
    real=$(readlink -f "$HELPER")
    grep -v '^$' "$WORK/out" | sed 's/+[0-9]* / /' |
        sed -E 's/^\t[0-9a-f]+ /\tADDR /; s/^[0-9a-f]+$/ADDR/' >"$WORK/got"
    printf '%s\n' "	ADDR inner ($real)" "	ADDR middle ($real)" ADDR ADDR >"$WORK/want"
    expect "$WORK/want"
    # the same addresses both ways
    grep -P '^\t' "$WORK/out" | awk '{print $1}' | tr -d '\t' >"$WORK/perf"
    grep -E '^[0-9a-f]+$' "$WORK/out" >"$WORK/raw"
    diff "$WORK/perf" "$WORK/raw" >&2 || fail "perf's and raw's addresses differ"
}

# usym() and func in a uprobe; ksym() of kaddr(); reg("ip") at a
# function's entry is the function, and uaddr() of it too: in the helper (an
# executable, linked where it loads) and in libc (a library, loaded where
# the process put it).
symbols() {
    start -e "probe uprobe:$HELPER:middle {
        printf(\"%s %s %s %d\\n\", usym(reg(\"ip\")), func, ksym(kaddr(\"vfs_read\")),
               uaddr(\"middle\") == reg(\"ip\")) }
        probe uprobe:libc:exit / comm == \"true\" / {
            printf(\"%s %d %d\\n\", func, uaddr(\"exit\") == reg(\"ip\"), uaddr(\"_exit\") != reg(\"ip\")) }"
    "$HELPER" chain 0.1
    /bin/true
    stop
    printf '%s\n' "middle middle vfs_read 1" "exit 1 1" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
}

# --unwind dwarf: the helper's chain from the copy of its stack, built with
# frame pointers and without: both reach main, as a value printed and as a
# map's key (made in user space); without frame pointers, the kernel's walk
# by frame pointers does not.
dwarf_chain() {
    [ -x "${HELPER_NOFP:-}" ] || skip "no helper without frame pointers (HELPER_NOFP)"
    local h
    for h in "$HELPER" "$HELPER_NOFP"; do
        local name
        name=$(basename "$h")
        start --unwind dwarf -e "probe tracepoint:syscalls:sys_enter_getpgid / comm == \"$name\" / {
            print(ustack(4)); @[ustack(4), comm] = count() }"
        "$h" chain 0
        stop
        printf '%s\n' inner middle outer main '@[' inner middle outer main ", $name]: 1" \
            >"$WORK/want"
        names >"$WORK/got"
        expect "$WORK/want"
    done
    start -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper_nofp" / {
        print(ustack(4)) }'
    "$HELPER_NOFP" chain 0
    stop
    names | grep -q '^main$' && fail "frame pointers reached main without frame pointers"
    names | head -1 | grep -q '^inner$' || fail "not even inner without frame pointers"
}

# --stack-lines: each frame of the helper's chain says the line of the
# helper's source it is at: the syscall in inner, each call up the chain.
stack_lines() {
    local src line
    src=$(realpath "$(dirname "$0")/helper.c")
    start --stack-lines -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        print(ustack(4)) }'
    "$HELPER" chain 0.1
    stop
    line() { grep -n -F "$1" "$src" | head -1 | cut -d: -f1; }
    printf '%s\n' "inner ($src:$(line 'return raw_getpgid() + n;'))" \
        "middle ($src:$(line 'return inner(n + 1) + 1;'))" \
        "outer ($src:$(line 'return middle(n + 1) + 1;'))" \
        "main ($src:$(line 'volatile long sink = outer(0);'))" >"$WORK/want"
    # unoptimized (the sanitizers' build), the syscall's line is the inlined
    # instruction's own, in raw_getpgid: as good
    sed -e 's/+[0-9]* (/ (/' -e 's/^ *//' \
        -e "s/:$(line '__asm__ volatile("syscall"'))\$/:$(line 'return raw_getpgid() + n;'))/" \
        "$WORK/out" | grep -v '^$' >"$WORK/got"
    expect "$WORK/want"
}

# A stack and a symbol in a tuple, kept in a variable: printed as alone,
# in text and in JSON.
stack_tuple() {
    local script="probe uprobe:$HELPER:middle {
        \$t = (ustack(2), comm, usym(reg(\"ip\"))); print(\$t) }"
    start -e "$script"
    "$HELPER" chain 0.1
    stop
    printf '%s\n' '(' middle outer ', tp_helper, middle)' >"$WORK/want"
    names >"$WORK/got"
    expect "$WORK/want"
    start -f json -e "$script"
    "$HELPER" chain 0.1
    stop
    grep '"type": "value"' "$WORK/out" | sed 's/+[0-9]*"/"/g' >"$WORK/got"
    echo "{\"type\": \"value\", \"data\": [[\"middle\", \"outer\"], \"tp_helper\", \"middle\"], \"probe\": \"uprobe:$HELPER:middle\"}" >"$WORK/want"
    expect "$WORK/want"
}

# -f folded: a map keyed by stacks as flamegraph.pl reads it, comm first,
# the stack root first; three runs of the helper (three processes, whose
# keys differ) add up in one line; a map without a stack is said and left
# out.
folded() {
    start -f folded -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        @[ustack(4), comm] = count(); @n = count() }'
    "$HELPER" chain 0
    "$HELPER" chain 0
    "$HELPER" chain 0
    stop
    echo "tp_helper;main;outer;middle;inner 3" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
    grep -q 'map @n is not printed: -f folded prints maps keyed by a stack' "$WORK/err" ||
        fail "no warning for @n"
}

# --flamegraph: the SVG, rendered by headless Chromium with its script run:
# the helper's frames are there, and zooming into middle (#zoom=middle, as a
# click does) makes it the whole width while main's frame dims.
flamegraph() {
    local chrome
    chrome=$(command -v chromium || command -v chromium-browser) || skip "chromium is not installed"
    start --flamegraph "$WORK/g.svg" -e 'probe tracepoint:syscalls:sys_enter_getpgid / comm == "tp_helper" / {
        @[ustack(4), comm] = count() }'
    "$HELPER" chain 0
    "$HELPER" chain 0
    stop
    [ -s "$WORK/g.svg" ] || fail "no flame graph written"
    "$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$WORK/chrome" \
        --dump-dom "file://$WORK/g.svg#zoom=middle" >"$WORK/dom" 2>"$WORK/chrome.err" ||
        fail "chromium failed: $(tail -3 "$WORK/chrome.err")"
    grep -q 'data-ready="1"' "$WORK/dom" || fail "the flame graph's script did not run"
    for f in all tp_helper main outer middle inner; do
        grep -q "data-name=\"$f\"" "$WORK/dom" || fail "no frame $f"
    done
    grep -q '<title>inner (2 samples, 100.00%)</title>' "$WORK/dom" || fail "inner's tooltip"
    # zoomed: middle spans the width (1200 less 10 on each side), main is a parent
    grep -o '<g class="f[^"]*"[^>]*data-name="middle"[^<]*<title>[^<]*</title><rect [^>]*>' \
        "$WORK/dom" | grep -q 'width="1180"' || fail "middle is not zoomed to the whole width"
    grep -q '<g class="f parent"[^>]*data-name="main"' "$WORK/dom" || fail "main is not a parent"
}

# The profile script with -c: on-CPU stacks of the busy helper and of
# nothing else (target), as folded lines that flamegraph.pl reads, about
# 99 a second; its banner on standard error.
profile_script() {
    start -f folded profile -c "$HELPER spin 1"
    wait "$TP_PID" || fail "profile exited $?"
    TP_PID=
    if grep -Ev '^tp_helper;[^ ]+ [0-9]+$' "$WORK/out"; then
        fail "a line that is not the helper's, or not folded"
    fi
    awk '{ n += $NF } END { exit !(n >= 50 && n <= 250) }' "$WORK/out" ||
        fail "not about 99 samples in the helper's second"
    grep -q '^Sampling on-CPU stacks at 99 Hz' "$WORK/err" || fail "no banner on standard error"
}

# The offcputime script: the helper sleeps 300 ms in nanosleep, which its
# off-CPU line says with the kernel's frames and the time in microseconds.
offcputime_script() {
    start -f folded offcputime
    "$HELPER" nanosleep 0 300000000
    stop
    awk '/^tp_helper;.*nanosleep/ { if ($NF >= 250000 && $NF < 2000000) ok = 1 } END { exit !ok }' \
        "$WORK/out" || fail "no off-CPU line of 300 ms for the helper's nanosleep"
}

# software:EVENT:COUNT: page faults the helper makes as it starts; -l lists
# the events; hardware: where this machine counts nothing, the error says so.
perf_kinds() {
    start -e 'probe software:page-faults:1 / comm == "tp_helper" / { @ = count() }'
    "$HELPER" open /etc/hostname
    stop
    grep -Eq '^@: [1-9][0-9]*$' "$WORK/out" || fail "no page faults counted"
    "$TP" -l 'software:*fault*' >"$WORK/got"
    printf '%s\n' software:alignment-faults: software:emulation-faults: software:major-faults: \
        software:minor-faults: software:page-faults: >"$WORK/want"
    expect "$WORK/want"
    if [ ! -e /sys/bus/event_source/devices/cpu ]; then
        "$TP" --dry-run -e 'probe hardware:cycles:100000 { @ = count() }' 2>"$WORK/got" &&
            fail "hardware:cycles loaded without a counter"
        grep -q 'error: this machine has no hardware counter for cpu-cycles' "$WORK/got" ||
            fail "the error does not say there is no counter"
    fi
}

"$1"
