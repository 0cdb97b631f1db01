package generators_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
)

// reviewBudget is how many generated lines (added plus removed, the lock
// aside) six everyday one-line spec edits may change in all: a reviewer
// reads what Flux, Actions and Terraform consume, not the proof of it.
// They changed 1,190 when the promtool tests were committed.
const reviewBudget = 300

// TestReviewSize makes six one-line edits to the sample organisation, one
// at a time (an objective, replicas, a latency threshold, an alert's for,
// a bucket's expiry, a flag's default), and counts the generated lines each
// changes, as git diff --numstat would: together they stay within
// reviewBudget, and the objective, which once changed every rule and
// description of its SLO in every environment, changes at most 80.
func TestReviewSize(t *testing.T) {
	t.Parallel()
	base := generators.SampleSpecs(t)
	before := renderSpecs(t, base)
	const api = "specs/services/api.yaml"
	edits := []struct{ name, old, new string }{
		{"objective", "{name: availability, objective: 99.9,", "{name: availability, objective: 99.95,"},
		{"replicas", "replicas: {dev: 1, prod: 4}", "replicas: {dev: 1, prod: 5}"},
		{"latency threshold", "threshold: 300ms", "threshold: 250ms"},
		{"alert for", "for: 10m", "for: 15m"},
		{"bucket expiry", "expireDays: 2555", "expireDays: 3650"},
		{"flag default", "default: plain", "default: detailed"},
	}
	total := 0
	for _, e := range edits {
		files := map[string][]byte{}
		for k, v := range base {
			files[k] = v
		}
		if bytes.Count(base[api], []byte(e.old)) != 1 {
			t.Fatalf("%s: %q is not once in %s; update the edit to the sample", e.name, e.old, api)
		}
		files[api] = bytes.Replace(base[api], []byte(e.old), []byte(e.new), 1)
		after := renderSpecs(t, files)
		lines, changed := 0, 0
		for _, f := range after.Files {
			var old []byte
			if b := before.File(f.Path); b != nil {
				old = b.Data
			}
			if bytes.Equal(old, f.Data) {
				continue
			}
			changed++
			lines += changedLines(old, f.Data)
		}
		for _, f := range before.Files {
			if after.File(f.Path) == nil {
				changed++
				lines += changedLines(f.Data, nil)
			}
		}
		t.Logf("%s: %d generated lines in %d files", e.name, lines, changed)
		if lines == 0 {
			t.Errorf("%s changes no generated file; the edit no longer means anything", e.name)
		}
		if e.name == "objective" && lines > 80 {
			t.Errorf("an objective change changes %d generated lines, over 80: does a rule or description carry the budget as a number again?", lines)
		}
		total += lines
	}
	t.Logf("six edits: %d generated lines", total)
	if total > reviewBudget {
		t.Errorf("six one-line edits change %d generated lines, over the budget of %d", total, reviewBudget)
	}
}

// changedLines counts the lines added and removed between a and b, as a
// minimal line diff (git's) does: the common ends are trimmed, the rest is
// what is not in their longest common subsequence.
func changedLines(a, b []byte) int {
	x, y := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	for len(x) > 0 && len(y) > 0 && x[0] == y[0] {
		x, y = x[1:], y[1:]
	}
	for len(x) > 0 && len(y) > 0 && x[len(x)-1] == y[len(y)-1] {
		x, y = x[:len(x)-1], y[:len(y)-1]
	}
	lcs := make([]int, len(y)+1)
	for i := range x {
		prev := 0
		for j := range y {
			cur := lcs[j+1]
			if x[i] == y[j] {
				lcs[j+1] = prev + 1
			} else if lcs[j] > lcs[j+1] {
				lcs[j+1] = lcs[j]
			}
			prev = cur
		}
	}
	common := lcs[len(y)]
	return len(x) + len(y) - 2*common
}
