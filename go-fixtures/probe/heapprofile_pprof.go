//go:build gomemlab_heapprofile

package probe

import (
	"io"
	"runtime/pprof"
)

// heapProfiling is true in builds with HeapProfileTag.
const heapProfiling = true

// writeHeap writes the heap profile as `go tool pprof` reads it: gzipped
// profile.proto, values already scaled up from the samples. It does not run
// a GC: the profile is the one published by the last completed GC cycle.
func writeHeap(w io.Writer) error {
	return pprof.Lookup("heap").WriteTo(w, 0)
}
