#!/usr/bin/env bash
# Counts wrong phase rows of `gomemlab watch --phase` on a program of the
# user's own (no probe, not a bundled fixture) that exits right after its last
# line: 100 buffers of 16 MiB into a sync.Pool, `filled`, runtime.GC(), `gc1`,
# runtime.GC() + debug.FreeOSMemory(), `gc2`, exit. A row is wrong when it is
# missing or its RSS differs from the VmRSS the program printed by more than
# 1 MiB; a run is wrong too if its timeline does not end with `exit`.
#
#   scripts/exact-phases.sh [RUNS] [GO...]     e.g. scripts/exact-phases.sh 20 go1.21.13 go1.26.8
# Run it under `stress-ng --cpu 2` for the loaded figures.
set -euo pipefail
runs=${1:-20}; shift || true
gos=("${@:-go1.26.8}")
bin=$(realpath "${GOMEMLAB:-$(dirname "$0")/../target/release/gomemlab}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/main.go" <<'GO'
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

func rss() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.Fields(l)[1]
		}
	}
	return "?"
}

var pool sync.Pool

func main() {
	for i := 0; i < 100; i++ {
		b := make([]byte, 16<<20)
		for j := range b {
			b[j] = 1
		}
		pool.Put(b)
	}
	fmt.Println("filled", rss())
	runtime.GC()
	fmt.Println("gc1", rss())
	runtime.GC()
	debug.FreeOSMemory()
	fmt.Println("gc2", rss())
	os.Exit(0)
}
GO
printf 'module pooltest\n\ngo 1.21\n' >"$dir/go.mod"
for go in "${gos[@]}"; do
  wrong=0; rows=0; noexit=0; hung=0
  for i in $(seq "$runs"); do
    out="$dir/run-$go-$i"
    # A watch that hangs (a held write never answered) is a wrong run too.
    status=0
    (cd "$dir" && timeout 300 "$bin" watch --go "$go" --phase '^(filled|gc1|gc2) ' --out "$out" -- go run . >"$out.stdout" 2>"$out.stderr") || status=$?
    if [ "$status" = 124 ]; then
      echo "  hung: run $i on $go (killed after 300 s)" >&2
      hung=$((hung + 1)); rows=$((rows + 3)); wrong=$((wrong + 3)); continue
    fi
    result=$(python3 - "$out/timeline.json" "$out.stdout" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
printed = {}
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 2 and f[0] in ("filled", "gc1", "gc2"):
        printed[f[0]] = int(f[1]) * 1024
rows = {p["name"]: p for p in t["phases"]}
wrong = 0
for name in ("filled", "gc1", "gc2"):
    p = rows.get(name)
    if p is None or name not in printed or abs(p["os"]["rss_bytes"] - printed[name]) > 1 << 20:
        wrong += 1
        print("  wrong:", name, p and p["os"]["rss_bytes"], printed.get(name), p and p.get("taken"), file=sys.stderr)
ends = bool(t["phases"]) and t["phases"][-1]["name"] == "exit"
print(wrong, 0 if ends else 1)
PY
)
    read -r bad ended <<<"$result"
    wrong=$((wrong + bad)); noexit=$((noexit + ended)); rows=$((rows + 3))
  done
  echo "$go: $wrong wrong of $rows phase rows in $runs runs; $noexit runs without an exit phase; $hung hung"
done
