// Command hello is the hello world of "Understanding Go Lang Memory Usage"
// (article 003): print "hi", then stay alive for a while so VIRT and RSS can
// be compared.
package main

import (
	"flag"
	"fmt"
	"time"

	"gomemlab.dev/probe"
)

func main() {
	hold := flag.Duration("hold", 200*time.Millisecond, "after the last phase, stay alive this long, then exit 0")
	flag.Parse()

	fmt.Println("hi")
	probe.Phase("started")
	probe.Hold(*hold)
}
