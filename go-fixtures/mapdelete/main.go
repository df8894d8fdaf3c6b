// Command mapdelete fills a map, deletes every key, then drops the map, so
// that what a Go map keeps after delete can be measured (golang/go#20135:
// maps never shrink), and what a full map costs per entry (Go 1.24 replaced
// the bucket maps with Swiss tables, golang/go#54766).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"gomemlab.dev/probe"
)

// value is the payload of one entry: 128 bytes, as in golang/go#20135.
type value [128]byte

// m is a package variable so it stays reachable until the fixture drops it.
var m map[int]value

// settle runs a GC and returns freed memory to the OS, so each phase shows
// the live heap and what the runtime keeps of it.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

func main() {
	n := flag.Int("n", 1000000, "entries to insert (int keys, 128-byte values)")
	hold := flag.Duration("hold", 0, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "mapdelete: -n must not be negative")
		os.Exit(2)
	}

	settle()
	probe.Phase("start")

	m = make(map[int]value) // no size hint: the map grows as real ones do
	for i := 0; i < *n; i++ {
		var v value
		v[0] = byte(i)
		m[i] = v
	}
	settle()
	probe.Phase("filled")

	for i := 0; i < *n; i++ {
		delete(m, i)
	}
	settle()
	probe.Phase("deleted")

	m = nil
	settle()
	probe.Phase("dropped")

	probe.Hold(*hold)
}
