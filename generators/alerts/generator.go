package alerts

import (
	"errors"
	"fmt"
	"path"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// testFilePath is the promtool test of service s in environment e.
func testFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.test.yaml", alerting.RulesDir, e.Name, s.Name)
}

// slowTestFilePath is the promtool test of the tiers with day-long windows.
func slowTestFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.slow.test.yaml", alerting.RulesDir, e.Name, s.Name)
}

// Generator makes the rule files and their promtool tests.
type Generator struct{}

func (Generator) Kind() string { return "alerts" }

// Generate works out, per service, the tests that every environment shares
// (the series and checks of each burn tier and spec alert, which take most
// of the time), then writes each environment's and service's rule file and
// tests; both steps in parallel. What is worked out lives in this call
// alone: nothing is kept for the next render.
func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	m, am := in.Spec, in.Alerting
	pl := newPlanner()
	plans := make([]*servicePlan, len(m.Services))
	produced := make([]error, len(m.Services))
	parallel.For(len(m.Services), func(i int) {
		plans[i] = pl.plan(am.Service(m.Services[i]))
		produced[i] = unproduced(m, am, m.Services[i])
	})
	if err := errors.Join(produced...); err != nil {
		return nil, err
	}
	type pair struct {
		e    *spec.Environment
		plan *servicePlan
	}
	var pairs []pair
	for _, e := range m.Environments {
		for _, p := range plans {
			pairs = append(pairs, pair{e, p})
		}
	}
	out := make([][]engine.File, len(pairs))
	errs := make([]error, len(pairs))
	parallel.For(len(pairs), func(i int) {
		out[i], errs[i] = files(m, am, pairs[i].e, pairs[i].plan)
	})
	for _, s := range m.Services {
		if ds := nameMistakes(am, s); len(ds) > 0 {
			errs = append(errs, ds)
		}
	}
	if ds := dashboardMistakes(m); len(ds) > 0 {
		errs = append(errs, ds)
	}
	if err := joinDiagnostics(errs); err != nil {
		return nil, err
	}
	var all []engine.File
	for _, fs := range out {
		all = append(all, fs...)
	}
	return all, nil
}

// files are the rule file and tests of a service in environment e.
func files(m *spec.Model, am *alerting.Model, e *spec.Environment, plan *servicePlan) ([]engine.File, error) {
	s := plan.svc.Spec
	origins := []engine.Origin{{Spec: s.Source.Path}, {Spec: e.Source.Path, Fields: []string{"alerting"}}, {Spec: m.Platform.Source.Path, Fields: alerting.PlatformFields(e)}}
	rulePath := alerting.RuleFilePath(e, s)
	rules, err := RuleFile(am.Groups(e, s))
	if err != nil {
		return nil, err
	}
	fast, slow, outage, err := promtoolTests(m, am, e, plan, path.Base(rulePath))
	if err != nil {
		return nil, err
	}
	files := []engine.File{
		{Path: rulePath, Origins: origins, Data: rules, Service: s.Name},
		{Path: testFilePath(e, s), Origins: origins, Data: fast, Service: s.Name},
	}
	if slow != nil {
		files = append(files, engine.File{Path: slowTestFilePath(e, s), Origins: origins, Data: slow, Service: s.Name})
	}
	if outage != nil {
		files = append(files, engine.File{Path: outageFilePath(e, s), Origins: origins, Data: outage, Service: s.Name})
	}
	return files, nil
}

// joinDiagnostics merges the spec mistakes found in each environment, which
// repeat one another, into one list; any other error wins.
func joinDiagnostics(errs []error) error {
	var all spec.Diagnostics
	seen := map[string]bool{}
	for _, err := range errs {
		var ds spec.Diagnostics
		switch {
		case err == nil:
		case errors.As(err, &ds):
			for _, d := range ds {
				if !seen[d.String()] {
					seen[d.String()] = true
					all = append(all, d)
				}
			}
		default:
			return err
		}
	}
	if len(all) > 0 {
		return all
	}
	return nil
}
