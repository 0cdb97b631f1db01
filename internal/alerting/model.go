// Package alerting is the observability model derived from the specs: per
// service its alerts (prose, rules with their numeric burn factors and
// thresholds, the dashboard panel each sends on-call to), per environment and
// service its Prometheus rule groups, and the names of labels, panels and
// recording rules that several generators share. As Sloth computes its
// multi-window alert groups as data before it writes a rule, the render
// builds this model once, with New, and hands it to every generator that
// needs it: the rule files, Flux's PrometheusRules, Alertmanager, the
// dashboards and the runbooks all read one value, so an alert, its route,
// its panel and its runbook cannot disagree, and no generator imports
// another.
//
// A Model is immutable once New returns (a service NewPartial leaves for
// later is derived once, on first use, to the same value; what it
// remembers for a render, a service's recording rules and what the
// producer check found of its queries, is what it would derive again):
// callers must not change what it returns, and it keeps nothing across
// renders.
package alerting

import (
	"sync"
	"time"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Model is the derived observability model of one spec model.
type Model struct {
	platform     *spec.Platform
	environments []*spec.Environment
	services     map[*spec.Service]*lazyService
	// shapes remembers the metric names of generated queries by shape,
	// for the render (see metricNames): *queryNames by string.
	shapes sync.Map
}

// lazyService derives one service once, when first asked for: a partial
// render's shared files ask every service for its alerts.
type lazyService struct {
	once sync.Once
	svc  *Service
}

// Service is what the model says of one service.
type Service struct {
	Spec *spec.Service
	// Alerts lists the service's alerts in a fixed order: SLO burn-rate
	// alerts in spec order, then the platform alerts, then the spec's own.
	Alerts []*Alert
	// SLOs are the service's SLOs in spec order.
	SLOs []*SLO
	// specMetrics are the metrics the spec's own queries name, and
	// specPatterns the selectors among them that choose metrics by
	// pattern: the producer of both is the spec (see Producer).
	specMetrics, specPatterns map[string]bool
	// checked is the producer check's memory of the service's queries,
	// made on first use (see producers).
	checkedOnce sync.Once
	checked     *checkedQueries
	// recorded are the SLOs' recording rules while environments are yet
	// to take them (see recordingsOf).
	recordedMu   sync.Mutex
	recorded     *recordedRules
	recordedLeft int
}

// SLO is an SLO with the numbers its rules, panels and runbooks print.
type SLO struct {
	Spec *spec.SLO
	// Budget is the error budget, 0.001 for 99.9, rounded to the ten
	// significant digits rules write (see Num): (100-99.9)/100 is
	// 0.000999…, and the rule compares with 0.001.
	Budget float64
	// Burn is the SLO's burn-rate alert; nil when both its tiers are off.
	Burn *Alert
}

// New derives the model of m. The render calls it once and passes the
// result to every generator.
func New(m *spec.Model) *Model { return NewPartial(m, nil) }

// NewPartial derives the model of m as New does, but derives at once only
// the services for which now is true (every service when now is nil); any
// other is derived the first time a generator asks for it, as a partial
// render's shared files may. The result is the same either way.
func NewPartial(m *spec.Model, now func(*spec.Service) bool) *Model {
	am := &Model{platform: m.Platform, environments: m.Environments, services: make(map[*spec.Service]*lazyService, len(m.Services))}
	var eager []*spec.Service
	for _, s := range m.Services {
		am.services[s] = &lazyService{}
		if now == nil || now(s) {
			eager = append(eager, s)
		}
	}
	// Services are independent: derive them in parallel, as the
	// generators that read them run.
	parallel.For(len(eager), func(i int) { am.service(eager[i]) })
	return am
}

// service returns the derived service s, deriving it on first use: its
// alerts and SLOs, and the storage alert's rules in every environment;
// nil for a service of another spec model.
func (m *Model) service(s *spec.Service) *Service {
	l := m.services[s]
	if l == nil {
		return nil
	}
	l.once.Do(func() {
		svc := newService(s)
		for _, a := range svc.Alerts {
			if a.Kind == KindDatabaseStorageLow {
				a.envRules = make(map[string][]*Rule, len(m.environments))
				for _, e := range m.environments {
					a.envRules[e.Name] = storageRules(m.platform, e, a)
				}
			}
		}
		l.svc = svc
	})
	return l.svc
}

// newService derives the alerts and SLOs of s, which are the same in every
// environment but for the storage alert's rules (see Alert.RulesIn).
func newService(s *spec.Service) *Service {
	svc := &Service{Spec: s}
	svc.specMetrics, svc.specPatterns = specMetrics(s)
	for _, o := range s.SLOs {
		slo := &SLO{Spec: o, Budget: round10(o.ErrorBudget())}
		if a := burnAlert(s, slo); len(a.Rules) > 0 {
			slo.Burn = a
			svc.Alerts = append(svc.Alerts, a)
		}
		svc.SLOs = append(svc.SLOs, slo)
	}
	svc.Alerts = append(svc.Alerts, platformAlerts(s)...)
	for _, sa := range s.Alerts {
		svc.Alerts = append(svc.Alerts, specAlert(s, sa))
	}
	return svc
}

// Service returns the model of service s of the spec model New was given;
// nil for any other.
func (m *Model) Service(s *spec.Service) *Service { return m.service(s) }

// Alerts lists the alerts of service s (see Service.Alerts).
func (m *Model) Alerts(s *spec.Service) []*Alert { return m.service(s).Alerts }

// Groups are the rule groups of service s in environment e (see
// buildGroups); the rule file and the PrometheusRule both write them. They
// are built for each caller, not kept: at a thousand services they are
// hundreds of megabytes, which a render would hold to its end, and a render
// asks for them twice (the PrometheusRule, the producer check).
func (m *Model) Groups(e *spec.Environment, s *spec.Service) []Group {
	svc := m.service(s)
	if svc == nil {
		return nil
	}
	return m.buildGroups(e, svc)
}

// Alert is one alert name of a service and everything said about it: the
// rules that fire it (one per burn tier, else one), what it means and how to
// look into it. It is the same in every environment but for severity and
// links, which Rules applies.
type Alert struct {
	Name    string
	Kind    string
	Service *spec.Service
	SLO     *spec.SLO   // KindBurn
	Budget  float64     // KindBurn: the SLO's error budget, as SLO.Budget
	Spec    *spec.Alert // KindSpec
	Summary string      // one sentence, the same for every rule of the alert
	Meaning string      // what firing means, for the runbook
	Impact  string      // what users notice, for the runbook
	// Diagnosis lists the PromQL to run first, each with what it shows.
	Diagnosis []Query
	// Mitigation lists first steps, most likely first.
	Mitigation []string
	// Panel is the title of the dashboard panel that shows the alert's
	// signal (see the Panel* names).
	Panel string
	// Rules are the alert's rules in every environment; the storage
	// alert's differ by environment, see RulesIn.
	Rules []*Rule
	// envRules are the storage alert's rules by environment name.
	envRules map[string][]*Rule
	// Signal is what the alert reads from a scheduled or external
	// producer (a job, a component of the infrastructure layer); nil when
	// the service or Prometheus produces all it reads. The alert then has
	// a rule more, Rule.Absent, that opens a ticket when the signal has
	// been absent for longer than the producer's period, unless
	// AbsentWatchedBy names the alert of the same service that does so
	// for the same producer.
	Signal          *Signal
	AbsentWatchedBy string
}

// Signal is the series an alert reads from a scheduled or external
// producer, whose absence means that the producer is broken, or never ran.
type Signal struct {
	Metric string
	// Selector picks the series of the alert's service; the storage
	// alert's names the instance as InstancePlaceholder, which each
	// environment's rule replaces with its own.
	Selector string
	Producer *Producer
}

// InstancePlaceholder stands, in a query the model writes for every
// environment, for the environment's RDS instance of the service.
const InstancePlaceholder = "<instance>"

// RulesIn are the rules of alert a in environment e.
func (a *Alert) RulesIn(e *spec.Environment) []*Rule {
	if a.Kind == KindDatabaseStorageLow {
		return a.envRules[e.Name]
	}
	return a.Rules
}

// Query is a PromQL query a runbook tells on-call to run.
type Query struct {
	Title string
	Expr  string
}

// Rule is one alerting rule of an alert.
type Rule struct {
	Expr     string
	For      time.Duration
	Severity string // before the environment's alerting.page
	Tier     *spec.BurnTier
	// Factor is a burn tier's burn-rate factor (see BurnFactor) and
	// Threshold the error ratio the rule fires above, Factor times the
	// SLO's Budget: the numbers the expression compares with, which tests,
	// panels and runbooks use as they are.
	Factor, Threshold float64
	Description       string
	// Absent marks the rule that fires when the alert's Signal has been
	// absent for longer than its producer's period: a ticket, labelled
	// LabelSignal=SignalAbsent.
	Absent bool
	// KeepFiringFor keeps the alert firing that long after its
	// expression stops returning a result (see keepFiringFor).
	KeepFiringFor time.Duration
}
