#!/bin/sh
# skipped.sh DIR: after ctest's summary (CTestCustom.cmake), why each case
# that did not run was skipped, as it said in DIR (tests/lib.sh, skip).
[ -d "$1" ] && [ -n "$(ls "$1")" ] || exit 0
echo "Why they did not run:"
for f in "$1"/*; do
    printf '\t%s\n' "$(cat "$f")"
done
