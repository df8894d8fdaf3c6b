//go:build go1.24

package main

import "runtime"

// attachCleanup attaches a cleanup (Go 1.24+), which does not keep its
// object's cycle alive: the cleanup function gets an argument that is not
// the object.
func attachCleanup(p *node) {
	runtime.AddCleanup(p, func(int) { ran.Add(1) }, 0)
}
