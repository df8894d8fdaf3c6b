#!/usr/bin/env bash
# How much `gomemlab watch` slows a program's output: SIZE of 80-byte lines
# (`yes LINE | head -c SIZE`) to /dev/null, alone, under watch, and under
# watch --phase (a regex that matches nothing). Prints wall time and the CPU
# time of the whole tree (GNU time: user + sys of every process waited for).
#
#   scripts/passthrough.sh [SIZE] [GOMEMLAB]     e.g. scripts/passthrough.sh 2G
set -euo pipefail
size=${1:-2G}
bin=$(realpath "${2:-$(dirname "$0")/../target/release/gomemlab}")
line=$(printf '%079d' 0)
gen="yes $line | head -c $size"
run() {
  local label=$1; shift
  /usr/bin/time -f "$(printf '%-14s' "$label") %e s wall, %U s user + %S s sys (whole tree)" "$@" >/dev/null 2>"$tmp"
  tail -1 "$tmp"
}
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
for _ in $(seq "${REPEATS:-1}"); do
  run "alone" sh -c "$gen"
  run "alone | cat" sh -c "$gen | cat"
  run "watch" "$bin" watch -- sh -c "$gen"
  run "watch --phase" "$bin" watch --phase '^never-matches ' -- sh -c "$gen"
done
