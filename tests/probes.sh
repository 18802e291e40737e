#!/usr/bin/env bash
# Probe kinds and targeting, fired for real: uprobes on tp_helper's
# tp_target and on libc, raw tracepoints, patterns, -l, -c, -p and --cgroup.
# Every line printed for the helper is asserted. Usage: probes.sh CASE
. "$(dirname "$0")/lib.sh"

# arg1, str(arg2) at the entry of tp_target(a, s); retval, a + strlen(s), at
# its return; the program found by its path.
uprobe_args() {
    start -e "probe uprobe:$HELPER:tp_target < print probe, arg1, str(arg2) >
              probe uretprobe:$HELPER:tp_target < print retval >"
    "$HELPER" call 3 40 hello 2>/dev/null
    stop
    printf '%s\n' "uprobe:$HELPER:tp_target 40 hello" 45 "uprobe:$HELPER:tp_target 41 hello" 46 \
        "uprobe:$HELPER:tp_target 42 hello" 47 >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A library by name, as the loader finds it: rm's unlinkat(dirfd, path,
# flags) goes through libc.
uprobe_library() {
    touch "$WORK/gone"
    start -e 'probe uprobe:libc:unlinkat / comm == "rm" / < print str(arg2) >'
    rm "$WORK/gone"
    stop
    echo "$WORK/gone" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A pattern in a uprobe: every match attached, `probe` says which fired.
uprobe_pattern() {
    start -e "probe uprobe:$HELPER:tp_targ* < print probe >"
    "$HELPER" call 2 0 x 2>/dev/null
    stop
    printf '%s\n' "uprobe:$HELPER:tp_target" "uprobe:$HELPER:tp_target" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# insn_starts FILE FUNCTION: FUNCTION's length, then the offsets into it at
# which objdump decodes instructions, one a line: the code is the compiler's
# (-O0 under ASan, -O2 else), so what tinyprobe must say is found here.
insn_starts() {
    local addr size
    # no <(...): the second kernel's guest has no /dev/fd
    read -r addr size <<<"$({ nm -S --defined-only "$1"; nm -DS --defined-only "$1"; } 2>/dev/null |
        awk -v f="$2" '($4 == f || index($4, f "@") == 1) && $2 != "" { print $1, $2; exit }')"
    [ -n "$size" ] || fail "$1 has no symbol $2 for nm"
    echo $((16#$size))
    objdump -d --no-show-raw-insn --start-address=$((16#$addr)) \
        --stop-address=$((16#$addr + 16#$size)) "$1" |
        sed -n 's/^ *\([0-9a-f]*\):\t.*/\1/p' | while read -r a; do echo $((16#$a - 16#$addr)); done
}

# refused SPEC LINE...: --dry-run of `probe SPEC { @ = count() }` exits 1
# and prints exactly the error LINE with the spec underlined, then the
# other LINEs.
refused() {
    local spec=$1 line=$2
    shift 2
    "$TP" --dry-run -e "probe $spec { @ = count() }" >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1 for $spec"
    {
        echo "cmdline:1:7: error: $line"
        echo "    1 | probe $spec { @ = count() }"
        echo "      |       ^$(printf '%*s' $((${#spec} - 1)) '' | tr ' ' '~')"
        printf '%s\n' "$@"
    } >"$WORK/want"
    expect "$WORK/want"
}

# uprobe:PATH:FUNCTION+OFFSET: an offset inside an instruction is refused
# with the instructions nearest it (the kernel would put its breakpoint
# there, and the helper would crash), as is one past the function's end;
# one where an instruction starts attaches and fires, and the helper runs
# as it would untraced.
uprobe_offset() {
    type -P objdump >/dev/null || skip "no objdump"
    local starts size i inside=
    mapfile -t starts <<<"$(insn_starts "$HELPER" tp_target)"
    size=${starts[0]}
    starts=("${starts[@]:1}")
    [ "${starts[0]}" = 0 ] || fail "objdump did not decode tp_target from its start"
    for ((i = 0; i + 1 < ${#starts[@]}; i++)); do
        if [ $((starts[i + 1] - starts[i])) -gt 1 ]; then
            inside=$((starts[i] + 1))
            break
        fi
    done
    [ -n "$inside" ] || fail "tp_target has no instruction longer than a byte"
    refused "uprobe:$HELPER:tp_target+$inside" \
        "offset $inside is inside an instruction of tp_target" \
        "note: the instructions nearest it start at +${starts[i]} and +${starts[i + 1]}"
    refused "uprobe:$HELPER:tp_target+$size" "offset $size is past the end of tp_target" \
        "note: tp_target is $size bytes long"

    start -e "probe uprobe:$HELPER:tp_target+${starts[i + 1]} { @ = count() }"
    "$HELPER" call 3 0 x 2>"$WORK/helper" || fail "the traced helper exited $?"
    grep -q ' ns per call (sum 6)$' "$WORK/helper" || fail "the traced helper computed: $(cat "$WORK/helper")"
    stop
    printf '\n@: 3\n' >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# uprobe:libc:malloc+1 is inside malloc's first instruction: attached, it
# would corrupt every process that calls malloc, so even --dry-run refuses.
uprobe_offset_libc() {
    type -P objdump >/dev/null || skip "no objdump"
    local libc starts
    libc=$(ldconfig -p | awk '$1 == "libc.so.6" && $2 ~ /x86-64|AArch64/ { print $NF; exit }')
    [ -n "$libc" ] || skip "no libc.so.6 in ld.so.cache"
    mapfile -t starts <<<"$(insn_starts "$libc" malloc)"
    [ "${starts[1]}" = 0 ] && [ "${starts[2]}" -gt 1 ] ||
        fail "malloc's first instruction, as objdump decodes it, is not longer than a byte"
    refused uprobe:libc:malloc+1 "offset 1 is inside an instruction of malloc" \
        "note: the instructions nearest it start at +0 and +${starts[2]}"
}

# poke FILE AT VALUE: VALUE as 8 little-endian bytes at byte AT of FILE.
poke() {
    local i bytes=
    for ((i = 0; i < 8; i++)); do bytes+=$(printf '\\x%02x' $((($3 >> (8 * i)) & 255))); done
    printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# A function whose code the file does not hold where its section says is
# refused an offset, not guessed at: its section placed past the end of the
# file, or holding no bytes (SHT_NOBITS), or where its segment does not put
# it, or no section at its address. Offset 0 needs no code.
uprobe_offset_unreadable() {
    type -P cc >/dev/null || skip "no cc"
    cat >"$WORK/small.c" <<'END'
__attribute__((noinline)) long tp_small(long a) { return a * 3 + 1; }
void _start(void) { for (long i = 0;; i++) tp_small(i); }
END
    cc -O2 -nostdlib -static -Wl,--build-id=none -o "$WORK/small" "$WORK/small.c" ||
        fail "cannot build a small program"
    local shoff idx text addr off f at
    shoff=$(readelf -hW "$WORK/small" | sed -n 's/.*Start of section headers: *\([0-9]*\).*/\1/p')
    idx=$(readelf -SW "$WORK/small" | sed -n 's/^ *\[ *\([0-9]*\)\] \.text .*/\1/p')
    text=$((shoff + 64 * idx)) # Elf64_Shdr: sh_type at 4, sh_addr at 16, sh_offset at 24
    read -r addr off <<<"$(readelf -SW "$WORK/small" |
        sed -n 's/^ *\[ *[0-9]*\] \.text *PROGBITS *\([0-9a-f]*\) \([0-9a-f]*\) .*/\1 \2/p')"
    addr=$((16#$addr)) off=$((16#$off))
    # the second instruction
    at=$(insn_starts "$WORK/small" tp_small | sed -n 3p)
    [ -n "$at" ] || fail "tp_small has one instruction"
    "$TP" --dry-run -e "probe uprobe:$WORK/small:tp_small+$at { @ = count() }" 2>"$WORK/got" ||
        fail "the unchanged program is refused: $(cat "$WORK/got")"

    f=$WORK/past_end
    cp "$WORK/small" "$f"
    poke "$f" $((text + 24)) $((1 << 40))
    refused "uprobe:$f:tp_small+$at" "cannot check that an instruction of tp_small starts at offset $at" \
        "note: the section that holds tp_small has no bytes in $f"
    "$TP" --dry-run -e "probe uprobe:$f:tp_small { @ = count() }" 2>"$WORK/got" ||
        fail "offset 0 is refused: $(cat "$WORK/got")"

    f=$WORK/nobits
    cp "$WORK/small" "$f"
    poke "$f" $((text + 4)) $((8 | 6 << 32)) # SHT_NOBITS, and sh_flags' low word kept (AX)
    refused "uprobe:$f:tp_small+$at" "cannot check that an instruction of tp_small starts at offset $at" \
        "note: the section that holds tp_small has no bytes in $f"

    f=$WORK/elsewhere
    cp "$WORK/small" "$f"
    poke "$f" $((text + 24)) $((off + 1))
    refused "uprobe:$f:tp_small+$at" "cannot check that an instruction of tp_small starts at offset $at" \
        "note: tp_small's section and its segment place it at different offsets of $f"

    f=$WORK/no_section
    cp "$WORK/small" "$f"
    poke "$f" $((text + 16)) $((addr + (1 << 30)))
    refused "uprobe:$f:tp_small+$at" "cannot check that an instruction of tp_small starts at offset $at" \
        "note: no section of $f holds tp_small's address, 0x$(nm "$WORK/small" | awk '$3 == "tp_small" { sub(/^0+/, "", $1); print $1 }')"
}

# What is typed at an interactive bash, as readline returns it.
uretprobe_readline() {
    type -P script >/dev/null && [ -x /bin/bash ] || skip "no script(1) or bash"
    script -qc true /dev/null >/dev/null 2>&1 </dev/null || skip "script(1) cannot open a terminal"
    start -e 'probe uretprobe:/bin/bash:readline < print str(retval) >'
    printf 'echo typed-at-bash\nexit\n' |
        script -qc "/bin/bash --norc --noprofile -i" /dev/null >/dev/null 2>&1
    stop
    printf '%s\n' "echo typed-at-bash" exit >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A raw tracepoint's arguments: sys_enter(regs, id), id 257 for openat on
# x86-64 (56 on arm64).
rawtracepoint_args() {
    local nr=257
    [ "$(uname -m)" = aarch64 ] && nr=56
    start -e "probe rawtracepoint:sys_enter / comm == \"tp_helper\" && arg2 == $nr / < print probe, arg2 >"
    "$HELPER" open /etc/hostname "$WORK/x"
    stop
    printf '%s\n' "rawtracepoint:sys_enter $nr" "rawtracepoint:sys_enter $nr" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A pattern of tracepoints (openat and openat2): each is a program with its
# own record, and a field must be in every match; only openat fires for the
# helper's opens.
tracepoint_pattern() {
    start -e 'probe tracepoint:syscalls:sys_enter_openat* / comm == "tp_helper" / <
                  print probe, str(args.filename) >'
    grep -qx 'Attached 2 probes' "$WORK/err" || fail "not every match was attached"
    "$HELPER" open "$WORK/a"
    stop
    echo "tracepoint:syscalls:sys_enter_openat $WORK/a" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A pattern of thousands of functions, each needing a program (fentry):
# refused before anything loads.
too_many_programs() {
    [ -e /sys/kernel/btf/vmlinux ] || skip "no BTF"
    "$TP" --dry-run -e 'probe fentry:* < print 1 >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    grep -Eqx 'cmdline:1:7: error: fentry:\* matches [0-9]+ functions, and each needs a program of its own' \
        "$WORK/got" || fail "no error for fentry:*"
    grep -qx 'note: a fentry pattern may match at most 4096: narrow it' "$WORK/got" || fail "no note"
}

# A pattern's points share one program, told apart by the attach cookie,
# unless a field they read is at different places (fchownat's group is 8
# bytes further on than chown's, fchown's and lchown's): then each has its own.
shared_programs() {
    local progs
    progs=$("$TP" -v --dry-run -e 'probe tracepoint:syscalls:sys_enter_*chown* < print probe >' 2>&1 | grep -c '^prog ')
    [ "$progs" -eq 1 ] || fail "$progs programs for *chown* without fields, not 1"
    progs=$("$TP" -v --dry-run -e 'probe tracepoint:syscalls:sys_enter_*chown* < print args.group >' 2>&1 | grep -c '^prog ')
    [ "$progs" -eq 4 ] || fail "$progs programs for *chown* reading group, not 4"
}

# -l and -lv, as bpftrace prints them.
list() {
    "$TP" -l 'tracepoint:syscalls:sys_enter_openat*' >"$WORK/got" || fail "-l failed"
    printf '%s\n' tracepoint:syscalls:sys_enter_openat tracepoint:syscalls:sys_enter_openat2 \
        >"$WORK/want"
    expect "$WORK/want"
    "$TP" -lv 'tracepoint:syscalls:sys_enter_openat' >"$WORK/got" || fail "-lv failed"
    cat >"$WORK/want" <<'END'
tracepoint:syscalls:sys_enter_openat
    int __syscall_nr
    int dfd
    const char * filename
    int flags
    umode_t mode
END
    expect "$WORK/want"
    "$TP" -l "uprobe:$HELPER:tp_targ*" >"$WORK/got" || fail "-l uprobe failed"
    echo "uprobe:$HELPER:tp_target" >"$WORK/want"
    expect "$WORK/want"
    "$TP" -lv 'rawtracepoint:sched_switch' >"$WORK/got" || fail "-lv rawtracepoint failed"
    head -1 "$WORK/got" | grep -qx 'rawtracepoint:sched_switch' || fail "no sched_switch"
    [ "$(wc -l <"$WORK/got")" -ge 4 ] || fail "sched_switch's arguments are not listed"
    # everything, quickly (bench measures it; this only says it works)
    "$TP" -l >"$WORK/all" || fail "-l of everything failed"
    grep -qx 'tracepoint:sched:sched_switch' "$WORK/all" || fail "-l misses tracepoints"
    grep -qx 'rawtracepoint:sched_switch' "$WORK/all" || fail "-l misses raw tracepoints"
    grep -qx 'kprobe:vfs_read' "$WORK/all" || fail "-l misses kernel functions"
}

# -c: the command runs once the probes are attached (its first open is
# seen), cpid is its pid, and tracing ends when it exits.
command() {
    "$TP" -o "$WORK/out" -c "$HELPER open $WORK/first $WORK/second" \
        -e 'probe tracepoint:syscalls:sys_enter_openat / pid == cpid / < print str(args.filename) >' \
        2>"$WORK/err" || fail "exit code $?"
    printf '%s\n' "$WORK/first" "$WORK/second" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# -p: only that process's events, and tracing ends when it does.
pid() {
    "$HELPER" rate 20 60 "$WORK/mine" 2>/dev/null &
    local mine=$!
    start -p "$mine" -e 'probe tracepoint:syscalls:sys_enter_openat < print pid, str(args.filename) >'
    "$HELPER" open "$WORK/other"
    for _ in $(seq 1 3000); do [ "$(wc -l <"$WORK/out")" -ge 3 ] && break; sleep 0.01; done
    kill "$mine"
    wait "$mine"
    for _ in $(seq 1 300); do kill -0 "$TP_PID" 2>/dev/null || break; sleep 0.01; done
    kill -0 "$TP_PID" 2>/dev/null && fail "tinyprobe still runs after its process exited"
    wait "$TP_PID" || fail "exit code $?"
    TP_PID=
    [ -s "$WORK/out" ] || fail "nothing traced"
    awk -v p="$mine" -v f="$WORK/mine" '$1 != p || $2 != f' "$WORK/out" >"$WORK/got"
    : >"$WORK/want"
    expect "$WORK/want"
}

# --cgroup: a task in a cgroup below the one named is traced, one outside is
# not.
cgroup() {
    local root
    root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
    [ -n "$root" ] || skip "no cgroup v2 mounted"
    local cg="$root/tinyprobe-test.$$"
    mkdir -p "$cg/inner" || fail "cannot make a cgroup under $root"
    trap 'rmdir "$cg/inner" "$cg" 2>/dev/null; rm -rf "$WORK"; [ -n "${TP_PID:-}" ] && kill -9 "$TP_PID" 2>/dev/null' EXIT
    start --cgroup "$cg" -e 'probe tracepoint:syscalls:sys_enter_openat / comm == "tp_helper" / <
                                 print str(args.filename) >'
    sh -c "echo \$\$ >'$cg/inner/cgroup.procs' && exec '$HELPER' open '$WORK/inside'"
    "$HELPER" open "$WORK/outside"
    stop
    echo "$WORK/inside" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# USDT: the helper's probe tinyprobe:hit(a + i, s, -i), fired 3 times; the
# third operand is a 4-byte int, widened with its sign.
need_usdt() {
    "$TP" -l "usdt:$HELPER:*" 2>/dev/null | grep -q . || skip "tp_helper has no USDT probes: it was built without <sys/sdt.h> (systemtap-sdt-dev)"
}
usdt_args() {
    need_usdt
    start -e "probe usdt:$HELPER:tinyprobe:hit < print probe, arg1, str(arg2), 0 - arg3 >"
    "$HELPER" usdt 3 10 hi
    stop
    printf '%s\n' "usdt:$HELPER:tinyprobe:hit 10 hi 0" "usdt:$HELPER:tinyprobe:hit 11 hi 1" \
        "usdt:$HELPER:tinyprobe:hit 12 hi 2" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A USDT probe the file lacks: said, with the probes it has; one past the
# probe's operands too; and -l lists them.
usdt_errors() {
    need_usdt
    "$TP" --dry-run -e "probe usdt:$HELPER:tinyprobe:miss < print 1 >" >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    grep -qx "cmdline:1:7: error: $HELPER has no USDT probe tinyprobe:miss" "$WORK/got" ||
        fail "no error for a missing probe"
    grep -qx "note: its probes are: tinyprobe:hit" "$WORK/got" || fail "the probes are not listed"
    "$TP" --dry-run -e "probe usdt:$HELPER:hit < print arg4 >" >"$WORK/out" 2>"$WORK/got"
    grep -q "error: usdt:$HELPER:tinyprobe:hit has 3 arguments: there is no arg4" "$WORK/got" ||
        fail "no error for arg4"
    "$TP" -lv "usdt:$HELPER:*" >"$WORK/got"
    printf '%s\n' "usdt:$HELPER:tinyprobe:hit" "    arg1" "    arg2" "    arg3" >"$WORK/want"
    expect "$WORK/want"
}

# A kprobe pattern: every match attached, by one program, in one
# kprobe.multi link where the kernel has them (CONFIG_FPROBE), else a link
# each; `probe` says which fired.
kprobe_pattern() {
    need_kprobes
    start -e 'probe kprobe:do_sys_open* / comm == "tp_helper" / < print probe >'
    local n links
    n=$(sed -n 's/^Attached \([0-9]*\) probes$/\1/p' "$WORK/err")
    links=$(cat /proc/"$TP_PID"/fdinfo/* 2>/dev/null | grep '^link_type:' | sort | uniq -c | xargs)
    if grep -q ' fprobe_register$' /proc/kallsyms; then
        [ "$links" = "1 link_type: kprobe_multi" ] || fail "links: $links; one kprobe_multi wanted"
    else
        [ "$links" = "$n link_type: perf" ] || fail "links: $links; $n perf links wanted"
    fi
    "$HELPER" open /etc/hostname "$WORK/x"
    stop
    printf '%s\n' kprobe:do_sys_openat2 kprobe:do_sys_openat2 >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# A function in kallsyms that ftrace cannot trace (noinstr) is refused by name.
kprobe_not_traceable() {
    [ -r /sys/kernel/tracing/available_filter_functions ] &&
        head -c1 /sys/kernel/tracing/available_filter_functions >/dev/null 2>&1 ||
        skip "available_filter_functions cannot be read here"
    grep -q ' do_syscall_64$' /proc/kallsyms || skip "no do_syscall_64"
    "$TP" --dry-run -e 'probe kprobe:do_syscall_64 < print 1 >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    cat >"$WORK/want" <<'END'
cmdline:1:7: error: function 'do_syscall_64' cannot be traced
    1 | probe kprobe:do_syscall_64 < print 1 >
      |       ^~~~~~~~~~~~~~~~~~~~
note: it is not in available_filter_functions: it may be inlined, or marked notrace
END
    expect "$WORK/want"
}

# fentry: arguments by name, typed by the kernel's BTF (dfd an int).
fentry_args() {
    need_fentry
    start -e 'probe fentry:do_sys_openat2 / comm == "tp_helper" / < print args.dfd, str(args.filename) >'
    "$HELPER" open "$WORK/a" /etc/hostname
    stop
    printf '%s\n' "-100 $WORK/a" "-100 /etc/hostname" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# An fentry pattern: a program a function (each has its own BTF target),
# every one attached; `probe` says which fired.
fentry_pattern() {
    need_fentry
    start -e 'probe fentry:do_sys_open* / comm == "tp_helper" / < print probe, str(args.filename) >'
    grep -qx 'Attached [2-9] probes' "$WORK/err" || fail "not every match was attached"
    "$HELPER" open "$WORK/a"
    stop
    echo "fentry:do_sys_openat2 $WORK/a" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# fexit: the return value, a descriptor or -ENOENT, with the arguments.
fexit_retval() {
    need_fentry
    start -e 'probe fexit:do_sys_openat2 / comm == "tp_helper" / < print retval, str(args.filename) >'
    "$HELPER" open /etc/hostname "$WORK/missing"
    stop
    printf '%s\n' "3 /etc/hostname" "-2 $WORK/missing" >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
}

# fentry without the kernel's BTF (hidden in a private mount namespace): the
# error says so, and names the kind that needs none.
fentry_no_btf() {
    [ -e /sys/kernel/btf/vmlinux ] || skip "no BTF here to hide"
    unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" "$@"' \
        "$TP" --dry-run -e 'probe fentry:vfs_read < print 1 >' >"$WORK/out" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "expected exit code 1"
    cat >"$WORK/want" <<'END'
cmdline:1:7: error: this kernel has no BTF: /sys/kernel/btf/vmlinux is missing
    1 | probe fentry:vfs_read < print 1 >
      |       ^~~~~~~~~~~~~~~
note: fentry reads the kernel's BTF; kprobe:vfs_read needs none
END
    expect "$WORK/want"
}

# BEGIN's lines come before anything -c's command prints: BEGIN runs, and is
# printed, before the command is released.
command_begin_first() {
    for i in 1 2 3; do
        "$TP" -q -c 'echo command' -e 'probe BEGIN { print "begin" }' >"$WORK/got" 2>"$WORK/err" ||
            fail "run $i: exit code $?"
        printf '%s\n' begin command >"$WORK/want"
        expect "$WORK/want"
    done
}

# -c's command does not outlive tinyprobe: when tinyprobe ends first (exit,
# Ctrl-C), the command gets SIGTERM, and SIGKILL a second later if it
# ignores that.
command_ends() {
    "$TP" -q -c 'sleep 77.25' -e 'probe interval:ms:100 { exit }' 2>"$WORK/err" || fail "exit code $?"
    pgrep -f 'sleep 77.25' >/dev/null && fail "the command outlived exit"
    start -c 'sleep 77.5' -e 'probe interval:s:100 { exit }'
    stop
    pgrep -f 'sleep 77.5' >/dev/null && fail "the command outlived Ctrl-C"
    local t0
    t0=$(date +%s%N)
    "$TP" -q -c "$HELPER hold 77.75" -e 'probe interval:s:1 { exit }' >"$WORK/out" 2>"$WORK/err" ||
        fail "exit code $?"
    pgrep -f 'hold 77.75' >/dev/null && fail "a command that ignores SIGTERM outlived tinyprobe"
    grep -qx ready "$WORK/out" || fail "the command did not start"
    # it would sleep 77 s: gone within 30 s (a slow guest included) is the SIGKILL
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 30000 ] || fail "no SIGKILL after the grace period"
}

# -p filters the probes that fire in a task's context, not interval's timer,
# which fires in whatever task runs: a process that sleeps still gets its
# ticks.
pid_interval() {
    sleep 30 &
    local sleeper=$!
    "$TP" -q -p "$sleeper" -e 'probe interval:ms:100 { @ticks = count() } probe interval:ms:1050 { exit }' \
        >"$WORK/out" 2>"$WORK/err" || fail "exit code $?"
    kill "$sleeper"
    wait
    local n
    n=$(sed -n 's/^@ticks: //p' "$WORK/out")
    [ -n "$n" ] && [ "$n" -ge 9 ] && [ "$n" -le 11 ] || fail "$n ticks in a second, not 10"
}

# -c's errors: each says what is wrong with the command, in one wording.
command_errors() {
    local c
    for c in 'echo $((1/0))' "echo 'a" /tmp /etc/passwd; do
        "$TP" -c "$c" -e 'probe interval:s:1 { exit }' 2>>"$WORK/got" && fail "-c '$c' ran"
    done
    cat >"$WORK/want" <<'END'
tinyprobe: error: -c 'echo $((1/0))': an expansion in it ($((...)) or ${...}) fails
tinyprobe: error: -c 'echo 'a': its quotes do not match
tinyprobe: error: -c: cannot run '/tmp': it is a directory
tinyprobe: error: -c: cannot run '/etc/passwd': it is not an executable file (Permission denied)
END
    expect "$WORK/want"
}

"$@"
