package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupts turns SIGINT and SIGTERM into something a writing command can
// act on. Before the command starts writing, a signal ends the process at
// once: nothing has been written. Once it writes (begin), a signal ends ctx,
// and the writer undoes what it did and returns. end stops listening.
func (c *command) interrupts() (ctx context.Context, begin, end func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	writing := false
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		mu.Lock()
		if !writing {
			fmt.Fprintln(c.stderr, "groundwork: interrupted; nothing was written")
			os.Exit(ExitInterrupted)
		}
		mu.Unlock()
		cancel()
	}()
	begin = func() {
		mu.Lock()
		writing = true
		mu.Unlock()
	}
	end = func() {
		signal.Stop(sigs)
		cancel()
	}
	return ctx, begin, end
}
