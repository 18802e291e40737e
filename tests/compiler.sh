#!/usr/bin/env bash
# The compiler module (codegen/compiler.h): the executable has no LLVM, only a
# run that compiles opens the module, and one that cannot find or use it
# says so. Each case copies tinyprobe into a directory of its own, with or
# without a module beside it. Usage: compiler.sh CASE
. "$(dirname "$0")/lib.sh"
: "${FOREIGN_ABI:?}" "${FOREIGN_INTERFACE:?}"
MODULE=$(dirname "$TP")/tinyprobe-compiler.so
[ -f "$MODULE" ] || fail "no $MODULE beside $TP"
BEGIN_EXIT='probe BEGIN { printf("hi\n"); exit(); }'

# runs: tinyprobe ARGS exits CODE, with the exact standard error of $WORK/want
# (none without one)
runs() {
    local code=$1
    shift
    "$@" >"$WORK/out" 2>"$WORK/got"
    local rc=$?
    [ $rc -eq "$code" ] || fail "exit code $rc, not $code: $*"
    [ -f "$WORK/want" ] || : >"$WORK/want"
    expect "$WORK/want"
    rm -f "$WORK/want"
}

# The executable links no LLVM and exports none of it: ldd and its dynamic
# symbols.
no_llvm() {
    ldd "$TP" >"$WORK/ldd" || fail "ldd $TP failed"
    grep -qi 'libc\.so' "$WORK/ldd" || fail "ldd lists no libc: $(cat "$WORK/ldd")"
    ! grep -i 'llvm' "$WORK/ldd" || fail "tinyprobe links the above"
    # nor C++, which only LLVM needs (ASan's runtime does, hence NEEDED only)
    readelf -dW "$TP" | grep NEEDED >"$WORK/needed" || fail "readelf -d $TP failed"
    ! grep -Ei 'llvm|libstdc\+\+' "$WORK/needed" || fail "tinyprobe needs the above"
    nm -D "$TP" >"$WORK/syms" || fail "nm -D $TP failed"
    grep -q ' T diag_error$' "$WORK/syms" || fail "nm -D shows none of tinyprobe's own symbols"
    # LLVM's C API and its C++ namespace (not the sanitizers' LLVMSymbolizer)
    ! awk '{ print $NF }' "$WORK/syms" | grep -E '^(LLVM[A-Z]|_ZN4llvm)' ||
        fail "tinyprobe's dynamic symbols name LLVM (above)"
    readelf -sW "$TP" | awk '{ print $8 }' | grep -E '^(LLVM[A-Z]|_ZN4llvm)' &&
        fail "tinyprobe holds LLVM's code (above)"
    # the module exports its entry point alone
    nm -D --defined-only "$MODULE" | awk '$2 != "w" { print $3 }' >"$WORK/got"
    echo tinyprobe_compiler >"$WORK/want"
    expect "$WORK/want"
}

# What compiles nothing runs without the module.
not_compiling() {
    mkdir "$WORK/bin" && cp "$TP" "$WORK/bin/" || fail "cannot copy tinyprobe"
    local tp=$WORK/bin/tinyprobe
    runs 0 "$tp" --version
    runs 0 "$tp" -h
    runs 0 "$tp" -L
    grep -q '^exec' "$WORK/out" || fail "-L lists no exec"
    runs 0 "$tp" -l 'tracepoint:syscalls:sys_enter_openat'
    grep -qx 'tracepoint:syscalls:sys_enter_openat' "$WORK/out" || fail "-l lists no openat"
    for d in tokens ast plan; do
        runs 0 "$tp" -d $d -e "$BEGIN_EXIT"
        [ -s "$WORK/out" ] || fail "-d $d printed nothing"
    done
    # nor opens it where it is: a module there that is not one would say so
    : >"$WORK/bin/tinyprobe-compiler.so"
    runs 0 "$tp" --version
    runs 0 "$tp" -d plan -e "$BEGIN_EXIT"
}

# maps PID: waits (10 s at most) until PID writes and is blocked in it, and
# copies its /proc/PID/maps to $WORK/maps.
maps_in_write() {
    local nr
    for _ in $(seq 1 1000); do
        read -r nr _ <"/proc/$1/syscall" 2>/dev/null
        [ "${nr:-}" = 1 ] && break
        sleep 0.01
    done
    [ "${nr:-}" = 1 ] || fail "tinyprobe never blocked writing its listing"
    cp "/proc/$1/maps" "$WORK/maps"
}

