#!/usr/bin/env bash
# plan.sh NAME: tinyprobe -d plan NAME.tp must print exactly NAME.plan: the
# layouts of maps and events, checked without loading anything.
. "$(dirname "$0")/lib.sh"
"$TP" -d plan "$1.tp" >"$WORK/got" 2>"$WORK/err" || fail "exit code $?"
expect "$1.plan"
