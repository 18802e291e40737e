#!/usr/bin/env bash
# run.sh NAME: tinyprobe NAME.tp must print exactly NAME.out on stdout and
# exit 0. Optional lines in NAME.tp: "// args: ARGS" adds options before the
# script, "// params: ARGS" positional parameters after it, "// exit: N"
# expects exit code N, "// gen: COMMAND" makes the
# script from the output of the bash COMMAND (as in errors.sh). When
# NAME.stderr exists, what tinyprobe says on stderr must be exactly that.
# run.sh NAME json: the same with -f json, against NAME.json; every line
# must parse as JSON (python3's json, and jq where it is installed).
# run.sh NAME tpo: the same as text, from a compiled script: tinyprobe
# --emit with the options and parameters, then the .tpo run with the options
# that do not shape the programs, and with the parameters again ("//
# tpo-skip: REASON" in NAME.tp skips it).
. "$(dirname "$0")/lib.sh"
format=${2:-text}
args=$(sed -n 's|^// args: ||p' "$1.tp")
params=$(sed -n 's|^// params: ||p' "$1.tp")
want_rc=$(sed -n 's|^// exit: ||p' "$1.tp")
gen=$(sed -n '1s|^// gen: ||p' "$1.tp")
script="$PWD/$1.tp"
if [ -n "$gen" ]; then
    bash -c "$gen" >"$WORK/$1.tp" || fail "the generator failed: $gen"
    script="$WORK/$1.tp"
fi
if [ "$format" = tpo ]; then
    why=$(sed -n 's|^// tpo-skip: ||p' "$1.tp")
    TP_CASE=run_tpo_$1
    [ -z "$why" ] || skip "$why"
    # shellcheck disable=SC2086
    "$TP" --emit "$WORK/s.tpo" $args "$script" $params 2>"$WORK/err" ||
        fail "--emit failed: $(cat "$WORK/err")"
    script="$WORK/s.tpo"
    args=$(echo "$args" | sed -E 's/--(map-size|str-size|buffer-size|stack-max|unwind) [^ ]+//g')
    format=text
fi
# shellcheck disable=SC2086
"$TP" -q -f "$format" $args "$script" $params >"$WORK/got" 2>"$WORK/err"
rc=$?
[ "$rc" -eq "${want_rc:-0}" ] || fail "exit code $rc, not ${want_rc:-0}"
if [ "$format" = json ]; then
    python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        if not line.endswith(b"\n"):
            raise ValueError("no newline at the end")
        json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON: %s: %r" % (n, e, line[:200]))
' "$WORK/got" || fail "-f json wrote a line that does not parse"
    if command -v jq >/dev/null; then
        jq -c . "$WORK/got" >/dev/null 2>"$WORK/jq" || fail "jq cannot parse it: $(cat "$WORK/jq")"
    fi
    expect "$1.json"
    exit 0
fi
expect "$1.out"
if [ -f "$1.stderr" ]; then
    cp "$WORK/err" "$WORK/got"
    expect "$1.stderr"
fi
