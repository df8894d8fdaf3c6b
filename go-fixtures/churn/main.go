// Command churn allocates garbage steadily over a fixed live heap (article
// 002, "Golang and Memory"), so that RSS can be compared with the live heap
// under different GOGC and GOMEMLIMIT settings.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"gomemlab/fixtures/internal/probe"
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
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *liveMiB < 0 || *churnMiB < 0 {
		fmt.Fprintln(os.Stderr, "churn: -live-mib and -churn-mib must not be negative")
		os.Exit(2)
	}
	const chunksPerMiB = (1 << 20) / chunkSize

	probe.Phase("start")

	live := make([][]byte, 0, *liveMiB*chunksPerMiB)
	for i := 0; i < *liveMiB*chunksPerMiB; i++ {
		live = append(live, newChunk())
	}
	probe.Phase("live")

	for i := 0; i < *churnMiB*chunksPerMiB; i++ {
		rotate = newChunk()
	}
	probe.Phase("churned")

	probe.Hold(*hold)
	runtime.KeepAlive(live) // the live heap stays reachable through the hold
}
