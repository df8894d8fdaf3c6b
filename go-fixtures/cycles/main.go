// Command cycles grows and shrinks the heap repeatedly (article 000): each
// cycle allocates a heap, then drops it, collects it and returns it to the OS.
// It shows VIRT as a high-water mark and that released spans are reused.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"

	"gomemlab.dev/probe"
)

const pageSize = 4096 // touch stride: one write per 4 KiB page

// heap holds the current cycle's chunks; a package variable so the compiler
// cannot drop them before the "grown" phase.
var heap [][]byte

// grow allocates mib chunks of 1 MiB, each touched, into heap.
func grow(mib int) {
	heap = make([][]byte, 0, mib)
	for i := 0; i < mib; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += pageSize {
			b[j] = 1
		}
		heap = append(heap, b)
	}
}

func main() {
	cycles := flag.Int("cycles", 4, "number of grow/release cycles")
	mib := flag.Int("mib", 200, "heap allocated in each cycle, in MiB (1 MiB chunks)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *cycles < 0 || *mib < 0 {
		fmt.Fprintln(os.Stderr, "cycles: -cycles and -mib must not be negative")
		os.Exit(2)
	}

	probe.Phase("start")
	for i := 1; i <= *cycles; i++ {
		grow(*mib)
		probe.Phase("grown-" + strconv.Itoa(i))

		heap = nil
		runtime.GC()
		debug.FreeOSMemory()
		probe.Phase("released-" + strconv.Itoa(i))
	}
	probe.Hold(*hold)
}
