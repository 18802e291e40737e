#!/usr/bin/env bash
# tutorial.sh N: runs every command of docs/tutorial.md's lesson N, so that
# the tutorial stays true. Each ```sh block runs as a shell script in a
# scratch folder, with `tinyprobe` this build's, stopped with SIGINT (as
# Ctrl-C) after TP_TUTORIAL_SECS seconds (4; more under qemu's emulation,
# where attaching takes longer) if it runs on; the block must exit 0 and print
# no error; a ```output block after it is what its standard output must be,
# exactly (```text blocks are samples, not checked). Where the kernel has no
# kprobes, a kprobe lesson's commands get --dry-run: they still pass the
# verifier here, and run for real on the second kernel (tests/qemu).
. "$(dirname "$0")/lib.sh"
doc=$(dirname "$0")/../docs/tutorial.md
n=${1:?}
# the lesson's blocks, numbered: WORK/b1.sh, WORK/b1.out (when there is one)
awk -v n="$n" -v dir="$WORK" '
    /^## / { on = ($0 ~ "^## Lesson " n "\\.") }
    !on { next }
    /^```sh$/ { k++; f = dir "/b" k ".sh"; inblock = 1; last = k; next }
    /^```output$/ { f = dir "/b" last ".out"; printf "" > f; inblock = 1; next }
    /^```/ { inblock = inblock ? 0 : 2; f = ""; next }
    inblock == 1 && f != "" { print > f }
' "$doc"
ls "$WORK"/b*.sh >/dev/null 2>&1 || fail "lesson $n has no commands"
dry=
[ -e /sys/bus/event_source/devices/kprobe ] || dry=1
cat >"$WORK/prelude.sh" <<END
tinyprobe() {
    local extra=()
    if [ -n "$dry" ] && [[ "\$*" == *kprobe:* || "\$*" == *kretprobe:* ]] && [[ "\$*" != *--dry-run* ]]; then
        extra=(--dry-run)
    fi
    timeout --preserve-status -s INT -k 5 ${TP_TUTORIAL_SECS:-4} "$TP" "\${extra[@]}" "\$@"
}
END
for b in $(ls "$WORK"/b*.sh | sort -V); do
    k=$(basename "$b" .sh)
    (cd "$WORK" && bash -c ". ./prelude.sh; . '$b'") >"$WORK/$k.got" 2>"$WORK/$k.err"
    rc=$?
    cp "$WORK/$k.got" "$WORK/out"
    cp "$WORK/$k.err" "$WORK/err"
    [ $rc -eq 0 ] || fail "lesson $n, block $k: exit code $rc: $(head -3 "$b")"
    if grep -q 'error:' "$WORK/$k.err"; then fail "lesson $n, block $k: an error"; fi
    if [ -f "$WORK/$k.out" ]; then
        diff -u "$WORK/$k.out" "$WORK/$k.got" >&2 || fail "lesson $n, block $k: output differs (above)"
    fi
done
