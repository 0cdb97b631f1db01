package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
)

func (c *command) verify(args []string) int {
	if !c.noArgs("verify", args) {
		return ExitInput
	}
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
		fmt.Fprintf(c.stdout, "groundwork: %d generated files up to date (specs and generator as in the last run)\n", n)
		return ExitOK
	}
	p, _, code := c.planSince(context.Background(), m, last, in, false)
	if code != ExitOK {
		return code
	}
	if p.Clean() {
		if cacheable {
			c.remember(in, p.Manifest())
		}
		fmt.Fprintf(c.stdout, "groundwork: %d generated files up to date\n", p.Unchanged)
		return ExitOK
	}
	for _, ch := range p.Changes {
		fmt.Fprintf(c.stdout, "%s: %s\n", ch.Path, finding(ch))
		c.unifiedDiff(ch)
	}
	for _, path := range p.Unowned {
		fmt.Fprintf(c.stdout, "%s: in the way: groundwork generates this path but did not write the file there; move it away, then run make generate\n", path)
	}
	if len(p.Changes) == 0 && len(p.Unowned) == 0 && p.LockChanged() {
		fmt.Fprintf(c.stdout, "%s: out of date; run make generate\n", engine.LockFile)
	}
	n := len(p.Changes) + len(p.Unowned)
	if p.Staged {
		fmt.Fprintf(c.stdout, "%s/: left by an interrupted generate; run make generate, which removes it and completes the tree\n", engine.StagingDir)
		n++
	}
	fmt.Fprintf(c.stderr, "groundwork: %d generated %s out of date; run make generate and commit the result\n", max(n, 1), plural(max(n, 1), "file is", "files are"))
	return ExitFindings
}

// finding says what is wrong with a changed file, and where to fix it.
func finding(ch engine.Change) string {
	specs := strings.Join(ch.Specs, ", ")
	if specs == "" {
		specs = "the specs"
	}
	switch {
	case ch.Status == engine.Added:
		return fmt.Sprintf("missing: generated from %s but not on disk; run make generate", specs)
	case ch.Status == engine.Removed:
		return fmt.Sprintf("orphaned: no spec generates it any more (it came from %s); run make generate to remove it", specs)
	case ch.HandEdited:
		return fmt.Sprintf("hand-edited: generated files are not edited; edit %s instead and run make generate", specs)
	default:
		return fmt.Sprintf("stale: %s changed since it was generated; run make generate", specs)
	}
}

// unifiedDiff prints what generate would do to one file (see writeUnified).
func (c *command) unifiedDiff(ch engine.Change) {
	writeUnified(c.stdout, ch)
}
