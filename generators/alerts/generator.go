package alerts

import (
	"errors"
	"fmt"
	"path"

	"github.com/groundwork-dev/groundwork/generators/engine"
	"github.com/groundwork-dev/groundwork/generators/spec"
	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// Dir holds, per environment, each service's rule file (the same groups
// Flux deploys as the service's PrometheusRule) and its promtool test.
const Dir = "alerts"

// RuleFilePath is the rule file of service s in environment e.
func RuleFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.rules.yaml", Dir, e.Name, s.Name)
}

// TestFilePath is the promtool test of service s in environment e.
func TestFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.test.yaml", Dir, e.Name, s.Name)
}

// SlowTestFilePath is the promtool test of the tiers with day-long windows.
func SlowTestFilePath(e *spec.Environment, s *spec.Service) string {
	return fmt.Sprintf("%s/%s/%s.slow.test.yaml", Dir, e.Name, s.Name)
}

// Generator makes the rule files and their promtool tests.
type Generator struct{}

func (Generator) Kind() string { return "alerts" }

// Generate renders each environment's and service's files in parallel: the
// tests take most of the time, and each pair is independent.
func (Generator) Generate(m *spec.Model) ([]engine.File, error) {
	type pair struct {
		e *spec.Environment
		s *spec.Service
	}
	var pairs []pair
	for _, e := range m.Environments {
		for _, s := range m.Services {
			pairs = append(pairs, pair{e, s})
		}
	}
	out := make([][]engine.File, len(pairs))
	errs := make([]error, len(pairs))
	parallel.For(len(pairs), func(i int) {
		out[i], errs[i] = files(m, pairs[i].e, pairs[i].s)
	})
	for _, s := range m.Services {
		if ds := nameMistakes(m, s); len(ds) > 0 {
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

// files are the rule file and tests of service s in environment e.
func files(m *spec.Model, e *spec.Environment, s *spec.Service) ([]engine.File, error) {
	origins := []engine.Origin{{Spec: s.Source.Path}, {Spec: e.Source.Path, Fields: []string{"alerting"}}, {Spec: m.Platform.Source.Path, Fields: []string{"repository"}}}
	rules, err := RuleFile(Groups(m, e, s))
	if err != nil {
		return nil, err
	}
	fast, slow, err := PromtoolTests(m, e, s, path.Base(RuleFilePath(e, s)))
	if err != nil {
		return nil, err
	}
	files := []engine.File{
		{Path: RuleFilePath(e, s), Origins: origins, Data: rules, Service: s.Name},
		{Path: TestFilePath(e, s), Origins: origins, Data: fast, Service: s.Name},
	}
	if slow != nil {
		files = append(files, engine.File{Path: SlowTestFilePath(e, s), Origins: origins, Data: slow, Service: s.Name})
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
