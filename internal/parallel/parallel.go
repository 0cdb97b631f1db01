// Package parallel runs the independent steps of a generate (reading spec
// files, formatting Terraform blocks, reading and writing output files) on
// every core.
package parallel

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// For calls f(0) … f(n-1) from a few goroutines and returns when all are
// done. Twice as many workers as cores keeps the cores busy when some of the
// steps wait on the disk.
//
// A panic in f is raised again in the caller once every worker has stopped,
// so that the command's recover sees it: a panic in a worker goroutine would
// otherwise end the process with a trace.
func For(n int, f func(i int)) {
	workers := min(n, 2*runtime.GOMAXPROCS(0))
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var caught *Panic
	for range workers {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					once.Do(func() { caught = asPanic(v) })
					for range next {
						// drain, so that the feeder never blocks
					}
				}
			}()
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
	if caught != nil {
		panic(caught)
	}
}

// Workers is how many workers Split runs for n steps: one a core, never
// more than n, at least one.
func Workers(n int) int { return min(runtime.GOMAXPROCS(0), max(n, 1)) }

// Split calls f(w, i) for every step i < n, on Workers(n) workers: worker w
// takes steps w, w+Workers(n), and so on, one after the other, so that what
// f keeps for worker w (a checker, a buffer) is used by one goroutine at a
// time and needs no lock.
func Split(n int, f func(w, i int)) {
	workers := Workers(n)
	For(workers, func(w int) {
		for i := w; i < n; i += workers {
			f(w, i)
		}
	})
}

// Do runs each of fs in its own goroutine and returns when all are done,
// raising a panic of any of them in the caller like For.
func Do(fs ...func()) {
	var wg sync.WaitGroup
	var once sync.Once
	var caught *Panic
	for _, f := range fs {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					once.Do(func() { caught = asPanic(v) })
				}
			}()
			f()
		})
	}
	wg.Wait()
	if caught != nil {
		panic(caught)
	}
}

// asPanic keeps the stack of the first worker that panicked, also through
// nested For and Do.
func asPanic(v any) *Panic {
	if p, ok := v.(*Panic); ok {
		return p
	}
	return &Panic{Value: v, Stack: debug.Stack()}
}

// Panic is a panic raised in a worker, with the worker's stack.
type Panic struct {
	Value any
	Stack []byte
}
