#!/usr/bin/env bash
# listing.sh CASE: the -d listings that need the kernel (-d verifier, -d
# xlated) and --color. The verifier's own lines differ from kernel to
# kernel; what tinyprobe adds to them (script lines, the summary, the path
# to a refusal) is asserted here, on both kernels (the VM runs these too).
. "$(dirname "$0")/lib.sh"
ASM=$(dirname "$0")/asm

# has PATTERN: a line of $WORK/err matches the extended regex PATTERN
has() { grep -Eq -- "$1" "$WORK/err" || fail "no line matches: $1"; }

case "$1" in
verifier_accepted)
    "$TP" -d verifier --dry-run --color=never "$ASM/filter.tp" >"$WORK/out" 2>"$WORK/err" ||
        fail "exit code $?"
    has '^tracepoint:syscalls:sys_enter_openat: program sys_enter_openat, [0-9]+ instructions$'
    # the verifier walked the filter and the print, each under its line
    has '^    4 \| probe tracepoint:syscalls:sys_enter_openat / pid > 1 / \{$'
    has '^      \|                                              \^~~$'
    has '^    5 \|     print pid, str\(args.filename\)$'
    has '^[0-9]+: \(85\) call bpf_get_current_pid_tgid#14'
    has '^[0-9]+: \(79\) r3 = \*\(u64 \*\)\(r[0-9] \+24\)'
    # its own line info is replaced by the script's lines
    grep -q '^; ' "$WORK/err" && fail "the verifier's own line info is left in"
    # the summary: a row a script line, with what it walked there
    has '^by script line:$'
    has '^   line  insns  walked  paths  pruned$'
    has '^      4  +[1-9][0-9]*  +[1-9][0-9]*  +[1-9][0-9]*  +[0-9]+  \| probe tracepoint:syscalls:sys_enter_openat / pid > 1 / \{$'
    has '^      5  +[1-9][0-9]*  +[1-9][0-9]*  +[1-9][0-9]*  +[0-9]+  \| print pid, str\(args.filename\)$'
    has '^the verifier: processed [0-9]+ insns'
    # the instructions of the rows add up to the program's
    total=$(grep -E '^tracepoint:' "$WORK/err" | sed -E 's/.*, ([0-9]+) instructions/\1/')
    rows=$(awk '/^   line  insns/ {on=1; next} on && /^ +[0-9]+ +[0-9]+ / {s += $2} /^the verifier:/ {on=0} END {print s}' "$WORK/err")
    # ld_imm64 takes two numbers and is one instruction
    wide=$("$TP" -d asm --color=never "$ASM/filter.tp" | grep -c ' ll$\| = map \| = &map ')
    [ "$rows" -eq $((total - wide)) ] || fail "rows add up to $rows, the program has $total numbers, $wide of them second halves"
    ;;
verifier_refused)
    # tests' way to make a program the verifier refuses: a load far past
    # the context in the probe's last statement
    printf 'probe tracepoint:syscalls:sys_enter_openat {\n  if (pid > 5) {\n    print pid\n  }\n  print tid\n}\n' >"$WORK/r.tp"
    TINYPROBE_TEST_FAULT=verifier-last "$TP" -d verifier --dry-run --color=never "$WORK/r.tp" \
        >"$WORK/out" 2>"$WORK/err" && fail "a refused program loaded"
    has '^the path to the refusal:$'
    # the path: from the start, through the branch of the if, to the print
    sed -n '/^the path to the refusal:$/,/^dereference/p' "$WORK/err" >"$WORK/path"
    grep -Eq '^0: \(' "$WORK/path" || fail "the path does not start at instruction 0"
    grep -Eq '^    2 \|   if \(pid > 5\) \{$' "$WORK/path" || fail "the path does not pass the if"
    # it ends at the script line, then the reason
    grep -E '^ +[0-9]+ \| ' "$WORK/path" | tail -1 | grep -Eq '^    3 \|     print pid$' ||
        fail "the path does not end under line 3"
    tail -1 "$WORK/path" | grep -Eq '^dereference of modified ctx ptr R[0-9] off=1048576 disallowed$' ||
        fail "the path does not end with the reason"
    has '^.*r.tp:3:5: error: the kernel.s verifier refused probe tracepoint:syscalls:sys_enter_openat: dereference of modified ctx ptr'
    ;;
xlated)
    "$TP" -d xlated --dry-run --color=never "$ASM/filter.tp" >"$WORK/out" 2>"$WORK/err" ||
        fail "exit code $?"
    has '^tracepoint:syscalls:sys_enter_openat: program sys_enter_openat, [0-9]+ instructions$'
    has '^    5 \|     print pid, str\(args.filename\)$'
    # the kernel's calls are addresses: named from kallsyms
    has '^ +[0-9]+: call bpf_get_current_pid_tgid$'
    has '^ +[0-9]+: call bpf_ringbuf_reserve$'
    # its maps are ids: named as the script and the object name them
    has '^ +[0-9]+: r1 = map events$'
    has '^ +[0-9]+: r1 = &map slots$'
    has '^ +[0-9]+: r3 = \*\(u64 \*\)\(r[0-9] \+ 24\) +; args.filename$'
    ;;
color)
    "$TP" -d asm --color=always "$ASM/filter.tp" >"$WORK/got" || fail "exit code $?"
    grep -q $'call \e\[36mbpf_ringbuf_reserve\e\[0m' "$WORK/got" || fail "no helper in colour"
    grep -q $'\e\[1;32m\^' "$WORK/got" || fail "no caret in colour"
    "$TP" -d asm --color=never "$ASM/filter.tp" >"$WORK/got" || fail "exit code $?"
    grep -q $'\e' "$WORK/got" && fail "colour with --color=never"
    # auto: colour only on a terminal, and this is a file
    "$TP" -d asm "$ASM/filter.tp" >"$WORK/got" || fail "exit code $?"
    grep -q $'\e' "$WORK/got" && fail "colour in a file with --color=auto"
    TINYPROBE_TEST_FAULT=verifier "$TP" -d verifier --color=always --dry-run "$ASM/filter.tp" \
        >/dev/null 2>"$WORK/err"
    grep -q $'\e\[1;31m' "$WORK/err" || fail "no reason in colour"
    "$TP" --color=sometimes -e 'probe BEGIN { exit }' 2>"$WORK/err" && fail "--color=sometimes accepted"
    has '^tinyprobe: error: --color takes auto, always or never, not .sometimes.$'
    ;;
*) fail "no case $1" ;;
esac
