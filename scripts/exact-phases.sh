#!/usr/bin/env bash
# Counts wrong phase rows of `gomemlab watch --phase` on a program of the
# user's own (no probe, not a bundled fixture) that exits right after its last
# line: 100 buffers of 16 MiB into a sync.Pool, `filled`, runtime.GC(), `gc1`,
# runtime.GC() + debug.FreeOSMemory(), `gc2`, exit. A row is wrong when it is
# missing or its RSS differs from the VmRSS the program printed by more than
# 1 MiB and lies outside what the program read just before and just after
# the write (counted apart as "moved"); a run is wrong too if its timeline
# does not end with `exit`.
#
# The program reads its VmRSS with one pread just before the line's write(2)
# (and again just after, kept in after.txt and shown for a wrong row): its
# background scavenger runs on other threads and returns memory in 64 KiB and
# 2 MiB madvise calls, so a VmRSS read even a millisecond before the write
# (fmt and os.ReadFile allocate and can lose the P) is no longer the state at
# the line, which is what the row is.
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
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
)

var (
	status *os.File
	buf    [4096]byte
	line   [64]byte
	after  []byte
)

// vmRSS is VmRSS in kB, read with one pread of a kept /proc/self/status
// descriptor into a fixed buffer: nothing allocated, no goroutine switch.
func vmRSS() int64 {
	n, _ := syscall.Pread(int(status.Fd()), buf[:], 0)
	b := buf[:max(n, 0)]
	for i := 0; i+6 <= len(b); i++ {
		if string(b[i:i+6]) != "VmRSS:" {
			continue
		}
		var kb int64
		for _, c := range b[i+6:] {
			switch {
			case c >= '0' && c <= '9':
				kb = kb*10 + int64(c-'0')
			case c == ' ' || c == '\t':
			default:
				return kb
			}
		}
	}
	return -1
}

// say writes "name VmRSS" as one write(2), VmRSS read just before it, and
// notes the VmRSS read just after it returns.
func say(name string) {
	l := append(line[:0], name...)
	l = append(l, ' ')
	l = strconv.AppendInt(l, vmRSS(), 10)
	l = append(l, '\n')
	syscall.Write(1, l)
	after = strconv.AppendInt(append(after, name+" "...), vmRSS(), 10)
	after = append(after, '\n')
}

var pool sync.Pool

func main() {
	var err error
	if status, err = os.Open("/proc/self/status"); err != nil {
		panic(err)
	}
	for i := 0; i < 100; i++ {
		b := make([]byte, 16<<20)
		for j := range b {
			b[j] = 1
		}
		pool.Put(b)
	}
	say("filled")
	runtime.GC()
	say("gc1")
	runtime.GC()
	debug.FreeOSMemory()
	say("gc2")
	os.WriteFile("after.txt", after, 0o644)
	os.Exit(0)
}
GO
printf 'module pooltest\n\ngo 1.21\n' >"$dir/go.mod"
for go in "${gos[@]}"; do
  wrong=0; moved=0; rows=0; noexit=0; hung=0
  for i in $(seq "$runs"); do
    out="$dir/run-$go-$i"
    # A watch that hangs (a held write never answered) is a wrong run too.
    status=0
    rm -f "$dir/after.txt"
    (cd "$dir" && timeout 300 "$bin" watch --go "$go" --phase '^(filled|gc1|gc2) ' --out "$out" -- go run . >"$out.stdout" 2>"$out.stderr") || status=$?
    if [ "$status" = 124 ]; then
      echo "  hung: run $i on $go (killed after 300 s)" >&2
      hung=$((hung + 1)); rows=$((rows + 3)); wrong=$((wrong + 3)); continue
    fi
    result=$(python3 - "$out/timeline.json" "$out.stdout" "$dir/after.txt" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
printed = {}
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 2 and f[0] in ("filled", "gc1", "gc2"):
        printed[f[0]] = int(f[1]) * 1024
after = {}
for line in open(sys.argv[3]):
    f = line.split()
    after[f[0]] = int(f[1]) * 1024
rows = {p["name"]: p for p in t["phases"]}
mib = 1 << 20
wrong = moved = 0
for name in ("filled", "gc1", "gc2"):
    p = rows.get(name)
    before, later = printed.get(name), after.get(name)
    if p is None or before is None or later is None:
        wrong += 1
        print("  wrong:", name, "missing", file=sys.stderr)
        continue
    rss = p["os"]["rss_bytes"]
    if abs(rss - before) <= mib:
        continue
    # Memory the program's other threads returned between its read and its
    # write: the state at the line is somewhere between its two reads.
    if min(before, later) - mib <= rss <= max(before, later) + mib:
        moved += 1
        note = "moved: within the program's own reads around the write"
    else:
        wrong += 1
        note = "wrong"
    print(f"  {note}: {name} row {rss >> 10} kB, printed {before >> 10} kB, "
          f"just after the write {later >> 10} kB, {p.get('taken')}", file=sys.stderr)
ends = bool(t["phases"]) and t["phases"][-1]["name"] == "exit"
print(wrong, moved, 0 if ends else 1)
PY
)
    read -r bad shifted ended <<<"$result"
    wrong=$((wrong + bad)); moved=$((moved + shifted)); noexit=$((noexit + ended)); rows=$((rows + 3))
  done
  echo "$go: $wrong wrong of $rows phase rows in $runs runs ($moved more than 1 MiB from the print, but within the program's reads around the write); $noexit runs without an exit phase; $hung hung"
done
