#!/usr/bin/env bash
# errors.sh NAME: tinyprobe NAME.tp must exit 1 and print exactly NAME.err.
# A first line "// run: ARGS" runs tinyprobe ARGS instead of the file; a
# first line "// gen: COMMAND" runs the bash COMMAND, whose output is the
# script (for scripts too large to keep), saved as NAME.tp in a scratch
# directory and run from there.
. "$(dirname "$0")/lib.sh"
run=$(sed -n '1s|^// run: ||p' "$1.tp")
gen=$(sed -n '1s|^// gen: ||p' "$1.tp")
if [ -n "$run" ]; then
    # shellcheck disable=SC2086
    "$TP" $run >"$WORK/out" 2>"$WORK/got"
elif [ -n "$gen" ]; then
    bash -c "$gen" >"$WORK/$1.tp" || fail "the generator failed: $gen"
    (cd "$WORK" && "$TP" "$1.tp" >"$WORK/out" 2>"$WORK/got")
else
    "$TP" "$1.tp" >"$WORK/out" 2>"$WORK/got"
fi
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc, not 1"
expect "$1.err"
