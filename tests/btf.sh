#!/usr/bin/env bash
# Kernel structs through BTF, on the real kernel: member chains from
# curtask, a tracepoint's pointer to a struct, a raw tracepoint's typed
# arguments, a cast of a uprobe's argument to a struct in user memory, and
# the messages where BTF is missing or a struct too large. Each asserts the
# values the helper is known to have. Usage: btf.sh CASE
. "$(dirname "$0")/lib.sh"

# curtask->real_parent->pid is ppid and the helper's parent (this shell);
# curtask->comm is comm; nanosleep()'s timespec read through args.rqtp, by
# member and whole, in text and in JSON.
nanosleep_chain() {
    local script='probe tracepoint:syscalls:sys_enter_nanosleep / comm == "tp_helper" / {
        $task = (struct task_struct *)curtask;
        print curtask->real_parent->pid, ppid, $task->real_parent->tgid, curtask->comm, comm;
        print args.rqtp->tv_sec, args.rqtp->tv_nsec;
        print *args.rqtp }'
    start -e "$script"
    "$HELPER" nanosleep 0 1234567
    stop
    printf '%s\n' "$BASHPID $BASHPID $BASHPID tp_helper tp_helper" "0 1234567" \
        "{ .tv_sec = 0, .tv_nsec = 1234567 }" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"

    start -f json -e "$script"
    "$HELPER" nanosleep 1 5
    stop
    local p='"probe": "tracepoint:syscalls:sys_enter_nanosleep"'
    printf '%s\n' "{\"type\": \"value\", \"data\": [$BASHPID, $BASHPID, $BASHPID, \"tp_helper\", \"tp_helper\"], $p}" \
        "{\"type\": \"value\", \"data\": [1, 5], $p}" \
        "{\"type\": \"value\", \"data\": {\"tv_sec\": 1, \"tv_nsec\": 5}, $p}" >"$WORK/want"
    grep '"type": "value"' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
}

# A raw tracepoint's arguments by name and as argN, typed by the kernel's
# BTF: sched_switch's prev is the helper as it goes to sleep.
rawtracepoint_typed() {
    start -e 'probe rawtracepoint:sched_switch / args.prev->comm == "tp_helper" / {
        print args.prev->pid, arg2->tgid == args.prev->tgid, args.next->pid != args.prev->pid }'
    "$HELPER" nanosleep 0 20000000 &
    local hp=$!
    wait $hp
    stop
    echo "$hp 1 1" >"$WORK/want"
    grep -v '^$' "$WORK/out" | head -1 >"$WORK/got"
    expect "$WORK/want"
}

# A uprobe's argument cast to a kernel struct points into the process:
# read with the user helper, bitfields and all (tp_helper tcphdr: port 4660
# to 80 in network order, doff 5, SYN and ACK).
uprobe_cast() {
    start -e "probe uprobe:$HELPER:tp_struct {
        \$h = (struct tcphdr *)arg1;
        print \$h->source, \$h->dest, \$h->doff, \$h->syn, \$h->ack, \$h->fin, \$h->window;
        print *\$h }"
    "$HELPER" tcphdr
    stop
    printf '%s\n' "13330 20480 5 1 1 0 2" \
        "{ .source = 13330, .dest = 20480, .seq = 16777216, .ack_seq = 0, .ae = 0, .res1 = 0, .doff = 5, .fin = 0, .syn = 1, .rst = 0, .psh = 0, .ack = 1, .urg = 0, .ece = 0, .cwr = 0, .window = 2, .check = 0, .urg_ptr = 0 }" \
        >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    # older kernels' tcphdr has no 'ae' member, its bits in res1
    grep -q '\.ae = ' "$WORK/got" || sed -i 's/ \.ae = 0,//' "$WORK/want"
    expect "$WORK/want"
}

# Without the kernel's BTF (TINYPROBE_BTF naming a file that is not there),
# a member chain says what it needs, at its place.
no_btf() {
    TINYPROBE_BTF=/nonexistent "$TP" -e 'probe BEGIN { print curtask->pid; exit }' 2>"$WORK/got"
    [ $? -eq 1 ] || fail "not exit code 1"
    cat >"$WORK/want" <<'EOF'
cmdline:1:21: error: reading a struct's member needs the kernel's types, and cannot read BTF from /nonexistent (TINYPROBE_BTF): No such file or directory
    1 | probe BEGIN { print curtask->pid; exit }
      |                     ^~~~~~~~~~~~
note: a kernel built with CONFIG_DEBUG_INFO_BTF has it; TINYPROBE_BTF may name a file of another's
EOF
    expect "$WORK/want"
}

