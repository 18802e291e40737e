#!/usr/bin/env bash
# man.sh: the man page (docs/tinyprobe.1.scd) names every option --help
# lists and every built-in script -L lists, and scdoc makes a page of it
# that man can format. The builtins, functions and probe kinds are
# man_test's (tests/unit/man_test.c).
. "$(dirname "$0")/lib.sh"
page=$(dirname "$0")/../docs/tinyprobe.1.scd
"$TP" --help >"$WORK/help" 2>&1
for opt in $(grep -oE '^ +-[A-Za-z](,|\b)|--[a-z][a-z-]+' "$WORK/help" | tr -d ' ,' | sort -u); do
    grep -qF -- "*$opt*" "$page" || fail "the man page does not name the option $opt"
done
"$TP" -L >"$WORK/scripts"
while read -r name _; do
    grep -qF -- "*$name*" "$page" || fail "the man page does not name the script $name"
done <"$WORK/scripts"
command -v scdoc >/dev/null || skip "no scdoc to make the page with"
scdoc <"$page" >"$WORK/tinyprobe.1" || fail "scdoc refused the page"
if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$WORK/tinyprobe.1" >"$WORK/man.txt" 2>"$WORK/err" ||
        fail "man cannot format the page: $(cat "$WORK/err")"
    grep -q 'tinyprobe - a small eBPF tracer' "$WORK/man.txt" || fail "the formatted page has no NAME"
fi
