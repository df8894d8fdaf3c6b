// Command storm is a goroutine storm: start many goroutines that each block
// with a few KiB of real stack, then let them all exit, and report what the
// runtime keeps (stacks, g structures) before and after GC and FreeOSMemory.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"gomemlab.dev/probe"
)

// deep uses a 512-byte local in each of level+1 frames, then reports that it
// is ready and blocks on gate.
//
//go:noinline
func deep(level int, ready *sync.WaitGroup, gate <-chan struct{}) byte {
	var pad [512]byte
	pad[level] = byte(level)
	if level == 0 {
		ready.Done()
		<-gate
		return pad[0]
	}
	return deep(level-1, ready, gate) + pad[level]
}

// sink keeps the goroutines' results so deep is not optimised away.
var sink uint64

func main() {
	n := flag.Int("n", 100000, "number of goroutines")
	depth := flag.Int("depth", 4, "extra 512-byte frames each goroutine stacks up before it blocks (4: about 3 KiB in use, an 8 KiB stack on Go 1.26)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *n < 0 || *depth < 0 || *depth > 511 {
		fmt.Fprintln(os.Stderr, "storm: -n must not be negative, -depth must be in 0..511")
		os.Exit(2)
	}

	probe.Phase("baseline")

	gate := make(chan struct{})
	var started, exited sync.WaitGroup
	started.Add(*n)
	exited.Add(*n)
	for i := 0; i < *n; i++ {
		go func() {
			v := deep(*depth, &started, gate)
			atomic.AddUint64(&sink, uint64(v))
			exited.Done()
		}()
	}
	started.Wait()
	probe.Phase("spawned")

	close(gate)
	exited.Wait()
	probe.Phase("exited")

	runtime.GC()
	probe.Phase("collected")

	debug.FreeOSMemory()
	probe.Phase("freed")

	probe.Hold(*hold)
}
