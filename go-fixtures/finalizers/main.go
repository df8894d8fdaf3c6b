// Command finalizers builds pairs of objects that point at each other (a
// cycle), attaches a finalizer or a cleanup to one object of each pair, drops
// them all and collects, so that what stays in the heap can be measured.
//
// runtime.SetFinalizer documents that a cycle containing an object with a
// finalizer is not guaranteed to be collected; in practice it never is: the
// GC marks everything reachable from a finalizer's object, and the object is
// reachable from its partner. runtime.AddCleanup (Go 1.24, golang/go#67535)
// does not have that problem. On Go before 1.24, `-attach cleanup` uses
// SetFinalizer, the only API those versions have (see cleanup_*.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"gomemlab.dev/probe"
)

// node is one half of a cycle, carrying a 1 MiB payload.
type node struct {
	peer    *node
	payload []byte
}

// ran counts finalizers and cleanups that have run.
var ran atomic.Int64

// pairs keeps the cycles reachable until the fixture drops them.
var pairs []*node

func main() {
	attach := flag.String("attach", "finalizer", "what to attach to one node of each cycle: none, finalizer or cleanup")
	n := flag.Int("n", 64, "cycles to build, each holding 1 MiB")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *n < 0 || (*attach != "none" && *attach != "finalizer" && *attach != "cleanup") {
		fmt.Fprintln(os.Stderr, "finalizers: -n must not be negative, -attach must be none, finalizer or cleanup")
		os.Exit(2)
	}

	runtime.GC()
	probe.Phase("start")

	for i := 0; i < *n; i++ {
		a := &node{payload: make([]byte, 1<<20)}
		b := &node{peer: a}
		a.peer = b
		switch *attach {
		case "finalizer":
			runtime.SetFinalizer(a, func(*node) { ran.Add(1) })
		case "cleanup":
			attachCleanup(a)
		}
		pairs = append(pairs, a)
	}
	probe.Phase("attached")

	pairs = nil
	// Finalizers and cleanups run on their own goroutine after the cycle
	// that found the object unreachable; a finalizer's object is freed only
	// by a later cycle. A few GCs with a pause in between cover both.
	for i := 0; i < 4; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	probe.Phase("collected")

	probe.Hold(*hold)
}
