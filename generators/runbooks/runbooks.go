// Package runbooks makes one Markdown runbook per alert, at the path every
// alert's runbook_url points to, an index of each service's runbooks beside
// them, and an index of the services. A runbook is written
// from the same alerting.Alert that the rule, its route and its dashboard panel
// are made from, so what it says an alert means, which queries it tells
// on-call to run and who it says is paged cannot drift from what fires.
//
// Runbooks are read at 3 am by someone who may not know the service: each one
// says what fired, what users notice, what to run and look at (with the real
// query and link for each environment, never a placeholder to fill in), what
// to try first, and who to call, in that order.
package runbooks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// IndexPath is the index of the services, each leading to its own index
// (ServiceIndexPath).
const IndexPath = spec.RunbooksDir + "/" + indexName

// Generator makes the runbooks and their indexes.
type Generator struct{}

func (Generator) Kind() string { return "runbooks" }

func (g Generator) Generate(in engine.Input) ([]engine.File, error) { return engine.Collect(in, g) }

// Stream hands over each service's runbooks as soon as they are written:
// at a thousand services they are near a hundred megabytes (see
// engine.Streamer).
func (Generator) Stream(in engine.Input, emit func([]engine.File)) error {
	m := in.Spec
	p := m.Platform
	if p.Teams[p.Owner] == nil {
		return fmt.Errorf("platform owner %q is not a team", p.Owner)
	}
	var services []*spec.Service
	for _, s := range m.Services {
		if p.Teams[s.Team] == nil {
			return fmt.Errorf("%s: team %q is not a team of the platform", s.Name, s.Team)
		}
		if in.Renders(s) {
			services = append(services, s)
		}
	}
	// Services are independent: write their runbooks in parallel. The
	// index of the services derives no alert and takes a millisecond.
	emit([]engine.File{{Path: IndexPath, Origins: indexOrigins(m), Data: index(m)}})
	errs := make([]error, len(services))
	parallel.For(len(services), func(i int) {
		files, err := serviceFiles(m, in.Alerting, services[i])
		if err != nil {
			errs[i] = err
			return
		}
		emit(files)
	})
	return errors.Join(errs...)
}

// serviceFiles are the runbooks of service s's alerts, its database's
// recovery page and their index.
func serviceFiles(m *spec.Model, am *alerting.Model, s *spec.Service) ([]engine.File, error) {
	alerts := am.Alerts(s)
	files := make([]engine.File, 0, len(alerts)+2)
	origins := runbookOrigins(m, s) // the same for every alert of s
	index := strings.ToLower(ServiceIndexPath(s))
	for _, a := range alerts {
		// Alert names are UpperCamelCase: a spec alert may be named
		// Readme, whose runbook would be the index on a case-insensitive
		// file system (macOS, Windows), or README, the index itself.
		if strings.ToLower(spec.RunbookPath(s, a.Name)) == index {
			return nil, fmt.Errorf("%s: the runbook of alert %s would be %s, the index of the service's runbooks; rename the alert", s.Source.Path, a.Name, spec.RunbookPath(s, a.Name))
		}
		files = append(files, engine.File{
			Path:    spec.RunbookPath(s, a.Name),
			Origins: origins,
			Data:    runbook(m, am, a),
			Service: s.Name,
		})
	}
	if s.Database != nil {
		files = append(files, engine.File{
			Path:    spec.DatabaseRunbookPath(s),
			Origins: databaseOrigins(m, s),
			Data:    databasePage(m, am, s),
			Service: s.Name,
		})
	}
	files = append(files, engine.File{
		Path:    ServiceIndexPath(s),
		Origins: serviceIndexOrigins(m, s),
		Data:    serviceIndex(m, am, s),
		Service: s.Name,
	})
	return files, nil
}

// runbookOrigins are what a runbook is made from: the service spec (its
// SLOs, database, alerts and team), every environment's alerting (which
// decides whether a page pages, and which Grafana the links point to) and
// the platform's name and teams (database identifiers, escalation).
func runbookOrigins(m *spec.Model, s *spec.Service) []engine.Origin {
	origins := []engine.Origin{{Spec: s.Source.Path}, {Spec: m.Platform.Source.Path, Fields: []string{"name", "owner", "teams"}}}
	for _, e := range m.Environments {
		origins = append(origins, engine.Origin{Spec: e.Source.Path, Fields: []string{"alerting"}})
	}
	return origins
}

// serviceIndexOrigins are what service s's index is made from: its spec
// (its alerts), the platform's teams (whom it names) and every
// environment's alerting, which sets the severities it lists.
func serviceIndexOrigins(m *spec.Model, s *spec.Service) []engine.Origin {
	origins := []engine.Origin{{Spec: s.Source.Path}, {Spec: m.Platform.Source.Path, Fields: []string{"teams"}}}
	for _, e := range m.Environments {
		origins = append(origins, engine.Origin{Spec: e.Source.Path, Fields: []string{"alerting"}})
	}
	return origins
}

// indexOrigins are every service spec's name and team, which the index of
// the services lists, and every environment's alerting (its Grafana, and
// whether it pages), which its text names.
func indexOrigins(m *spec.Model) []engine.Origin {
	origins := make([]engine.Origin, 0, len(m.Services)+len(m.Environments))
	for _, s := range m.Services {
		origins = append(origins, engine.Origin{Spec: s.Source.Path, Fields: []string{"name", "team"}})
	}
	for _, e := range m.Environments {
		origins = append(origins, engine.Origin{Spec: e.Source.Path, Fields: []string{"alerting"}})
	}
	return origins
}
