package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForRunsEveryStep(t *testing.T) {
	t.Parallel()
	var sum atomic.Int64
	For(1000, func(i int) { sum.Add(int64(i)) })
	if got := sum.Load(); got != 999*1000/2 {
		t.Fatalf("sum = %d, want %d", got, 999*1000/2)
	}
}

// A panic in a worker reaches the caller, where the command recovers it,
// instead of ending the process from a goroutine nobody can recover in.
func TestPanicsReachTheCaller(t *testing.T) {
	t.Parallel()
	for name, run := range map[string]func(){
		"For": func() {
			For(100, func(i int) {
				if i == 57 {
					panic("boom")
				}
			})
		},
		"Do": func() { Do(func() {}, func() { panic("boom") }) },
		"nested": func() {
			Do(func() {
				For(10, func(i int) {
					if i == 3 {
						panic("boom")
					}
				})
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				p, ok := recover().(*Panic)
				if !ok || p.Value != "boom" || len(p.Stack) == 0 {
					t.Fatalf("recovered %#v, want the worker's panic with its stack", p)
				}
			}()
			run()
		})
	}
}

// TestSplitGivesEachWorkerItsSteps: every step runs once, on the worker
// Split names, and no two goroutines ever run one worker's steps at once.
func TestSplitGivesEachWorkerItsSteps(t *testing.T) {
	t.Parallel()
	const n = 1000
	workers := Workers(n)
	ran := make([]atomic.Int64, n)
	busy := make([]atomic.Bool, workers)
	Split(n, func(w, i int) {
		if !busy[w].CompareAndSwap(false, true) {
			t.Errorf("worker %d runs two steps at once", w)
		}
		if i%workers != w {
			t.Errorf("step %d ran on worker %d", i, w)
		}
		ran[i].Add(1)
		busy[w].Store(false)
	})
	for i := range ran {
		if got := ran[i].Load(); got != 1 {
			t.Fatalf("step %d ran %d times", i, got)
		}
	}
	if Workers(0) != 1 || Workers(1) != 1 {
		t.Errorf("Workers(0) = %d, Workers(1) = %d; want 1", Workers(0), Workers(1))
	}
}
