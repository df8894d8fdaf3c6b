// Command fragment shows that a non-compacting GC pins memory (article 003):
// in sparse mode it keeps one small object out of every span's worth, so no
// span can be freed; in packed mode the same survivors sit together in few
// spans.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"gomemlab.dev/probe"
)

// object is the unit of allocation: 64 pointer-free bytes, so 128 of them
// fill one 8 KiB span of the 64-byte size class.
type object [64]byte

// sink holds the newest object, so every allocation really goes to the heap.
var sink *object

// alloc allocates one object and touches it.
func alloc() *object {
	p := new(object)
	p[0] = 1
	sink = p
	return p
}

func main() {
	mib := flag.Int("mib", 256, "heap to allocate in sparse mode, in MiB of 64-byte objects")
	keepEvery := flag.Int("keep-every", 128, "keep one object out of this many")
	mode := flag.String("mode", "sparse", "sparse: allocate all, keep every keep-every-th; packed: allocate only the survivors")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *mib < 0 || *keepEvery <= 0 || (*mode != "sparse" && *mode != "packed") {
		fmt.Fprintln(os.Stderr, "fragment: -mib must not be negative, -keep-every must be positive, -mode must be sparse or packed")
		os.Exit(2)
	}
	total := *mib * (1 << 20) / len(object{})
	nSurvivors := total / *keepEvery

	probe.Phase("start")

	survivors := make([]*object, 0, nSurvivors)

	// No GC while allocating: a collection in the middle of the loop would
	// free the dropped objects and the rest of the loop would refill their
	// slots, packing the survivors together. With the GC off, each 8 KiB span
	// is filled once, in order, and keeps exactly its survivors.
	oldGOGC := debug.SetGCPercent(-1)
	if *mode == "sparse" {
		for i := 0; i < total; i++ {
			p := alloc()
			if i%*keepEvery == 0 && len(survivors) < nSurvivors {
				survivors = append(survivors, p)
			}
		}
	} else {
		for i := 0; i < nSurvivors; i++ {
			survivors = append(survivors, alloc())
		}
	}
	sink = nil
	probe.Phase("allocated")

	// GC back on only now, so no collection starts while at "allocated".
	debug.SetGCPercent(oldGOGC)
	runtime.GC()
	probe.Phase("collected")

	debug.FreeOSMemory()
	probe.Phase("freed")

	probe.Hold(*hold)
	runtime.KeepAlive(survivors)
}
