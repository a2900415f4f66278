#!/usr/bin/env bash
# Runs fuzz targets with the fuzzing engine (go test -fuzz), one at a time:
# the engine takes one target per run.
#   hack/fuzz.sh TIME [PATTERN]   e.g. hack/fuzz.sh 2m   or   hack/fuzz.sh 10s FuzzParse$
# PATTERN (a grep -E on "package FuncName") picks targets; default: all.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:?usage: hack/fuzz.sh TIME [PATTERN]}
pattern=${2:-.}
mapfile -t targets < <(git grep -l '^func Fuzz' -- '*_test.go' | while read -r f; do
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |./$(dirname "$f") |"
	done | grep -E -- "$pattern" | sort -u)
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz: no target matches $pattern" >&2; exit 1; }
for t in "${targets[@]}"; do
	read -r pkg fn <<<"$t"
	echo "fuzz: $fn in $pkg for $time"
	go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$time" "$pkg"
done
