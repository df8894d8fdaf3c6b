// Command bigbytes is the 10 x 100 MB example of "Understanding Go Lang Memory
// Usage" (article 003): allocate large byte slices in a loop, then optionally
// collect them and hand the memory back to the OS, reporting a phase at each
// step.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"gomemlab.dev/probe"
)

// pageSize is the stride used to touch memory: one write per 4 KiB page.
const pageSize = 4096

// Package-level references, so the compiler cannot drop the slices before the
// "allocated" phase: last is the loop's newest slice, kept holds all of them
// with -keep.
var (
	last *[]byte
	kept []*[]byte
)

// bigBytes is the article's allocation.
func bigBytes(size int) *[]byte {
	s := make([]byte, size)
	return &s
}

// waitGC waits while a GC cycle is due, running, or done but not yet swept,
// up to max: a slice that pushed the heap over its trigger started a cycle,
// and the next slice should find that cycle done and the slices it found dead
// freed (as it does on an idle machine) rather than grow the heap because the
// GC's workers or the background sweeper did not get a CPU in time. A cycle
// is due once the heap's objects (which count dead objects until they are
// swept) reach the lowest trigger the pacer sets, marked + 0.7 x (goal -
// marked) (runtime/mgcpacer.go, minTriggerRatioNum): the wait ends when the
// objects are back below it, which after a cycle means the dead slices were
// swept. A slice that crossed that line without starting a cycle (the pacer's
// trigger lies between 0.7 and 0.95 of the way) waits until the cap.
// Without /gc/heap/live (before Go 1.21) due cannot be told, so it waits for
// a cycle end, up to 200 ms at most. It returns the cycle count it last read.
func waitGC(before uint64, max time.Duration) uint64 {
	s := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(s)
	if s[3].Value.Kind() != metrics.KindUint64 && max > 200*time.Millisecond {
		max = 200 * time.Millisecond
	}
	deadline := time.Now().Add(max)
	for {
		metrics.Read(s)
		n := s[0].Value.Uint64()
		if !time.Now().Before(deadline) {
			return n
		}
		if s[3].Value.Kind() != metrics.KindUint64 {
			if n != before {
				return n
			}
		} else {
			objects, goal, live := s[1].Value.Uint64(), s[2].Value.Uint64(), s[3].Value.Uint64()
			if goal > live && objects < live+(goal-live)*7/10 {
				return n
			}
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// touch writes one byte in every page of b so that every page is resident.
func touch(b []byte) {
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
}

func main() {
	count := flag.Int("count", 10, "number of slices to allocate")
	size := flag.Int("size", 100000000, "size of each slice in bytes")
	keep := flag.Bool("keep", false, "keep every slice alive (default: only the newest, as in the article)")
	doTouch := flag.Bool("touch", true, "write one byte per 4 KiB page of each slice right after allocating it")
	doGC := flag.Bool("gc", true, "after dropping the slices, run runtime.GC() and report phase collected")
	doFree := flag.Bool("free", true, "then run debug.FreeOSMemory() and report phase freed")
	scavenged := flag.Bool("scavenged", false, "after phase collected, report phase scavenged: MemStats read after the OS view of collected, so HeapReleased there counts what the background scavenger returned by then")
	gcWait := flag.Duration("gc-wait", 0, "after each slice, wait up to this long for a GC cycle to end (0: don't wait, as in the article)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *count < 0 || *size < 0 {
		fmt.Fprintln(os.Stderr, "bigbytes: -count and -size must not be negative")
		os.Exit(2)
	}

	probe.Phase("start")

	var cycles uint64
	if *gcWait > 0 {
		cycles = waitGC(^uint64(0), 0)
	}
	for i := 0; i < *count; i++ {
		s := bigBytes(*size)
		if *doTouch {
			touch(*s)
		}
		if *keep {
			kept = append(kept, s)
		}
		last = s
		if *gcWait > 0 {
			cycles = waitGC(cycles, *gcWait)
		}
	}
	probe.Phase("allocated")

	// Drop every reference; what happens to the memory next is up to the flags.
	last = nil
	kept = nil
	if *doGC {
		runtime.GC()
		probe.Phase("collected")
		if *scavenged {
			probe.Phase("scavenged")
		}
	}
	if *doFree {
		debug.FreeOSMemory()
		probe.Phase("freed")
	}
	probe.Hold(*hold)
}
