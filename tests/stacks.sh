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
# function's entry is the function.
symbols() {
    start -e "probe uprobe:$HELPER:middle {
        printf(\"%s %s %s\\n\", usym(reg(\"ip\")), func, ksym(kaddr(\"vfs_read\"))) }"
    "$HELPER" chain 0.1
    stop
    echo "middle middle vfs_read" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
}

"$1"