# A struct too large to print says how large it is, and what to do; its
# size is this kernel's.
too_large() {
    local size
    size=$("$TP" -e 'probe BEGIN { print sizeof(struct pglist_data); exit }' 2>/dev/null)
    "$TP" -e 'probe BEGIN { @n = *(struct pglist_data *)0; exit }' 2>"$WORK/got"
    [ $? -eq 1 ] || fail "not exit code 1"
    cat >"$WORK/want" <<EOF
cmdline:1:20: error: a struct pglist_data is $size bytes: the largest struct kept or printed is 4096
    1 | probe BEGIN { @n = *(struct pglist_data *)0; exit }
      |                    ^~~~~~~~~~~~~~~~~~~~~~~~
note: print the members you need
EOF
    expect "$WORK/want"
}

# The canned sleeps script: the helper's sleep, its parent (this shell) by
# pid and name, and the time it asked for.
sleeps_script() {
    start sleeps
    "$HELPER" nanosleep 0 1234567 &
    local hp=$!
    wait $hp
    stop
    head -1 "$WORK/out" >"$WORK/got"
    printf '%-8s %-7s %-16s %-7s %-16s %s\n' TIME PID COMM PPID PCOMM SECONDS >"$WORK/want"
    expect "$WORK/want"
    awk -v p="$hp" '$2 == p { $1 = "T"; print }' "$WORK/out" >"$WORK/got"
    local pcomm
    read -r pcomm </proc/$BASHPID/comm # not $(...): a subshell is another process
    echo "T $hp tp_helper $BASHPID $pcomm 0.001234567" >"$WORK/want"
    expect "$WORK/want"
}

# The canned runqlat script: the helper's sleeps wake it, and each wait for
# a CPU lands in the histogram.
runqlat_script() {
    start runqlat
    for _ in 1 2 3 4 5; do "$HELPER" nanosleep 0 1000000; done
    stop
    grep -q '^@usecs:$' "$WORK/out" || fail "runqlat drew no histogram"
    local n
    n=$(awk -F'[][ |]+' '/^\[/ { s += $(NF - 2) } END { print s + 0 }' "$WORK/out")
    [ "$n" -ge 5 ] || fail "runqlat counted $n waits, fewer than the helper's 5 wake-ups"
    grep -q '^@queued' "$WORK/out" && fail "runqlat printed its scratch map"
    return 0
}

# The canned tcplife script: the helper's session with itself on 127.0.0.1,
# both ends, by the helper's pid, with the port it reports and the 5000
# bytes it sends (4 KB) read through struct tcp_sock.
tcplife_script() {
    "$HELPER" tcp 127.0.0.1 >/dev/null 2>&1 || skip "no IPv4 loopback here"
    start tcplife
    local port hp
    port=$("$HELPER" tcp 127.0.0.1 5000) || fail "the helper's connection"
    stop
    head -1 "$WORK/out" >"$WORK/got"
    printf '%-7s %-16s %-15s %5s %-15s %5s %6s %6s %s\n' PID COMM LADDR LPORT RADDR RPORT TX_KB \
        RX_KB MS >"$WORK/want"
    expect "$WORK/want"
    # the connecting end sent 4 KB, the accepted end received them
    awk -v p="$port" '$2 == "tp_helper" && ($4 == p || $6 == p) {
        print $3, $5, ($4 == p ? "accepted" : "connected"), $7, $8 }' "$WORK/out" | sort >"$WORK/got"
    printf '%s\n' "127.0.0.1 127.0.0.1 accepted 0 4" "127.0.0.1 127.0.0.1 connected 4 0" >"$WORK/want"
    expect "$WORK/want"
    awk '$2 == "tp_helper" { n++; if ($1 !~ /^[0-9]+$/ || $9 !~ /^[0-9]+$/) bad++ }
         END { exit !(n == 2 && !bad) }' "$WORK/out" || fail "not two sessions with a pid and a duration"
}

