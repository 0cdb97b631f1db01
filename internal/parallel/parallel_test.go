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
