#!/usr/bin/env bash
# run.sh NAME: tinyprobe NAME.tp must print exactly NAME.out on stdout and
# exit 0. Optional lines in NAME.tp: "// args: ARGS" adds options before the
# script, "// exit: N" expects exit code N, "// gen: COMMAND" makes the
# script from the output of the bash COMMAND (as in errors.sh). When
# NAME.stderr exists, what tinyprobe says on stderr must be exactly that.
. "$(dirname "$0")/lib.sh"
args=$(sed -n 's|^// args: ||p' "$1.tp")
want_rc=$(sed -n 's|^// exit: ||p' "$1.tp")
gen=$(sed -n '1s|^// gen: ||p' "$1.tp")
script="$PWD/$1.tp"
if [ -n "$gen" ]; then
    bash -c "$gen" >"$WORK/$1.tp" || fail "the generator failed: $gen"
    script="$WORK/$1.tp"
fi
# shellcheck disable=SC2086
"$TP" -q $args "$script" >"$WORK/got" 2>"$WORK/err"
rc=$?
[ "$rc" -eq "${want_rc:-0}" ] || fail "exit code $rc, not ${want_rc:-0}"
expect "$1.out"
if [ -f "$1.stderr" ]; then
    cp "$WORK/err" "$WORK/got"
    expect "$1.stderr"
fi
