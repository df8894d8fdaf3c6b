package main

import (
	"runtime"
	"runtime/debug"

	"gomemlab.dev/probe"
)

var keep []byte

func main() {
	probe.Phase("start")
	keep = make([]byte, 100<<20)
	for i := 0; i < len(keep); i += 4096 {
		keep[i] = 1 // touch every page, or RSS will not see it
	}
	probe.Phase("allocated")
	keep = nil
	runtime.GC()
	probe.Phase("collected")
	debug.FreeOSMemory()
	probe.Phase("released")
}