# A run that compiles nothing never maps the module, nor LLVM (nor capstone,
# which only a uprobe at an offset needs: bpf/insn.c); one that
# compiles does (which shows that the check sees it). Each run writes a
# listing of a large script into a pipe no one reads, and its maps are read
# while it is blocked in that write, the front end done.
maps() {
    for i in $(seq 1 400); do echo "probe BEGIN { @m$i = count(); printf(\"%d\\n\", $i); }"; done >"$WORK/big.tp"
    mkfifo "$WORK/fifo"
    local pid
    for d in ast asm; do
        "$TP" -d $d "$WORK/big.tp" >"$WORK/fifo" 2>"$WORK/err" &
        pid=$!
        TP_PID=$pid
        exec 3<"$WORK/fifo"
        maps_in_write $pid
        kill -9 $pid
        wait $pid 2>/dev/null
        TP_PID=
        exec 3<&-
        if [ $d = ast ]; then
            ! grep -E 'tinyprobe-compiler|LLVM|libcapstone' "$WORK/maps" ||
                fail "-d ast mapped the above"
        else
            grep -q 'tinyprobe-compiler\.so' "$WORK/maps" ||
                fail "-d asm did not map the module: maps_in_write sees nothing"
        fi
    done
}

# A run that must compile, with no module: the error, status 1. Where the
# module would be installed for an executable in a bin/ directory, beside it
# otherwise.
missing() {
    mkdir -p "$WORK/bin" "$WORK/build" && cp "$TP" "$WORK/bin/" && cp "$TP" "$WORK/build/" ||
        fail "cannot copy tinyprobe"
    cat >"$WORK/want" <<END
tinyprobe: error: cannot compile the script: the compiler module $WORK/lib/tinyprobe/tinyprobe-compiler.so is missing (No such file or directory)
note: only compiling needs it: -d tokens, ast and plan, and compiled scripts (.tpo), run without it
END
    cp "$WORK/want" "$WORK/want.bin"
    runs 1 "$WORK/bin/tinyprobe" -e "$BEGIN_EXIT"
    cp "$WORK/want.bin" "$WORK/want"
    runs 1 "$WORK/bin/tinyprobe" -d ir -e "$BEGIN_EXIT"
    sed "s|$WORK/lib/tinyprobe/|$WORK/build/|" "$WORK/want.bin" >"$WORK/want"
    runs 1 "$WORK/build/tinyprobe" -d asm -e "$BEGIN_EXIT"
    [ ! -s "$WORK/out" ] || fail "-d asm printed something without a compiler"
    # where cmake --install puts it, it is found
    mkdir -p "$WORK/lib/tinyprobe" && cp "$MODULE" "$WORK/lib/tinyprobe/" || fail "cannot copy the module"
    runs 0 "$WORK/bin/tinyprobe" -d asm -e "$BEGIN_EXIT"
    grep -q 'exit' "$WORK/out" || fail "-d asm listed no program"
}

# A module from another build, or a file that is not one: refused, said.
foreign() {
    mkdir "$WORK/bin" && cp "$TP" "$WORK/bin/" || fail "cannot copy tinyprobe"
    local tp=$WORK/bin/tinyprobe m=$WORK/bin/tinyprobe-compiler.so
    cp "$FOREIGN_ABI" "$m"
    cat >"$WORK/want" <<END
tinyprobe: error: cannot compile the script: the compiler module $m is from another build of tinyprobe (its ABI 2, this tinyprobe's 1)
note: install tinyprobe and its compiler module from the same build
END
    runs 1 "$tp" -e "$BEGIN_EXIT"
    cp "$FOREIGN_INTERFACE" "$m"
    "$tp" -e "$BEGIN_EXIT" 2>&1 | head -1 >"$WORK/got"
    grep -qx "tinyprobe: error: cannot compile the script: the compiler module $m is from another build of tinyprobe (its interface 0123456789abcdef, this tinyprobe's [0-9a-f]\{16\})" "$WORK/got" ||
        fail "another interface: $(cat "$WORK/got")"
    : >"$m"
    cat >"$WORK/want" <<END
tinyprobe: error: cannot compile the script: the compiler module $m cannot be loaded: $m: file too short
note: only compiling needs it: -d tokens, ast and plan, and compiled scripts (.tpo), run without it
END
    runs 1 "$tp" -e "$BEGIN_EXIT"
    cp "$HELPER" "$m"
    "$tp" -e "$BEGIN_EXIT" 2>"$WORK/got"
    [ $? -eq 1 ] || fail "an executable as the module: not exit code 1"
    grep -q "^tinyprobe: error: cannot compile the script: the compiler module $m cannot be loaded: " "$WORK/got" ||
        fail "an executable as the module: $(cat "$WORK/got")"
}

"$1"
