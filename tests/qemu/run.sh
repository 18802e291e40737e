#!/usr/bin/env bash
# run.sh DIR SCRIPT: boots the kernel that prepare.sh left in DIR under qemu,
# with this machine's root file system mounted read-only, and runs SCRIPT
# (a bash script, by its absolute path) there as root. Its output is shown;
# the exit code is SCRIPT's. Exits 77 (skip) when DIR is not prepared.
set -uo pipefail
dir=$1 script=$(realpath "$2")
if [ ! -f "$dir/vmlinuz" ] || ! command -v qemu-system-x86_64 >/dev/null; then
    echo "qemu_suite: no second kernel in $dir: run tests/qemu/prepare.sh $dir" |
        tee "${TP_SKIPPED:-/dev/null}/qemu_suite" 2>/dev/null
    exit 77
fi
# TCG, not KVM: nested KVM here refuses the guest's MSRs, and TCG behaves the
# same on every machine.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A guest whose kernel hangs (soft lockups and RCU stalls under TCG on a busy
# host, seen once in many runs) did not run the suite to a verdict: it boots
# once more. A guest that finishes gives its verdict, pass or fail, at once.
for attempt in 1 2; do
    timeout 1500 qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nographic -no-reboot \
        -kernel "$dir/vmlinuz" -initrd "$dir/initrd.cpio.gz" \
        -append "console=ttyS0 quiet panic=-1 tp.script=$script" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -serial mon:stdio </dev/null | sed -u 's/\r$//' | tee "$log" |
        sed -n '/TP-QEMU-START/,$p' | sed 's/.*TP-QEMU-START/TP-QEMU-START/'
    rc=$(sed -n 's/^TP-QEMU-EXIT \([0-9]*\).*/\1/p' "$log")
    [ -n "$rc" ] && exit "$rc"
    echo "run.sh: the guest did not finish (attempt $attempt); its kernel said:"
    grep -E 'soft lockup|rcu_preempt|BUG|panic' "$log" | head -5
done
exit 1
