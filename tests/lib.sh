# Shared by the test scripts: run tinyprobe against the real kernel and
# compare what it prints with what it must print.
# Needs TP (tinyprobe) and HELPER (tp_helper) in the environment.
set -u
: "${TP:?}" "${HELPER:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinyprobe-test.XXXXXX")
trap 'rm -rf "$WORK"; [ -n "${TP_PID:-}" ] && kill -9 "$TP_PID" 2>/dev/null' EXIT

# The case, as ctest names it: e2e_signals, probes_pid.
TP_CASE="$(basename "$0" .sh)_${1:-}"

# skip REASON: this case cannot run here. Said, and kept where ctest shows it
# after its summary (CTestCustom.cmake: the reasons in $TP_SKIPPED).
skip() {
    echo "$*"
    [ -n "${TP_SKIPPED:-}" ] && [ -d "$TP_SKIPPED" ] && echo "$TP_CASE: $*" >"$TP_SKIPPED/$TP_CASE"
    exit 77
}

fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/out "$WORK"/err; do
        [ -f "$f" ] && { echo "--- $f:" >&2; head -50 "$f" >&2; }
    done
    exit 1
}

# The kinds this machine's kernel may lack run on the second one
# (tests/qemu); here they skip.
need_kprobes() {
    [ -e /sys/bus/event_source/devices/kprobe ] || skip "this kernel has no kprobes"
}
need_fentry() {
    "$TP" --dry-run -e 'probe fentry:do_sys_openat2 < exit >' >/dev/null 2>&1 ||
        skip "this kernel does not run fentry programs"
}

# Starts tinyprobe in the background with events to $WORK/out, messages to
# $WORK/err, and waits until its probes are attached.
start() {
    : >"$WORK/out"
    : >"$WORK/err"
    "$TP" -o "$WORK/out" "$@" 2>"$WORK/err" &
    TP_PID=$!
    for _ in $(seq 1 3000); do
        # -f json says it in the output
        grep -q '^Attached' "$WORK/err" && return 0
        grep -q '^{"type": "attached_probes"' "$WORK/out" && return 0
        kill -0 "$TP_PID" 2>/dev/null || fail "tinyprobe exited before attaching: $*"
        sleep 0.01
    done
    fail "tinyprobe did not attach within 30 s: $*"
}

# Stops it with a signal (INT unless told) and checks that it exits 0.
stop() {
    sleep 0.1 # two drain periods: what the helper did is in the ring buffer
    kill -"${1:-INT}" "$TP_PID"
    wait "$TP_PID"
    local rc=$?
    TP_PID=
    [ "$rc" -eq 0 ] || fail "tinyprobe exited $rc after SIG${1:-INT}"
}

# expect FILE: the lines of FILE, exactly, are $WORK/got.
expect() {
    diff -u "$1" "$WORK/got" >&2 || fail "output differs from what was expected (above)"
}
