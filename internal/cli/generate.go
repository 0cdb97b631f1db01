package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// maxListed is how many changed files generate names one by one without
// --verbose: a pull request's worth. A first run at a thousand services
// writes tens of thousands, which git status lists better.
const maxListed = 50

func (c *command) generate(args []string) int {
	verbose := false
	for _, a := range args {
		if a != "-v" && a != "--verbose" {
			fmt.Fprintf(c.stderr, "groundwork generate: unexpected argument %q; the only flag is --verbose\n", a)
			return ExitInput
		}
		verbose = true
	}
	ctx, begin, end := c.interrupts()
	defer end()
	lastRun := c.lastRunSoon()
	m, code := c.loadSince(lastRun)
	if code != ExitOK {
		return code
	}
	in, cacheable := c.inputsOf(m)
	var last *record
	if cacheable {
		last = lastRun(in)
	}
	if n, ok := c.unchanged(last, in); ok {
		c.undeployed(m, verbose)
		c.withoutGrafana(m)
		fmt.Fprintf(c.stdout, "groundwork: 0 written, 0 removed, %d unchanged (specs and generator as in the last run)\n", n)
		return ExitOK
	}
	// From here a SIGINT ends the run at the next safe point rather than
	// at once: a full render stages its files as it makes them, and
	// removes them when it stops (engine.RenderToApply).
	begin()
	p, sc, code := c.planSince(ctx, m, last, in, true)
	if code != ExitOK {
		return code
	}
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
		if verbose || len(p.Changes) <= maxListed || note != "" {
			fmt.Fprintf(c.stdout, "%-7s %s%s\n", ch.Status, ch.Path, note)
		}
		if ch.Status == engine.Removed {
			removed++
		} else {
			written++
		}
	}
	c.undeployed(m, verbose)
	c.withoutGrafana(m)
	if cacheable {
		c.remember(in, p.Manifest())
	}
	listing := ""
	if !verbose && len(p.Changes) > maxListed {
		listing = " (--verbose names each file)"
	}
	fmt.Fprintf(c.stdout, "groundwork: %d written, %d removed, %d unchanged%s%s\n", written, removed, p.Unchanged, partly(m, sc), listing)
	return ExitOK
}

// undeployed says which services are not deployed where: a service
// without a digest in an environment's release record gets its namespace,
// identity and secrets there, but no workload yet. A few are named; many
// (a thousand services before their first release) are counted, and
// --verbose names them.
func (c *command) undeployed(m *spec.Model, verbose bool) {
	lines := spec.Undeployed(m)
	if verbose || len(lines) <= maxUndeployed {
		for _, line := range lines {
			fmt.Fprintln(c.stdout, line)
		}
		return
	}
	fmt.Fprintf(c.stdout, "groundwork: %d services are not deployed in some environment yet (no digest in its release record, so no workload there); --verbose names each\n", len(lines))
}

// withoutGrafana says which environments name no Grafana, so that their
// alerts link no dashboard: one line each, since an environment is a
// decision made once, not one of a thousand services.
func (c *command) withoutGrafana(m *spec.Model) {
	for _, line := range spec.WithoutGrafana(m) {
		fmt.Fprintln(c.stdout, line)
	}
}

// maxUndeployed is how many "not deployed yet" lines generate prints
// before it counts them instead.
const maxUndeployed = 10
