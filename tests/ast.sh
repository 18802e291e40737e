#!/usr/bin/env bash
# ast.sh NAME: tinyprobe -d ast NAME.tp must print exactly NAME.ast.
. "$(dirname "$0")/lib.sh"
"$TP" -d ast "$1.tp" >"$WORK/got" 2>"$WORK/err" || fail "exit code $?"
expect "$1.ast"