# An enum's value by name through printf's %s, as a number through %d: the
# connecting socket's state as TCP sends its SYN (inet_stream_connect sets
# SS_CONNECTING only after), in text and in JSON.
enum_names() {
    local prog='probe tracepoint:sock:inet_sock_set_state / comm == "tp_helper" && args.newstate == 2 / {
        $sk = (struct sock *)args.skaddr;
        printf("%s %d %-16s|\n", $sk->sk_socket->state, $sk->sk_socket->state, $sk->sk_socket->state) }'
    "$HELPER" tcp 127.0.0.1 >/dev/null 2>&1 || skip "no IPv4 loopback here"
    start -e "$prog"
    "$HELPER" tcp 127.0.0.1 >/dev/null || fail "the helper's connection"
    stop
    echo "SS_UNCONNECTED 1 SS_UNCONNECTED  |" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
    start -f json -e "$prog"
    "$HELPER" tcp 127.0.0.1 >/dev/null || fail "the helper's connection"
    stop
    grep -q '^{"type": "printf", "data": "SS_UNCONNECTED 1 SS_UNCONNECTED  |\\n"' "$WORK/out" ||
        fail "not the enum's name in JSON"
}

# Members are read where the running kernel has them (CO-RE: libbpf sets
# each offset from its BTF at load), not where the kernel the script was
# compiled against has them: compiled against a task_struct laid out
# otherwise (TINYPROBE_BTF), the chain from curtask, ppid, curtask->comm
# and comm still read the helper's, and -v shows libbpf moving them.
core_relocations() {
    command -v clang >/dev/null || skip "no clang to make a BTF file"
    cat >"$WORK/other.c" <<'EOF'
struct task_struct {
    long pad[5];
    struct task_struct *parent;
    int pid, tgid;
    char comm[16];
    struct task_struct *real_parent;
} task;
EOF
    clang -g -target bpf -c "$WORK/other.c" -o "$WORK/other.o" || fail "clang cannot make a BTF file"
    local prog='probe BEGIN { print offsetof(struct task_struct, real_parent); exit }' off
    TINYPROBE_BTF="$WORK/other.o" "$TP" -e "$prog" >"$WORK/got" 2>&1
    echo 72 >"$WORK/want"
    expect "$WORK/want"
    off=$("$TP" -e "$prog")
    # compiled for the other layout, run on this kernel
    TINYPROBE_BTF="$WORK/other.o" "$TP" --emit "$WORK/c.tpo" -e 'probe tracepoint:syscalls:sys_enter_nanosleep / comm == "tp_helper" / {
        print curtask->real_parent->tgid, ppid, curtask->comm, comm }' || fail "--emit failed"
    start -v "$WORK/c.tpo"
    "$HELPER" nanosleep 0 1000
    stop
    echo "$BASHPID $BASHPID tp_helper tp_helper" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
    grep -q '^libbpf: CO-RE relocating \[[0-9]*\] struct task_struct: found target candidate \[[0-9]*\] struct task_struct in \[vmlinux\]$' \
        "$WORK/err" || fail "libbpf did not say it relocated struct task_struct: $(cat "$WORK/err")"
    # the typed load of real_parent: compiled at 72, loaded at this kernel's
    grep -q "relo #[0-9]*: patched insn #[0-9]* (LDX/ST/STX) off 72 -> $off\$" "$WORK/err" ||
        fail "libbpf did not move real_parent from 72 to $off: $(cat "$WORK/err")"
}

# kprobe and fentry arguments typed by the function's prototype: vfs_read's
# file is a struct file *, read without a cast. Where this kernel cannot
# attach them, the VM suite runs these on its own.
kprobe_typed() {
    need_kprobes
    start -e 'probe kprobe:vfs_read / comm == "tp_helper" / {
        print str(arg1->f_path.dentry->d_name.name), arg1->f_pos >= 0 }'
    "$HELPER" reads 2 /etc/hostname
    stop
    printf '%s\n' "hostname 1" "hostname 1" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
}

fentry_typed() {
    need_fentry
    start -e 'probe fentry:vfs_read / comm == "tp_helper" / {
        print str(args.file->f_path.dentry->d_name.name), str(arg1->f_path.dentry->d_iname) }'
    "$HELPER" reads 1 /etc/hostname
    stop
    echo "hostname hostname" >"$WORK/want"
    grep -v '^$' "$WORK/out" >"$WORK/got"
    expect "$WORK/want"
}

"$1"
