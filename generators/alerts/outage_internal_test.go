package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The outage the issue reports, in the model of the tiers that the outage
// test is written from: with keep_firing_for, one page, page-1h's, from
// +3m until after page-6h has stopped; without it, as Sloth's rules with the
// same inputs, page-1h pages from +3m until +13m and page-6h pages again from
// +16m (Sloth: +18m), after the traffic has recovered.
func TestOutageModel(t *testing.T) {
	t.Parallel()
	m, err := spec.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	api := m.Service("api")
	a := alerting.New(m).Service(api).SLOs[0].Burn
	op, err := newPlanner(false).planOutage(a, rulesKey(a.Rules), nil)
	if err != nil {
		t.Fatal(err)
	}
	fast, slow := op.spans[0], op.spans[1]
	if fast[0] != 3*time.Minute || slow[0] <= fast[0] || slow[1] >= fast[1] {
		t.Errorf("page-1h fires %v, page-6h %v: page-1h should fire from +3m and outlast page-6h", fast, slow)
	}

	// The same rules without keep_firing_for.
	rules := make([]*alerting.Rule, len(a.Rules))
	for i, r := range a.Rules {
		c := *r
		c.KeepFiringFor = 0
		rules[i] = &c
	}
	bare := *a
	bare.Rules = rules
	_, err = newPlanner(false).planOutage(&bare, rulesKey(bare.Rules), nil)
	if err == nil || !strings.Contains(err.Error(), "pages with page-1h, then again with page-6h at +16m") {
		t.Errorf("without keep_firing_for the model gives %v; want page-1h, then page-6h again at +16m", err)
	}

	// A 95% objective: ten minutes of errors out of an hour and ten spend
	// too little of its budget for either page tier, which is one page at
	// most, and no mistake.
	low := *api
	o := *api.SLOs[0]
	o.Objective = 95
	low.SLOs = []*spec.SLO{&o}
	lm := *m
	lm.Services = []*spec.Service{&low}
	lowBurn := alerting.New(&lm).Service(&low).SLOs[0].Burn
	op, err = newPlanner(false).planOutage(lowBurn, rulesKey(lowBurn.Rules), nil)
	if err != nil {
		t.Fatal(err)
	}
	if op.spans[0][0] >= 0 || op.spans[1][0] >= 0 {
		t.Errorf("a 10m outage pages a 95%% objective: %v", op.spans)
	}
}
