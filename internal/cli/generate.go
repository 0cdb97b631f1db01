package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

func (c *command) generate(args []string) int {
	if !c.noArgs("generate", args) {
		return ExitInput
	}
	ctx, begin, end := c.interrupts()
	defer end()
	m, code := c.load()
	if code != ExitOK {
		return code
	}
	if n, ok := c.unchanged(); ok {
		c.undeployed(m)
		fmt.Fprintf(c.stdout, "groundwork: 0 written, 0 removed, %d unchanged (specs and generator as in the last run)\n", n)
		return ExitOK
	}
	p, code := c.planModel(m)
	if code != ExitOK {
		return code
	}
	begin()
	if err := p.Apply(ctx); err != nil {
		var unowned *engine.UnownedError
		switch {
		case errors.As(err, &unowned):
			fmt.Fprintln(c.stderr, err)
			fmt.Fprintf(c.stderr, "groundwork: %d %s in the way; nothing was written\n", len(unowned.Paths), plural(len(unowned.Paths), "file", "files"))
			return ExitInput
		case errors.Is(err, engine.ErrInterrupted):
			fmt.Fprintf(c.stderr, "groundwork: %v\n", err)
			return ExitInterrupted
		}
		return c.failed(err)
	}
	written, removed := 0, 0
	for _, ch := range p.Changes {
		note := ""
		if ch.HandEdited && ch.Status == engine.Removed {
			note = " (it had hand edits; git has them)"
		} else if ch.HandEdited {
			note = fmt.Sprintf(" (replaced a hand edit; edit %s instead)", strings.Join(ch.Specs, ", "))
		}
		fmt.Fprintf(c.stdout, "%-7s %s%s\n", ch.Status, ch.Path, note)
		if ch.Status == engine.Removed {
			removed++
		} else {
			written++
		}
	}
	c.undeployed(m)
	c.remember(p.Lock())
	fmt.Fprintf(c.stdout, "groundwork: %d written, %d removed, %d unchanged\n", written, removed, p.Unchanged)
	return ExitOK
}

// undeployed says which services are not deployed where. A service without a
// digest in an environment's release record gets its namespace, identity and
// secrets there, but no workload yet.
func (c *command) undeployed(m *spec.Model) {
	for _, line := range spec.Undeployed(m) {
		fmt.Fprintln(c.stdout, line)
	}
}
