#!/usr/bin/env bash
# seeds.sh DIR: fills DIR with the fuzz targets' seed corpus: every script
# the tests and the canned scripts have (those made by a "// gen:" line are
# made), and the inputs that once crashed a target.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
mkdir -p "$out"
for f in "$top"/tests/errors/*.tp "$top"/tests/codegen/*.tp "$top"/tests/run/*.tp \
         "$top"/tests/ast/*.tp "$top"/scripts/*.tp "$top"/tests/fuzz/regressions/*.tp; do
    name=$(basename "$(dirname "$f")")_$(basename "$f")
    gen=$(sed -n '1s|^// gen: ||p' "$f")
    if [ -n "$gen" ]; then
        # the largest (the 17 MB script) would only slow the fuzzers down
        bash -c "$gen" | head -c 200000 >"$out/$name"
    else
        cp "$f" "$out/$name"
    fi
done
# a probe too large for 16-bit jumps
{
    echo 'probe BEGIN / pid > 0 / <'
    for _ in $(seq 1 1500); do echo '    print comm;'; done
    echo '    exit >'
} >"$out/long_jumps.tp"
