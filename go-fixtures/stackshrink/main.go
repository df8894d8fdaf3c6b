// Command stackshrink grows one goroutine's stack by deep recursion, lets the
// recursion return, and then runs GCs one by one, so that the stack memory
// the runtime keeps can be watched. The GC shrinks a goroutine's stack to
// half when it uses less than a quarter of it (runtime/stack.go
// shrinkstack), once per cycle; GODEBUG=gcshrinkstackoff=1 turns that off.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"gomemlab.dev/probe"
)

// down recurses level times with a 1 KiB frame, then reports and waits for
// the go-ahead before returning.
//
//go:noinline
func down(level int, bottom chan<- struct{}, back <-chan struct{}) byte {
	var pad [1024]byte
	pad[level%len(pad)] = byte(level)
	if level == 0 {
		bottom <- struct{}{}
		<-back
		return pad[0]
	}
	return down(level-1, bottom, back) + pad[level%len(pad)]
}

// sink keeps down's result so the recursion is not optimised away.
var sink byte

func main() {
	depth := flag.Int("depth", 10000, "recursion depth, 1 KiB per frame (10000: a 16 MiB stack)")
	gcs := flag.Int("gcs", 16, "GCs to run after the recursion returned, one phase gc-<k> after each")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *depth < 0 || *gcs < 0 {
		fmt.Fprintln(os.Stderr, "stackshrink: -depth and -gcs must not be negative")
		os.Exit(2)
	}

	runtime.GC()
	probe.Phase("start")

	bottom, back, top := make(chan struct{}), make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		sink = down(*depth, bottom, back)
		top <- struct{}{} // returned: now blocked with a nearly empty stack
		<-done
	}()
	<-bottom
	probe.Phase("deep")

	back <- struct{}{}
	<-top
	probe.Phase("returned")

	for k := 1; k <= *gcs; k++ {
		runtime.GC()
		probe.Phase("gc-" + strconv.Itoa(k))
	}
	close(done)

	probe.Hold(*hold)
}
