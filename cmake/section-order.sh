#!/usr/bin/env bash
# Regenerates cmake/section-order.txt: the code sections a typical run of
# tinyprobe executes, so that the linker can put them together in the
# compiler module (callgrind follows tinyprobe into it through dlopen). LLVM
# linked statically is 27 MB of code; its static constructors and the BPF backend
# touch a little of it everywhere, and each touch faults in 64 KiB. Grouped,
# they fault in a few MB. Run after changing LLVM versions:
#   cmake/section-order.sh build/tinyprobe > cmake/section-order.txt
set -euo pipefail
tp=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
here=$(cd "$(dirname "$0")/.." && pwd)
run() {
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out/cg.$#.$RANDOM" "$tp" "$@" \
        >/dev/null 2>&1 || true
}
run -d asm -e 'probe BEGIN < exit >'
run --dry-run -e 'probe tracepoint:syscalls:sys_enter_openat < printf("%d %s\n", pid, str(args.filename)) >'
run --dry-run "$here/scripts/exec.tp"
run --dry-run "$here/tests/codegen/expressions.tp"
echo ".text.startup"
echo ".text.startup.*"
cat "$out"/cg.* | grep -oE '^c?fn=\([0-9]+\) .+' | sed -E 's/^c?fn=\([0-9]+\) //' |
    grep -v '^0x\|^(' | sort -u | sed 's/^/.text./'
