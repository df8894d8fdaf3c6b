// Command churn allocates garbage steadily over a fixed live heap (article
// 002, "Golang and Memory"), so that RSS can be compared with the live heap
// under different GOGC and GOMEMLIMIT settings.
//
// The churn is paced: after every -step-mib of garbage the allocating
// goroutine sleeps for -pause. Unpaced, it allocates at several GB/s, and on a
// busy machine the GC's background workers and sweeper (which need a CPU
// the OS may not give them in time) fall behind it: the heap goal and the
// peak RSS then grow with the load of the machine instead of following
// GOGC. The pauses leave the GC a CPU window every few MiB, so the heap
// stays at the runtime's goal, busy or idle (measured on 2 cores: peak /
// live 1.57-1.64 at GOGC=50, idle or with both cores busy; 1.79-2.05
// unpaced on a busy machine).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"gomemlab.dev/probe"
)

const (
	chunkSize = 64 << 10 // every allocation is a 64 KiB pointer-free []byte
	pageSize  = 4096     // touch stride: one write per 4 KiB page
)

// rotate holds the newest garbage chunk, so the allocations cannot be
// optimised away; each one becomes garbage when the next replaces it.
var rotate []byte

// newChunk allocates one chunk and writes a byte in each of its pages.
func newChunk() []byte {
	b := make([]byte, chunkSize)
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
	return b
}

func main() {
	liveMiB := flag.Int("live-mib", 100, "live heap in MiB, held for the whole run")
	churnMiB := flag.Int("churn-mib", 2000, "garbage to allocate in MiB, dropped chunk by chunk")
	stepMiB := flag.Int("step-mib", 2, "pace the churn: pause after every this many MiB of garbage")
	pause := flag.Duration("pause", 200*time.Microsecond, "pace the churn: how long each pause sleeps (0: no pacing)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *liveMiB < 0 || *churnMiB < 0 {
		fmt.Fprintln(os.Stderr, "churn: -live-mib and -churn-mib must not be negative")
		os.Exit(2)
	}
	if *stepMiB < 1 || *pause < 0 {
		fmt.Fprintln(os.Stderr, "churn: -step-mib must be at least 1 and -pause must not be negative")
		os.Exit(2)
	}
	const chunksPerMiB = (1 << 20) / chunkSize

	probe.Phase("start")

	live := make([][]byte, 0, *liveMiB*chunksPerMiB)
	for i := 0; i < *liveMiB*chunksPerMiB; i++ {
		live = append(live, newChunk())
	}
	probe.Phase("live")

	step := *stepMiB * chunksPerMiB
	for i := 0; i < *churnMiB*chunksPerMiB; i++ {
		rotate = newChunk()
		if *pause > 0 && (i+1)%step == 0 {
			time.Sleep(*pause)
		}
	}
	probe.Phase("churned")

	probe.Hold(*hold)
	runtime.KeepAlive(live) // the live heap stays reachable through the hold
}
