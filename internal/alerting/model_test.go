package alerting_test

import (
	"testing"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// TestBurnFactor holds the rounded factors to the README's table: 14.4, 6,
// 3 and 1 over 30 days; 13.44, 5.6, 2.8 and 0.9333 over 28.
func TestBurnFactor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		window spec.Duration
		want   []float64
	}{
		{"30d", []float64{14.4, 6, 3, 1}},
		{"28d", []float64{13.44, 5.6, 2.8, 0.9333}},
	} {
		t.Run(string(tc.window), func(t *testing.T) {
			t.Parallel()
			if len(spec.BurnTiers) != len(tc.want) {
				t.Fatalf("%d tiers, want %d", len(spec.BurnTiers), len(tc.want))
			}
			for i, tier := range spec.BurnTiers {
				if got := alerting.BurnFactor(tier, tc.window); got != tc.want[i] {
					t.Errorf("%s: factor %v, want %v", tier.Name, got, tc.want[i])
				}
			}
		})
	}
}

// TestRuleNumbers checks that a burn rule's numbers are the ones it
// prints: its factor and the rounded budget, multiplied as numbers, with no
// trip through text between them.
func TestRuleNumbers(t *testing.T) {
	t.Parallel()
	s := &spec.Service{Name: "api", Team: "payments", Health: "/healthz", Metrics: spec.Metrics{Path: "/metrics", Port: 8080}}
	o := &spec.SLO{Name: "checkout", Objective: 99.9, Window: "28d", SLI: spec.SLI{Builtin: spec.SLIAvailability}}
	s.SLOs = []*spec.SLO{o}
	m := alerting.New(&spec.Model{Platform: &spec.Platform{Name: "acme", Repository: "acme/platform"}, Services: []*spec.Service{s}})
	svc := m.Service(s)
	if svc == nil || len(svc.SLOs) != 1 {
		t.Fatal("the model has no SLO of the service")
	}
	slo := svc.SLOs[0]
	if slo.Budget != 0.001 {
		t.Errorf("budget %v, want 0.001 (not %v)", slo.Budget, o.ErrorBudget())
	}
	if slo.Burn == nil || len(slo.Burn.Rules) != len(spec.BurnTiers) {
		t.Fatal("the SLO has no burn rule for each tier")
	}
	for _, r := range slo.Burn.Rules {
		if r.Threshold != r.Factor*slo.Budget {
			t.Errorf("%s: threshold %v, want %v × %v", r.Tier.Name, r.Threshold, r.Factor, slo.Budget)
		}
		if r.Factor != alerting.BurnFactor(*r.Tier, o.Window) {
			t.Errorf("%s: factor %v, want %v", r.Tier.Name, r.Factor, alerting.BurnFactor(*r.Tier, o.Window))
		}
	}
}
