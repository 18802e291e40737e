#!/usr/bin/env bash
# compiled.sh CASE: compiled scripts (--emit, then a run of the .tpo) and the
# compiled-object cache, each case with its exact outcome: what -v says the
# cache did, what tinyprobe prints, and what is left in the cache.
. "$(dirname "$0")/lib.sh"

export XDG_CACHE_HOME="$WORK/xdg"
CACHE="$XDG_CACHE_HOME/tinyprobe"
PROG='probe BEGIN { printf("hello %d\n", 7); exit(); }'

# run: tinyprobe -v -e PROG, whose output must be "hello 7"; what it said of
# the cache in $WORK/said.
run() {
    "$TP" -v "$@" -e "$PROG" >"$WORK/out" 2>"$WORK/err" || fail "exit code $?"
    [ "$(cat "$WORK/out")" = "hello 7" ] || fail "printed $(head -c 200 "$WORK/out")"
    grep '^tinyprobe: cache: ' "$WORK/err" | sed "s|^tinyprobe: cache: ||; s|$CACHE/[0-9a-f]*\.tpc|ENTRY|" >"$WORK/said"
}
said() {
    : >"$WORK/want"
    [ $# -eq 0 ] || printf '%s\n' "$@" >"$WORK/want"
    diff -u "$WORK/want" "$WORK/said" >&2 || fail "the cache did not do what it should (above)"
}
entry() { ls "$CACHE"/*.tpc; }

# hostile IN CODE: $WORK/h.tpo, the compiled script IN with its section
# changed by the Python CODE (s: the section as tests/tpo_edit.py reads it).
hostile() {
    python3 "$(dirname "$0")/tpo_edit.py" "$1" "$WORK/h.tpo" "$2" || fail "cannot edit $1"
}
# refused LINE: tinyprobe --dry-run $WORK/h.tpo fails (in time, not by a
# signal), saying LINE.
refused() {
    timeout 60 "$TP" --dry-run "$WORK/h.tpo" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    [ $rc = 1 ] || fail "exit code $rc, not 1"
    grep -qxF -- "$1" "$WORK/err" || fail "did not say: $1"
}
DAMAGED="$WORK/h.tpo: error: cannot run the compiled script: it is damaged:"
entries() { find "$CACHE" -type f | wc -l; }

case "$1" in
emit_run)
    # a compiled script runs as its source does, and reads as a BPF object
    "$TP" --emit "$WORK/p.tpo" -e "$PROG" 2>"$WORK/err" || fail "--emit failed"
    [ "$("$TP" "$WORK/p.tpo")" = "hello 7" ] || fail "the .tpo did not print hello 7"
    if command -v llvm-objdump-19 >/dev/null; then
        llvm-objdump-19 -d "$WORK/p.tpo" | grep -q 'BEGIN' || fail "llvm-objdump cannot read it"
        llvm-objdump-19 -h "$WORK/p.tpo" | grep -q ' \.tinyprobe ' || fail "no .tinyprobe section"
    fi
    if command -v bpftool >/dev/null; then
        bpftool btf dump file "$WORK/p.tpo" >/dev/null || fail "bpftool cannot read its BTF"
    fi
    ;;
emit_errors)
    # what a compiled script cannot take, each said
    "$TP" --emit "$WORK/p.tpo" -e 'probe BEGIN { printf("%s\n", str($1)); exit(); }' one \
        2>"$WORK/err" || fail "--emit failed"
    [ "$("$TP" "$WORK/p.tpo" one)" = one ] || fail "the same parameter was refused"
    [ "$("$TP" "$WORK/p.tpo")" = one ] || fail "no parameter was refused"
    "$TP" "$WORK/p.tpo" two 2>"$WORK/err" && fail "another parameter was taken"
    grep -qx "$WORK/p.tpo: error: the compiled script was made with 1 parameters (\$1...), and this run gives others" "$WORK/err" ||
        fail "said: $(cat "$WORK/err")"
    "$TP" --map-size 10 "$WORK/p.tpo" 2>"$WORK/err" && fail "--map-size was taken"
    grep -qx "$WORK/p.tpo: error: --map-size shapes the programs, and this script is compiled" "$WORK/err" ||
        fail "said: $(cat "$WORK/err")"
    "$TP" -d ast "$WORK/p.tpo" 2>"$WORK/err" && fail "-d ast was taken"
    grep -q "error: -d ast shows a stage of compiling" "$WORK/err" || fail "said: $(cat "$WORK/err")"
    "$TP" --emit "$WORK/c.tpo" -e 'probe BEGIN { printf("%d\n", cpid > 0); exit(); }' ||
        fail "--emit of cpid failed"
    "$TP" "$WORK/c.tpo" 2>"$WORK/err" && fail "cpid without -c was taken"
    grep -q "reads cpid, the pid of the command -c runs, and there is no -c" "$WORK/err" ||
        fail "said: $(cat "$WORK/err")"
    [ "$("$TP" -c true "$WORK/c.tpo")" = 1 ] || fail "cpid with -c is not the command's"
    # damaged: a byte of the section changed, a file cut short, not ours
    head -c 3000 "$WORK/p.tpo" >"$WORK/cut.tpo"
    "$TP" "$WORK/cut.tpo" 2>"$WORK/err" && fail "a truncated file ran"
    grep -q "^$WORK/cut.tpo: error: cannot run the compiled script: " "$WORK/err" ||
        fail "said: $(cat "$WORK/err")"
    printf '\177ELF\002\001\001' >"$WORK/elf.tpo"
    "$TP" "$WORK/elf.tpo" 2>"$WORK/err" && fail "a bare ELF header ran"
    grep -q "cannot run the compiled script: it is not an ELF file that can be read" "$WORK/err" ||
        fail "said: $(cat "$WORK/err")"
    ;;
no_llvm)
    # a compiled script runs where the compiler cannot be loaded, and a run
    # of one never maps it
    [ -f "$(dirname "$TP")/tinyprobe-compiler.so" ] || skip "this build links the compiler in"
    "$TP" --emit "$WORK/p.tpo" -e "$PROG" || fail "--emit failed"
    mkdir "$WORK/bin" && cp "$TP" "$WORK/bin/"
    [ "$("$WORK/bin/tinyprobe" "$WORK/p.tpo")" = "hello 7" ] || fail "it did not run without the module"
    "$TP" --emit "$WORK/w.tpo" -e 'probe interval:s:30 { exit() }' || fail "--emit failed"
    start "$WORK/w.tpo"
    cp "/proc/$TP_PID/maps" "$WORK/maps"
    kill "$TP_PID"
    wait "$TP_PID"
    TP_PID=
    grep -q tinyprobe "$WORK/maps" || fail "no maps read"
    if grep -Ei 'compiler|llvm' "$WORK/maps"; then fail "a run of a compiled script mapped the compiler"; fi
    ;;
tracepoint_moved)
    # a tracepoint whose format differs from the one compiled for: refused,
    # the field and both offsets named
    ev=events/syscalls/sys_enter_openat
    root=/sys/kernel/tracing
    [ -r "$root/$ev/format" ] || root=/sys/kernel/debug/tracing
    mkdir -p "$WORK/tracefs/$ev"
    sed 's/field:const char \* filename;\toffset:24;/field:const char * filename;\toffset:32;/' \
        "$root/$ev/format" >"$WORK/tracefs/$ev/format"
    grep -q 'offset:32' "$WORK/tracefs/$ev/format" || skip "this kernel's openat has no filename at 24"
    TINYPROBE_TRACEFS="$WORK/tracefs" "$TP" --emit "$WORK/t.tpo" \
        -e 'probe tracepoint:syscalls:sys_enter_openat { print str(args.filename); exit() }' ||
        fail "--emit failed"
    "$TP" "$WORK/t.tpo" 2>"$WORK/err" && fail "the moved field was not noticed"
    # messages name the file run, and quote the script it was made from
    printf '%s' "$WORK/t.tpo" >"$WORK/want"
    cat >>"$WORK/want" <<'EOF'
:1:7: error: tracepoint:syscalls:sys_enter_openat's field filename is at offset 24 (8 bytes) on this kernel, and the compiled script reads it at offset 32 (8 bytes)
    1 | probe tracepoint:syscalls:sys_enter_openat { print str(args.filename); exit() }
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
note: compile the script for this kernel: tinyprobe --emit FILE SCRIPT
EOF
    cp "$WORK/err" "$WORK/got"
    expect "$WORK/want"
    ;;
record_moved)
    # a struct kept whole, laid out otherwise where it was compiled (a BTF
    # file clang makes, TINYPROBE_BTF): refused, the member and both
    # offsets named
    command -v clang >/dev/null || skip "no clang to make a BTF file"
    printf 'struct __kernel_timespec { long long tv_nsec; long long tv_sec; } t;\n' >"$WORK/ts.c"
    clang -g -target bpf -c "$WORK/ts.c" -o "$WORK/ts.o" || fail "clang cannot make a BTF file"
    TINYPROBE_BTF="$WORK/ts.o" "$TP" --emit "$WORK/r.tpo" \
        -e 'probe tracepoint:syscalls:sys_enter_nanosleep { print(*args.rqtp); exit() }' ||
        fail "--emit failed"
    "$TP" "$WORK/r.tpo" 2>"$WORK/got" && fail "the moved member was not noticed"
    printf '%s: error: %s\n%s\n' "$WORK/r.tpo" \
        "struct __kernel_timespec's member tv_nsec is at offset 8 on this kernel, and the compiled script prints it from offset 0" \
        "note: compile the script for this kernel: tinyprobe --emit FILE SCRIPT" >"$WORK/want"
    expect "$WORK/want"
    ;;
cross_emit | cross_run)
    # one compiled script, made on the first kernel (cross_emit, which runs
    # it there too), run on the second (cross_run, in the VM): tracepoint
    # fields, a user struct through a tracepoint's pointer, curtask's
    # members (CO-RE) and a map
    : "${TP_CROSS_DIR:?}"
    tpo=$TP_CROSS_DIR/cross.tpo
    if [ "$1" = cross_emit ]; then
        mkdir -p "$TP_CROSS_DIR"
        "$TP" --emit "$tpo" -e 'probe tracepoint:syscalls:sys_enter_nanosleep / comm == "tp_helper" / {
            @calls[str(curtask->comm)] = count();
            print args.rqtp->tv_nsec, curtask->real_parent->tgid == ppid, curtask->pid == tid;
            exit() }' || fail "--emit failed"
    fi
    [ -f "$tpo" ] || fail "no $tpo: compiled_cross_emit makes it on the first kernel"
    start -v "$tpo"
    "$HELPER" nanosleep 0 1000
    wait "$TP_PID" || fail "exit code $?"
    TP_PID=
    printf '1000 1 1\n\n@calls[tp_helper]: 1\n\n' >"$WORK/want"
    cp "$WORK/out" "$WORK/got"
    expect "$WORK/want"
    grep -q '^libbpf: CO-RE relocating \[[0-9]*\] struct task_struct: found target candidate' \
        "$WORK/err" || fail "libbpf did not relocate task_struct's members"
    ;;
cache_hit)
    run
    said "kept ENTRY"
    run
    said "loaded ENTRY"
    run --no-cache
    said
    [ "$(entries)" = 1 ] || fail "$(entries) files in the cache, not 1"
    [ "$(stat -c %a "$CACHE")" = 700 ] || fail "the cache is mode $(stat -c %a "$CACHE")"
    [ "$(stat -c %a "$(entry)")" = 600 ] || fail "an entry is mode $(stat -c %a "$(entry)")"
    # another text, another entry; built-in scripts are kept too
    PROG='probe BEGIN { printf("hello %d\n", 7); exit() }' run
    [ "$(entries)" = 2 ] || fail "$(entries) files in the cache, not 2"
    "$TP" -v --dry-run exec >/dev/null 2>"$WORK/err" || fail "exec --dry-run failed"
    "$TP" -v --dry-run exec >/dev/null 2>"$WORK/err" || fail "exec --dry-run failed"
    grep -q '^tinyprobe: cache: loaded ' "$WORK/err" || fail "exec did not start from the cache"
    ;;
cache_module)
    # the executable carries the hash of the module built beside it, and
    # the cache's key takes it: another module (the same executable, the
    # hash changed) makes its own entry rather than load the other's objects
    mod="$(dirname "$TP")/tinyprobe-compiler.so"
    [ -f "$mod" ] || skip "this build links the compiler in"
    id=$(sha256sum "$mod" | cut -c1-32)
    grep -qaF "$id" "$TP" || fail "the executable does not carry its module's hash $id"
    run
    said "kept ENTRY"
    mkdir "$WORK/bin" && cp "$mod" "$WORK/bin/" || fail "cannot copy the module"
    python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
old = sys.argv[2].encode()
new = ("%032x" % ((int(old, 16) + 1) % (1 << 128))).encode()
assert d.count(old) == 1
open(sys.argv[3], "wb").write(d.replace(old, new))' "$TP" "$id" "$WORK/bin/tinyprobe" &&
        chmod 755 "$WORK/bin/tinyprobe" || fail "cannot change the hash"
    TP="$WORK/bin/tinyprobe" run
    said "kept ENTRY"
    [ "$(entries)" = 2 ] || fail "$(entries) files in the cache, not 2"
    TP="$WORK/bin/tinyprobe" run
    said "loaded ENTRY"
    ;;
cache_owner)
    run
    chown 65534 "$(entry)"
    run
    said "ENTRY is owned by another user: compiling" "kept ENTRY"
    [ "$(stat -c %u "$(entry)")" = "$(id -u)" ] || fail "the entry was not replaced"
    ;;
cache_mode)
    run
    chmod 666 "$(entry)"
    run
    said "ENTRY is writable by others: compiling" "kept ENTRY"
    run
    said "loaded ENTRY"
    ;;
cache_truncated)
    run
    size=$(stat -c %s "$(entry)")
    truncate -s $((size / 2)) "$(entry)"
    run
    said "ENTRY is damaged (its checksum does not match): compiling" "kept ENTRY"
    truncate -s 10 "$(entry)"
    run
    said "ENTRY is truncated or too large: compiling" "kept ENTRY"
    ;;
cache_flipped)
    run
    size=$(stat -c %s "$(entry)")
    # a byte of the object, past the entry's head and key
    printf '\x5a' | dd of="$(entry)" bs=1 seek=$((size - 100)) conv=notrunc status=none
    run
    said "ENTRY is damaged (its checksum does not match): compiling" "kept ENTRY"
    ;;
cache_foreign)
    run
    head -c 4096 /dev/urandom >"$(entry)"
    run
    said "ENTRY is not a cache entry: compiling" "kept ENTRY"
    ;;
cache_dir)
    # a cache directory others may enter, or another's, is not used
    mkdir -p "$CACHE" && chmod 755 "$CACHE"
    run
    said "$CACHE is open to other users: not used"
    [ "$(entries)" = 0 ] || fail "an entry was kept in an open directory"
    chmod 700 "$CACHE" && chown 65534 "$CACHE"
    run
    said "$CACHE is another user's: not used"
    chown "$(id -u)" "$CACHE"
    ;;
cache_two_writers)
    # two runs filling one entry at once leave one good entry
    for i in 1 2 3 4; do
        "$TP" -v -e "$PROG" >"$WORK/out$i" 2>"$WORK/err$i" &
    done
    wait
    for i in 1 2 3 4; do
        [ "$(cat "$WORK/out$i")" = "hello 7" ] || fail "run $i printed $(cat "$WORK/out$i")"
    done
    [ "$(entries)" = 1 ] || fail "$(find "$CACHE" -type f) in the cache, not one entry"
    run
    said "loaded ENTRY"
    ;;
cache_prune)
    # past CACHE_BYTES_MAX (64 MiB) the least recently used entries go, and
    # only until the rest fit
    mkdir -p "$CACHE" && chmod 700 "$CACHE"
    for i in 1 2 3; do
        truncate -s 30M "$CACHE/000000000000000$i.tpc"
        touch -d "2020-01-0$i" "$CACHE/000000000000000$i.tpc"
    done
    run
    [ ! -e "$CACHE/0000000000000001.tpc" ] || fail "the least recently used entry is left"
    [ -e "$CACHE/0000000000000002.tpc" ] && [ -e "$CACHE/0000000000000003.tpc" ] ||
        fail "more than the least recently used entry went"
    [ "$(entries)" = 3 ] || fail "$(entries) files in the cache, not 3"
    grep -q "pruned $CACHE/0000000000000001.tpc" "$WORK/err" || fail "no prune said"
    ;;
tuple_stacks)
    # a tuple holds stacks: its record names a stack table, read after it
    "$TP" --emit "$WORK/p.tpo" -e 'probe interval:s:1 { print((kstack, 1)); }' || fail "--emit failed"
    "$TP" --dry-run "$WORK/p.tpo" 2>"$WORK/err" || fail "the compiled tuple of a stack was refused"
    ;;
hostile_records)
    # records that each name the next 4096 times: read in time (the walk of
    # their nesting is not exponential), and refused, as they would print
    # 4096^7 values (r5 already more than a million)
    "$TP" --emit "$WORK/p.tpo" -e "$PROG" || fail "--emit failed"
    hostile "$WORK/p.tpo" '
f = lambda i: dict(name=b"f", off=0, ty=dict(kind=7, signed=0, size=8, user=0, btf=0, rec=i,
                   mode=0), count=0, bit_off=0, bit_size=0)
s["records"] = [dict(name=b"r%d" % i, tuple=0, btf=0, size=8,
                     fields=[f(i + 1)] * (4096 if i < 7 else 0)) for i in range(8)]'
    refused "$DAMAGED the records: r5 prints more than 1048576 values"
    ;;
hostile_events)
    # what the printers would take on trust: a constant string without its
    # text, a cat() without its format, %p of a string (8 bytes of it read)
    "$TP" --emit "$WORK/p.tpo" -e 'probe BEGIN { printf("%s %s\n", probe, "lit"); exit(); }' ||
        fail "--emit failed"
    hostile "$WORK/p.tpo" 's["events"][0]["args"][1]["text"] = None'
    refused "$DAMAGED the events: a constant argument without its text"
    hostile "$WORK/p.tpo" 's["events"][0]["fmt"] = None; s["events"][0]["kind"] = 4'
    refused "$DAMAGED the events: a cat() or system() without its format"
    hostile "$WORK/p.tpo" 's["events"][0]["fmt"][0]["conv"] = ord("p")'
    refused "$DAMAGED the events: '%p' takes an integer, and its argument is not one"
    hostile "$WORK/p.tpo" 's["events"][0]["fmt"][1]["conv"] = ord("p")'
    refused "$DAMAGED the events: '%p' takes an integer, and its argument is not one"
    ;;
hostile_system)
    # a printf made a system() in a plan that says it calls none runs no
    # command without --unsafe
    "$TP" --emit "$WORK/p.tpo" -e "probe BEGIN { printf(\"touch $WORK/ran\"); exit(); }" ||
        fail "--emit failed"
    hostile "$WORK/p.tpo" 's["events"][0]["kind"] = 5'
    "$TP" "$WORK/h.tpo" >"$WORK/out" 2>"$WORK/err" && fail "it ran"
    [ ! -e "$WORK/ran" ] || fail "it ran the command without --unsafe"
    grep -qxF "$DAMAGED the plan: a system() in a plan that says it calls none" "$WORK/err" ||
        fail "said: $(cat "$WORK/err")"
    ;;
hostile_signal)
    # code that signals the traced task, in a plan that says it calls no
    # signal(): refused before anything loads, --unsafe or not
    "$TP" --unsafe --emit "$WORK/p.tpo" -e 'probe tracepoint:syscalls:sys_enter_getpid { signal(10); }' ||
        fail "--emit failed"
    hostile "$WORK/p.tpo" 's["unsafe"] = 0'
    refused "$WORK/h.tpo: error: cannot run the compiled script: its code calls bpf_send_signal, and its plan does not say it uses signal(): it is not what tinyprobe --emit made"
    ;;
hostile_maps)
    # a plan whose maps are not the object's: the kernel would write a
    # lookup's values past the buffers the plan sizes; and a map made in
    # user space of an aggregation it cannot make
    "$TP" --emit "$WORK/p.tpo" -e 'probe interval:s:1 { @[kstack] = count(); @v[1] = comm; @h[2] = hist(1); }' ||
        fail "--emit failed"
    hostile "$WORK/p.tpo" 's["stacks"][0]["depth"] = 1'
    refused "tinyprobe: error: the object does not match its plan: map stk0 is a hash of 8-byte keys and 1016-byte values, and the plan reads a hash of 8 and 8"
    hostile "$WORK/p.tpo" 's["maps"][1]["value"].update(kind=1, size=8)'
    refused "tinyprobe: error: the object does not match its plan: map m1 is a hash of 8-byte keys and 16-byte values, and the plan reads a hash of 8 and 8"
    hostile "$WORK/p.tpo" 's["maps"][2]["deferred"] = 1'
    refused "$DAMAGED the maps: map @h's updates are made in user space, and it is a hist"
    ;;
hostile_places)
    # a place far past its line: the caret is put at the line's end, not
    # after two billion spaces
    "$TP" --emit "$WORK/p.tpo" -e "$PROG" || fail "--emit failed"
    hostile "$WORK/p.tpo" 's["points"][0].update(kind=b"tracepoint", target=b"nosuch:event")
s["progs"][0]["loc"] = [1, 0x7fffffff, 1, 0x7fffffff]'
    timeout 10 "$TP" --dry-run "$WORK/h.tpo" 2>&1 | head -c 4096 >"$WORK/err"
    grep -qxF "$WORK/h.tpo:1:2147483647: error: tracepoint:nosuch:event: unknown tracepoint category 'nosuch'" \
        "$WORK/err" || fail "said: $(head -c 1000 "$WORK/err")"
    grep -qx "      | \{$((${#PROG} + 1))\}^" "$WORK/err" || fail "the caret is not at the line's end"
    [ "$(wc -l <"$WORK/err")" = 5 ] || fail "said: $(head -c 1000 "$WORK/err")"
    ;;
hostile_points)
    # 200000 points and programs: bound in linear time, not in 4e10 steps
    "$TP" --emit "$WORK/p.tpo" -e "$PROG" || fail "--emit failed"
    hostile "$WORK/p.tpo" 's["points"] = s["points"] * 200000
s["progs"] = [dict(s["progs"][0], point=i, shared=1) for i in range(200000)]'
    timeout 60 "$TP" --dry-run "$WORK/h.tpo" 2>"$WORK/err" || fail "exit code $?"
    ;;
cache_not_entries)
    # what else the cache's directory holds is left there: only entries and
    # tinyprobe's temporary files of them are pruned
    mkdir -p "$CACHE" && chmod 700 "$CACHE"
    for f in .notes.tmp .0123456789abcdef.tpc.tmpX zzzzzzzzzzzzzzzz.tpc 0123456789ABCDEF.tpc; do
        truncate -s 70M "$CACHE/$f"
        touch -d "2020-01-01" "$CACHE/$f"
    done
    touch -d "2020-01-01" "$CACHE/.0123456789abcdef.tpc.tmp12"
    run
    for f in .notes.tmp .0123456789abcdef.tpc.tmpX zzzzzzzzzzzzzzzz.tpc 0123456789ABCDEF.tpc; do
        [ -e "$CACHE/$f" ] || fail "$f was removed"
    done
    [ ! -e "$CACHE/.0123456789abcdef.tpc.tmp12" ] || fail "a dead writer's file was left"
    ;;
*) fail "no such case: $1" ;;
esac
exit 0
