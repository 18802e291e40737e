#!/usr/bin/env bash
# seeds.sh DIR: fills DIR with the fuzz targets' seed corpus: every script
# the tests and the canned scripts have (those made by a "// gen:" line are
# made), small ELF files (a program, a shared library: fuzz_elf's), tp_helper
# when $HELPER names it, compiled scripts when $TP names a tinyprobe, and the
# inputs that once crashed a target.
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
# the kernel's symbols, as kstack and kaddr() read them: fuzz_elf reads its
# bytes as /proc/kallsyms too
head -300 /proc/kallsyms >"$out/kallsyms" 2>/dev/null || true
# a probe too large for 16-bit jumps
{
    echo 'probe BEGIN / pid > 0 / <'
    for _ in $(seq 1 1500); do echo '    print comm;'; done
    echo '    exit >'
} >"$out/long_jumps.tp"
# ELF files a few KiB long, so that the fuzzer's mutations reach every
# header: functions in .symtab and .dynsym, and a USDT note where
# <sys/sdt.h> is installed
if command -v cc >/dev/null; then
    src=$(mktemp -d)
    cat >"$src/small.c" <<'END'
#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#else
#define DTRACE_PROBE2(p, n, a, b)
#endif
__attribute__((noinline)) long tp_small(long a, long b)
{
    DTRACE_PROBE2(tinyprobe, small, a, b);
    return a * 3 + b;
}
void _start(void)
{
    for (long i = 0;; i++)
        tp_small(i, i + 1);
}
END
    cc -Os -nostdlib -static -Wl,-n -Wl,--build-id=none -o "$out/small_program.elf" "$src/small.c"
    cc -Os -nostdlib -shared -fPIC -Wl,--build-id=none -Wl,-z,noseparate-code \
        -Wl,-z,max-page-size=16 -o "$out/small_library.elf" "$src/small.c"
    rm -rf "$src"
fi
# a BPF object as codegen makes them (maps in .maps, a global, a function
# in .text called from a program, line info in .BTF.ext): fuzz_elf lists it
if command -v clang >/dev/null; then
    src=$(mktemp -d)
    cat >"$src/bpf.c" <<'END'
struct { int (*type)[2]; int (*max_entries)[16]; int *key; long *value; } m0 __attribute__((section(".maps")));
unsigned long run[4] __attribute__((section(".rodata")));
long helper(long (*f)(void *, ...), int k) { return f(&m0, &k) ? (long)run[1] : 0; }
__attribute__((noinline)) static long twice(long v) { return v * 2 + run[2]; }
__attribute__((section("tracepoint/syscalls/sys_enter_openat"))) int prog(unsigned long *ctx)
{
    long v = ctx[3];
    for (int i = 0; i < 4; i++)
        v = twice(v) ^ i;
    return helper((long (*)(void *, ...))1, (int)v) > 0;
}
char _license[] __attribute__((section("license"))) = "GPL";
END
    clang -target bpf -O2 -g -c -o "$out/bpf_object.o" "$src/bpf.c" 2>/dev/null || true
    rm -rf "$src"
fi
# compiled scripts, fuzz_elf's too, where a tinyprobe that compiles is given
if [ -n "${TP:-}" ] && [ -x "$TP" ]; then
    for f in aggregations hist lhist tuples btf_structs printf_widths map_requests for_map; do
        [ -f "$top/tests/run/$f.tp" ] &&
            "$TP" --emit "$out/$f.tpo" "$top/tests/run/$f.tp" 2>/dev/null || true
    done
fi
if [ -n "${HELPER:-}" ]; then
    cp "$HELPER" "$out/tp_helper.elf"
fi
for f in "$top"/tests/fuzz/regressions/*.elf; do
    if [ -e "$f" ]; then
        cp "$f" "$out/regressions_$(basename "$f")"
    fi
done
