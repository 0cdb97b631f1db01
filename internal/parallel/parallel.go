// Package parallel runs the independent steps of a generate (reading spec
// files, formatting Terraform blocks, reading and writing output files) on
// every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(0) … f(n-1) from a few goroutines and returns when all are
// done. Twice as many workers as cores keeps the cores busy when some of the
// steps wait on the disk.
func For(n int, f func(i int)) {
	workers := min(n, 2*runtime.GOMAXPROCS(0))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
