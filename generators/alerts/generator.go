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

// Dir holds the proof, per environment: each service's rule groups, as its
// PrometheusRule deploys them, and their promtool tests.
const Dir = "alerts"

// RuleFilePath is the copy of service s's rule groups in environment e that
// its promtool tests load.
func RuleFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.rules.yaml", Dir, e.Name, s.Name)
}

// testFilePath is the promtool test of service s in environment e.
func testFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.test.yaml", Dir, e.Name, s.Name)
}

// slowTestFilePath is the promtool test of the tiers with day-long windows.
func slowTestFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.slow.test.yaml", Dir, e.Name, s.Name)
}

// Generator makes the proof of the alerts: per environment and service, a
// copy of the rule groups the service's PrometheusRule deploys and the
// promtool tests of every alert in them. It is not among the generators of
// `generate`: the tests are proof, not something Flux, Actions or a
// reviewer consumes, and they were most of the committed output (about
// 250 KB a service). `groundwork proof`, make test and the generated CI
// render it into a scratch folder from the same model and run promtool
// there. Its paths stay under alerts/, so that a proof folder reads like the
// tree it proves.
type Generator struct{}

func (Generator) Kind() string { return "alerts" }

// Check works out every service's tests, as the proof does, and returns
// the spec mistakes that would leave an alert without a test (a query no
// series can take across its threshold, an SLI whose ratio is not one of
// counters, a rule named twice, a metric nothing produces). `generate` runs
// it, so that a spec whose alerts cannot be proven is refused there, with
// its file:line:col, and not first in CI. A partial render checks the
// services in its scope: what the others' tests depend on (their own spec,
// the shared specs) is as it was in the last clean run, which checked them.
func Check(in engine.Input) error {
	_, err := plan(in, false)
	return err
}

// plan works out, per service, the tests that every environment shares
// (the series and checks of each burn tier and spec alert, which take most
// of the time), in parallel; with series, the plans carry what the test
// files print (see planner.series). What is worked out lives in this call
// alone: nothing is kept for the next render.
func plan(in engine.Input, series bool) ([]*servicePlan, error) {
	m, am := in.Spec, in.Alerting
	var services []*spec.Service
	for _, s := range m.Services {
		if in.Scope.Has(s.Name) {
			services = append(services, s)
		}
	}
	pl := newPlanner(series)
	plans := make([]*servicePlan, len(services))
	errs := make([]error, len(services))
	parallel.For(len(services), func(i int) {
		plans[i] = pl.plan(am.Service(services[i]))
		errs[i] = unproduced(m, am, services[i])
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, p := range plans {
		switch {
		case len(p.mistakes) > 0:
			errs = append(errs, p.mistakes)
		case p.failure != nil:
			errs = append(errs, p.failure)
		}
	}
	for _, s := range services {
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
	return plans, nil
}

// Generate writes each environment's and service's rule file and tests
// from the plans, in parallel.
func (Generator) Generate(in engine.Input) ([]engine.File, error) {
	plans, err := plan(in, true)
	if err != nil {
		return nil, err
	}
	m, am := in.Spec, in.Alerting
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
	if err := errors.Join(errs...); err != nil {
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
	rulePath := RuleFilePath(e, s)
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
