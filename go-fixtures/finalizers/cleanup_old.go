//go:build !go1.24

package main

import "runtime"

// attachCleanup, before Go 1.24: runtime.AddCleanup does not exist, and a
// finalizer is the only way to run code when an object dies, so this is what
// code written for these versions does.
func attachCleanup(p *node) {
	runtime.SetFinalizer(p, func(*node) { ran.Add(1) })
}
