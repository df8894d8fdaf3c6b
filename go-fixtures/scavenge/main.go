// Command scavenge frees a large heap and then just waits, without calling
// debug.FreeOSMemory, so that what the background scavenger returns to the OS,
// and when, can be watched phase by phase.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"gomemlab.dev/probe"
)

const pageSize = 4096 // touch stride: one write per 4 KiB page

// heap holds the chunks until they are dropped; a package variable so the
// compiler cannot drop them before the "allocated" phase.
var heap [][]byte

func main() {
	mib := flag.Int("mib", 500, "heap to allocate and free, in MiB (1 MiB chunks)")
	wait := flag.Duration("wait", 10*time.Second, "how long to watch after the collection")
	every := flag.Duration("every", time.Second, "interval between wait-<k> phases")
	gcs := flag.Int("gcs", 1, "runtime.GC() calls after dropping the heap (the scavenger paces itself on the previous cycle's heap goal, so a second GC lets it start)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *mib < 0 || *wait < 0 || *every <= 0 {
		fmt.Fprintln(os.Stderr, "scavenge: -mib and -wait must not be negative, -every must be positive")
		os.Exit(2)
	}

	probe.Phase("start")

	heap = make([][]byte, 0, *mib)
	for i := 0; i < *mib; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += pageSize {
			b[j] = 1
		}
		heap = append(heap, b)
	}
	probe.Phase("allocated")

	heap = nil
	for i := 0; i < *gcs; i++ {
		runtime.GC()
	}
	probe.Phase("collected")

	// Phase wait-k is due at k*every after the collection, on a fixed
	// schedule, so time spent by the harness at a phase does not add up.
	t0 := time.Now()
	for k := 1; time.Duration(k)*(*every) <= *wait; k++ {
		due := t0.Add(time.Duration(k) * (*every))
		time.Sleep(time.Until(due))
		probe.Phase("wait-" + strconv.Itoa(k))
	}
	probe.Hold(*hold)
}
