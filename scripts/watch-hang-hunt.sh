#!/usr/bin/env bash
# Hunts a hang of `gomemlab watch -- go run .`: runs the exact-phases program
# (a new source each run, so the go command compiles and links again) until a
# watch takes more than 40 s, then prints every thread of gomemlab, the go
# command, its tools and the program (state, wchan, syscall, kernel stack,
# signal masks), sends SIGQUIT to all but gomemlab and prints what the watch
# passed on (with GOTRACEBACK=system in the environment: the runtime's own
# goroutine dump). Found under `stress-ng --cpu 2` (go1.26.11): 4 hangs in 119
# runs, in `link` or the go command, every thread parked; the dump: a GC worker
# printing its gctrace line, holding the print lock, waits for mheap_.lock to
# grow its stack, while the last sweeper holds mheap_.lock to print scavtrace
# (a Go runtime lock inversion with gctrace=1,scavtrace=1). Fixed by giving the
# traces to the program alone; the numbers after the fix are in CHANGELOG.md.
#
#   scripts/watch-hang-hunt.sh [RUNS] [GO] [WATCH FLAGS...]
set -uo pipefail
runs=${1:-40}; go=${2:-go1.26.8}; shift 2 || shift $#
bin=$(realpath "${GOMEMLAB:-$(dirname "$0")/../target/release/gomemlab}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# shellcheck disable=SC2016 # the pattern matches a literal $dir
sed -n '/^cat >"\$dir\/main.go" <<.GO.$/,/^GO$/p' "$(dirname "$0")/exact-phases.sh" | sed '1d;$d' >"$dir/main.go"
printf 'module pooltest\n\ngo 1.21\n' >"$dir/go.mod"
descendants() { # PID and everything below it
  echo "$1"
  for c in $(ps -o pid= --ppid "$1"); do descendants "$c"; done
}
dump() {
  for p in "$@"; do
    echo "== pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-120)"
    for t in /proc/"$p"/task/*; do
      echo "  task ${t##*/} $(awk '{print $2, $3}' "$t/stat") wchan=$(cat "$t/wchan") syscall=$(cut -c1-60 "$t/syscall")" \
        "$(grep -E '^(TracerPid|SigPnd|ShdPnd|SigBlk|Seccomp):' "$t/status" | tr -s '\t\n' '  ')"
      head -6 "$t/stack" 2>/dev/null | sed 's/^/      /'
    done
  done
}
for i in $(seq "$runs"); do
  sed -i '/^var salt/d' "$dir/main.go"
  echo "var salt = \"$RANDOM$i\"" >>"$dir/main.go"
  (cd "$dir" && exec "$bin" watch "$@" --go "$go" --phase '^(filled|gc1|gc2) ' -- go run . >/dev/null 2>"$dir/stderr") &
  w=$!
  for _ in $(seq 80); do
    sleep 0.5
    kill -0 "$w" 2>/dev/null || break
  done
  if kill -0 "$w" 2>/dev/null; then
    echo "hung at run $i"
    mapfile -t family < <(descendants "$w")
    dump "${family[@]}"
    kill -QUIT "${family[@]:1}" 2>/dev/null
    sleep 5
    kill "${family[@]}" 2>/dev/null
    wait "$w"
    echo "== what the watch passed on (trace lines left out)"
    grep -v -E '^(gc [0-9]+ @|scav )' "$dir/stderr"
    exit 1
  fi
  wait "$w"
done
echo "no hang in $runs runs"
