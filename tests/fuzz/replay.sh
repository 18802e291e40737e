#!/usr/bin/env bash
# replay.sh FUZZER: runs FUZZER once over every seed and regression input
# (tests/fuzz/seeds.sh): what crashed once must not crash again.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$(dirname "$0")/seeds.sh" "$dir"
"$1" -rss_limit_mb=4096 -timeout=60 "$dir"/*
