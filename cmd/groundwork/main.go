// Command groundwork generates, verifies and explains everything production
// needs from the specs in specs/. See the README.
package main

import (
	"os"
	"runtime/debug"

	"github.com/groundwork-dev/groundwork/internal/cli"
)

// memoryLimit is the soft limit on the heap that groundwork runs under
// unless GOMEMLIMIT says otherwise. A full render at a thousand services
// keeps about 200 MB live; left to its default, a heap twice the live one,
// the collector let the peak wander from 400 to over 500 MB with the
// timing of its cycles. Near the limit it collects sooner; below it,
// nothing changes, and a larger live heap still runs, the collector
// working harder.
const memoryLimit = 400 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
