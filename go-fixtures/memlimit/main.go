// Command memlimit holds a live heap of small pointerful objects, optionally
// a ballast and a memory limit set at run time, then allocates garbage, so
// that GC frequency, heap goal and peak RSS can be compared between the ways
// of steering the GC: GOGC, a ballast, GOMEMLIMIT at start and
// debug.SetMemoryLimit at run time.
//
// The live heap is a linked list of 64-byte nodes, so that marking it costs
// real work (a cycle marks every node); the garbage is 64 KiB pointer-free
// chunks with every page touched, as in the churn fixture. With -live-shape
// slice the same nodes hang from one slice of pointers instead: the GC
// marks them in parallel and its assists can keep up with the allocation,
// where a list can only be followed node after node by one worker.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"gomemlab.dev/probe"
)

const (
	chunkSize = 64 << 10 // every garbage allocation is a 64 KiB []byte
	pageSize  = 4096     // touch stride: one write per 4 KiB page
)

// node is one 64-byte element of the live heap.
type node struct {
	next *node
	pad  [56]byte
}

var (
	live    *node   // the live heap as a list, reachable for the whole run
	nodes   []*node // the live heap as a slice (-live-shape slice)
	ballast []byte  // allocated, never written: costs heap, not RSS
	rotate  []byte  // the newest garbage chunk
)

func main() {
	liveMiB := flag.Int("live-mib", 20, "live heap in MiB, as 64-byte nodes")
	ballastMiB := flag.Int("ballast-mib", 0, "ballast to allocate and never touch, in MiB")
	limitMiB := flag.Int("limit-mib", 0, "if > 0, call debug.SetMemoryLimit with this many MiB once the live heap is built")
	churnMiB := flag.Int("churn-mib", 1000, "garbage to allocate in MiB, 64 KiB at a time")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	shape := flag.String("live-shape", "list", "how the live nodes are held: list (marked one after another) or slice (marked in parallel)")
	flag.Parse()
	if *shape != "list" && *shape != "slice" {
		fmt.Fprintln(os.Stderr, "memlimit: -live-shape must be list or slice")
		os.Exit(2)
	}
	if *liveMiB < 0 || *ballastMiB < 0 || *limitMiB < 0 || *churnMiB < 0 {
		fmt.Fprintln(os.Stderr, "memlimit: sizes must not be negative")
		os.Exit(2)
	}

	probe.Phase("start")

	count := *liveMiB << 20 / 64
	if *shape == "slice" {
		nodes = make([]*node, 0, count)
	}
	for i := 0; i < count; i++ {
		if *shape == "slice" {
			n := &node{}
			n.pad[0] = 1 // a fresh page is not resident until written
			nodes = append(nodes, n)
		} else {
			live = &node{next: live}
		}
	}
	if *ballastMiB > 0 {
		ballast = make([]byte, *ballastMiB<<20)
	}
	if *limitMiB > 0 {
		debug.SetMemoryLimit(int64(*limitMiB) << 20)
	}
	probe.Phase("ready")

	for i := 0; i < *churnMiB*(1<<20/chunkSize); i++ {
		b := make([]byte, chunkSize)
		for j := 0; j < len(b); j += pageSize {
			b[j] = 1
		}
		rotate = b
	}
	probe.Phase("churned")

	probe.Hold(*hold)
	runtime.KeepAlive(live)
	runtime.KeepAlive(nodes)
	runtime.KeepAlive(ballast)
}
