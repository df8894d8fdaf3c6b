// Command timers calls time.After in a select loop whose other case is
// always ready, so every timer it makes is unreachable long before it fires:
// the pattern of golang/go#61542 ("time.After in a loop leaks"). Up to Go
// 1.22 (and with GODEBUG=asynctimerchan=1, the default when the main
// module's go line is older than 1.23) the runtime keeps every timer in its
// timer heap until it fires; since Go 1.23 a timer channel nobody waits on
// is not in the heap, and the timer is garbage like any other value.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"gomemlab.dev/probe"
)

func main() {
	n := flag.Int("n", 500000, "time.After calls, each in a select that does not wait for it")
	after := flag.Duration("after", time.Hour, "the timers' duration (none fires during the run)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *n < 0 || *after <= 0 {
		fmt.Fprintln(os.Stderr, "timers: -n must not be negative and -after must be positive")
		os.Exit(2)
	}

	runtime.GC()
	probe.Phase("start")

	ready := make(chan int, 1)
	ready <- 0
	got := 0
	for i := 0; i < *n; i++ {
		select {
		case v := <-ready:
			got += v
			ready <- 1
		case <-time.After(*after):
			fmt.Fprintln(os.Stderr, "timers: a timer fired during the run")
			os.Exit(1)
		}
	}
	runtime.GC()
	runtime.GC()
	probe.Phase("looped")
	if got != *n-1 {
		fmt.Fprintln(os.Stderr, "timers: the ready case was not taken every time")
		os.Exit(1)
	}

	probe.Hold(*hold)
}
