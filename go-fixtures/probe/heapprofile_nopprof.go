//go:build !gomemlab_heapprofile

package probe

import "io"

// heapProfiling is false in builds without HeapProfileTag: runtime/pprof is
// not linked, so the linker leaves memory profiling off (MemProfileRate 0).
const heapProfiling = false

func writeHeap(io.Writer) error {
	return errNoHeapProfiling
}
