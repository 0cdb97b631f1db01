// Package policies_test runs the Rego unit tests of the production
// guardrails in policies/: every rule rejects its bad example and a good
// plan passes. The guardrails are run on real plans by tests/e2e.
package policies_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"
)

const dir = "../../policies"

func TestGuardrails(t *testing.T) {
	results, err := tester.Run(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatalf("no Rego tests under %s", dir)
	}
	for _, r := range results {
		switch {
		case r.Error != nil:
			t.Errorf("%s: %v", r.Name, r.Error)
		case r.Fail:
			t.Errorf("%s failed", r.Name)
		}
	}
	// One test per guardrail: a rule without a bad example could be dead.
	src, err := os.ReadFile(dir + "/terraform/guardrails.rego")
	if err != nil {
		t.Fatal(err)
	}
	rules := len(regexp.MustCompile(`(?m)^deny contains`).FindAll(src, -1))
	tests := 0
	for _, r := range results {
		if !strings.HasPrefix(r.Name, "test_good") {
			tests++
		}
	}
	if tests < rules {
		t.Errorf("%d deny rules but %d bad-example tests", rules, tests)
	}
}
