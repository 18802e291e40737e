#!/usr/bin/env bash
# asm.sh NAME: tinyprobe -d asm NAME.tp must print exactly NAME.asm: each
# program's instructions under their script lines, numbered as the kernel
# numbers them, helpers, maps and context fields by name. Nothing is loaded;
# LLVM is linked in, so its output is the same on every machine.
. "$(dirname "$0")/lib.sh"
"$TP" -d asm --color=never "$1.tp" >"$WORK/got" 2>"$WORK/err" || fail "exit code $?"
expect "$1.asm"
