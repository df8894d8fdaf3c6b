// Command scavenge frees a large heap and then just waits, without calling
// debug.FreeOSMemory, so that what the background scavenger returns to the OS,
// and when, can be watched phase by phase.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
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
	until := flag.Int("until-released", 0, "instead of wait-<k> phases: poll, and emit `settled` as soon as HeapReleased has risen by this many MiB since `collected`, or when -wait is up (0: wait-<k> phases)")
	poll := flag.Duration("poll", 20*time.Millisecond, "with -until-released: how often HeapReleased is read")
	since := flag.String("since", "collected", "with -until-released: count what was released since this phase, `allocated` or `collected` (a memory limit's scavenger may start during the GC)")
	flag.Parse()
	if *mib < 0 || *wait < 0 || *every <= 0 || *until < 0 || *poll <= 0 {
		fmt.Fprintln(os.Stderr, "scavenge: -mib, -wait and -until-released must not be negative, -every and -poll must be positive")
		os.Exit(2)
	}
	if *since != "allocated" && *since != "collected" {
		fmt.Fprintln(os.Stderr, "scavenge: -since must be allocated or collected")
		os.Exit(2)
	}

	if *until > 0 {
		heapReleased() // sets runtime/metrics up now, not between the GC and `collected`
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
	var released0 uint64
	if *until > 0 && *since == "allocated" {
		released0 = heapReleased()
	}
	probe.Phase("allocated")

	heap = nil
	for i := 0; i < *gcs; i++ {
		runtime.GC()
	}
	// Only when asked: the first metrics read sets the metrics up, which
	// takes a while; a memory limit's scavenger works during any delay
	// between the GC and `collected`, so without -until-released nothing
	// here may add one.
	if *until > 0 && *since == "collected" {
		released0 = heapReleased()
	}
	probe.Phase("collected")

	if *until > 0 {
		settle(released0, uint64(*until)<<20, *wait, *poll)
		probe.Hold(*hold)
		return
	}
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

// settle polls HeapReleased every `poll` (runtime/metrics: no stop-the-world,
// and nothing that scavenges) and emits `settled` as soon as it has risen by
// `want` bytes over `from`, or when `limit` has passed since the call: the
// phase is where the watch ended, the check reads what the OS and the runtime
// say there. The polling keeps one goroutine lightly active, as a live
// program would be; it calls nothing that returns memory.
func settle(from, want uint64, limit, poll time.Duration) {
	t0 := time.Now()
	for time.Since(t0) < limit {
		if r := heapReleased(); r >= from && r-from >= want {
			break
		}
		time.Sleep(poll)
	}
	probe.Phase("settled")
}

// heapReleased is MemStats.HeapReleased, read through runtime/metrics.
func heapReleased() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
