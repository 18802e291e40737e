#!/usr/bin/env bash
# errors.sh NAME: tinyprobe NAME.tp must exit 1 and print exactly NAME.err.
# A first line "// run: ARGS" runs tinyprobe ARGS instead of the file.
. "$(dirname "$0")/lib.sh"
run=$(sed -n '1s|^// run: ||p' "$1.tp")
if [ -n "$run" ]; then
    # shellcheck disable=SC2086
    "$TP" $run >"$WORK/out" 2>"$WORK/got"
else
    "$TP" "$1.tp" >"$WORK/out" 2>"$WORK/got"
fi
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc, not 1"
expect "$1.err"
