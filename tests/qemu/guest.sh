#!/usr/bin/env bash
# guest.sh: the end-to-end suite on the second kernel, run inside the VM by
# run.sh: every case of e2e.sh and probes.sh (those that need kprobes or
# fentry run here for real), btf.sh's, stacks.sh's, listing.sh's (another
# kernel's verifier log), the tutorial's kprobe lessons, and the long-jump
# case. Needs TP, HELPER, E2E_CASES, PROBES_CASES, BTF_CASES, STACK_CASES,
# LISTING_CASES, TUTORIAL_CASES and COMPILED_CASES (with TP_CROSS_DIR) in the
# environment. Prints a
# line per case and exits 1 if any failed.
set -u
dir=$(dirname "$0")/..
failed=()
run() {
    local out rc t0=$SECONDS
    # a case that hangs is a failure, named, not the whole VM's timeout
    out=$(timeout -k 5 300 bash "$dir/$1.sh" "$2" 2>&1)
    rc=$?
    case $rc in
    0) echo "pass $1 $2 ($((SECONDS - t0)) s)" ;;
    124 | 137) echo "FAIL $1 $2: still running after 300 s"; failed+=("$1 $2") ;;
    77) echo "skip $1 $2: ${out##*$'\n'}" ;;
    *)
        echo "FAIL $1 $2"
        echo "$out" | sed 's/^/    /'
        failed+=("$1 $2")
        ;;
    esac
}
for c in $E2E_CASES; do run e2e "$c"; done
for c in $PROBES_CASES; do run probes "$c"; done
for c in ${BTF_CASES:-}; do run btf "$c"; done
for c in ${STACK_CASES:-}; do run stacks "$c"; done
for c in ${LISTING_CASES:-}; do run listing "$c"; done
# compiled on the first kernel (compiled_cross_emit), run on this one
for c in ${COMPILED_CASES:-}; do run compiled "$c"; done
# attaching a kprobe under emulation can take longer than a lesson's 4 s
for c in ${TUTORIAL_CASES:-}; do TP_TUTORIAL_SECS=20 run tutorial "$c"; done
run hardening long_jumps
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed on $(uname -r): ${failed[*]}"
    exit 1
fi
echo "all passed on $(uname -r)"
