// Command idle is the do-nothing program of "A deep dive into the OS memory
// use of a simple Go program" (article 001): it reports one phase and then
// sits there, either sleeping or spinning on a counter, so that the runtime's
// baseline memory can be measured.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"gomemlab.dev/probe"
)

// counter keeps the spin loop's result alive so the loop is not optimised away.
var counter uint64

func main() {
	mode := flag.String("mode", "sleep", "how to stay alive: sleep or spin (busy loop on a uint64, as in the article)")
	hold := flag.Duration("hold", 500*time.Millisecond, "after the last phase, stay alive this long, then exit 0")
	end := flag.Bool("end", false, "after the hold, report a phase ended (the runtime's view after idling) before exiting")
	gc := flag.Bool("gc", false, "run runtime.GC once before the started phase (the runtime forces a GC every 2 minutes only after a first one)")
	flag.Parse()
	if *mode != "sleep" && *mode != "spin" {
		fmt.Fprintf(os.Stderr, "idle: -mode must be sleep or spin, not %q\n", *mode)
		os.Exit(2)
	}

	if *gc {
		runtime.GC()
	}
	probe.Phase("started")

	if *mode == "spin" {
		spin(*hold)
	} else {
		probe.Hold(*hold)
	}
	if *end {
		probe.Phase("ended")
	}
}

// spin increments a counter in a busy loop until d has passed, looking at the
// clock only once every million iterations.
func spin(d time.Duration) {
	deadline := time.Now().Add(d)
	var i uint64
	for {
		i++
		if i%(1<<20) == 0 && !time.Now().Before(deadline) {
			break
		}
	}
	counter = i
}
