package alerting

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/groundwork-dev/groundwork/backend/metrics"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// An alert on a metric that nothing deploys stays quiet while it looks like
// coverage. The catalogue below says, for every metric a generated rule,
// alert or dashboard names, what produces it; a generated query that names
// a metric no producer of its environment makes fails generation
// (Unproduced), and an alert whose producer is scheduled or external fires
// a ticket of its own when that producer's series have been absent for
// longer than it may be quiet (Signal).

// ProducerKind says what kind of thing produces a metric: who deploys it,
// and who notices when it stops.
type ProducerKind string

const (
	// ProducedByService: the service's own pods, instrumented with
	// backend/metrics, scraped through the ServiceMonitor of its apps/
	// folder. TargetDown sees them stop.
	ProducedByService ProducerKind = "service"
	// ProducedByPrometheus: Prometheus itself, which records up for every
	// target and the recording rules of the service's rule file. Its own
	// death is kube-prometheus-stack's Watchdog's to report.
	ProducedByPrometheus ProducerKind = "prometheus"
	// ProducedByComponent: a component that the environment's
	// infrastructure layer installs as a HelmRelease.
	ProducedByComponent ProducerKind = "component"
	// ProducedByJob: a program the platform runs on a schedule, which
	// pushes its results to the Pushgateway.
	ProducedByJob ProducerKind = "job"
	// ProducedBySpec: a metric that the service spec's own queries name
	// (custom SLIs, spec alerts). The service's team deploys what exports
	// it; Groundwork neither knows nor watches it.
	ProducedBySpec ProducerKind = "spec"
)

// Producer is what makes a metric.
type Producer struct {
	Kind ProducerKind
	// Name says who produces the metric, as a sentence names it, and
	// Detail how, for a runbook's table (see Describe).
	Name, Detail string
	// Release is, for a component, the HelmRelease (in the monitoring
	// namespace of the infrastructure layer) that installs it.
	Release string
	// Job is, for a job, the CronJob of service s that runs it.
	Job func(s *spec.Service) string
	// Period is, for a component or a job, how long its series of
	// service s may be absent while it works: absent for longer, it is
	// broken (see Signal).
	Period func(s *spec.Service) time.Duration
	// Fix lists, for a component or a job, what to check when its series
	// are absent, most likely first.
	Fix func(s *spec.Service) []string
	// deployed reports whether an environment of m deploys the producer;
	// nil for one that every environment has.
	deployed func(m *spec.Model) bool
}

// External reports whether the producer is scheduled or external to the
// service and to Prometheus: its absence is seen only by an alert of its
// own.
func (p *Producer) External() bool {
	return p.Kind == ProducedByComponent || p.Kind == ProducedByJob
}

// Deployed reports whether the environments of m deploy the producer.
// Every environment of a model deploys the same infrastructure: what
// depends on the services (the Pushgateway, the CloudWatch exporter)
// depends on whether any has a database, which is the same everywhere.
func (p *Producer) Deployed(m *spec.Model) bool { return p.deployed == nil || p.deployed(m) }

// HasDatabase reports whether a service of m has a database: the
// environments of m then run the Pushgateway its jobs push to and the
// CloudWatch exporter that watches its RDS instance.
func HasDatabase(m *spec.Model) bool {
	return slices.ContainsFunc(m.Services, func(s *spec.Service) bool { return s.Database != nil })
}

// kubePrometheusStack is the release that installs Prometheus,
// kube-state-metrics, node-exporter and the kubelet's scrape config.
const kubePrometheusStack = spec.PrometheusStackRelease

// Periods of the external producers.
const (
	// ksmPeriod: kube-prometheus-stack scrapes kube-state-metrics every
	// 30s; ten minutes without a series of a namespace is not a restart.
	ksmPeriod = 10 * time.Minute
	// cloudWatchPeriod: the exporter reads CloudWatch every
	// CloudWatchInterval, a statistic of the last CloudWatchLength;
	// thirty minutes is six reads in a row that returned nothing.
	cloudWatchPeriod = 30 * time.Minute
)

// The CloudWatch exporter's reads: every CloudWatchInterval it asks for
// each metric's statistic over periods of CloudWatchPeriod seconds in the
// last CloudWatchLength seconds, and exports the newest. RDS publishes its
// metrics every minute, a few minutes late.
const (
	CloudWatchInterval = 5 * time.Minute
	CloudWatchPeriod   = 300
	CloudWatchLength   = 600
)

var (
	kubeStateMetrics = &Producer{
		Kind:    ProducedByComponent,
		Name:    "kube-state-metrics",
		Detail:  "which kube-prometheus-stack installs",
		Release: kubePrometheusStack,
		Period:  func(*spec.Service) time.Duration { return ksmPeriod },
		Fix: func(s *spec.Service) []string {
			return []string{
				fmt.Sprintf("`kubectl -n %s get pods -l app.kubernetes.io/name=kube-state-metrics`: it should be Running and ready; its logs say why not.", spec.MonitoringNamespace),
				"`up{job=\"kube-state-metrics\"}` in Prometheus: 0 or nothing means Prometheus cannot scrape it (its ServiceMonitor, a network policy).",
				fmt.Sprintf("`kubectl get namespace %s`: the series are per namespace, and a namespace Flux has not created yet has none.", spec.Namespace(s)),
			}
		},
	}
	kubelet = &Producer{
		Kind:    ProducedByComponent,
		Name:    "the kubelet's cAdvisor",
		Detail:  "which kube-prometheus-stack scrapes",
		Release: kubePrometheusStack,
	}
	nodeExporter = &Producer{
		Kind:    ProducedByComponent,
		Name:    "node-exporter",
		Detail:  "which kube-prometheus-stack installs",
		Release: kubePrometheusStack,
	}
	pushgateway = &Producer{
		Kind:     ProducedByComponent,
		Name:     "the Pushgateway",
		Detail:   "for every group pushed to it",
		Release:  spec.PushgatewayName,
		deployed: HasDatabase,
	}
	cloudWatchExporter = &Producer{
		Kind:     ProducedByComponent,
		Name:     "the CloudWatch exporter (YACE)",
		Detail:   "reading the RDS instance's metrics from CloudWatch",
		Release:  spec.CloudWatchExporterName,
		deployed: HasDatabase,
		Period:   func(*spec.Service) time.Duration { return cloudWatchPeriod },
		Fix: func(*spec.Service) []string {
			ns, name := spec.MonitoringNamespace, spec.CloudWatchExporterName
			return []string{
				fmt.Sprintf("`kubectl -n %s get pods -l app.kubernetes.io/instance=%s`: it should be Running and ready.", ns, name),
				fmt.Sprintf("`kubectl -n %s logs deploy/%s`: an AccessDenied names the action its IAM role (Terraform, module iam, cloudwatch_exporter) lacks; no datapoints means CloudWatch has none for the instance (a wrong identifier, an instance not created yet).", ns, name),
				fmt.Sprintf("`flux -n %s get helmreleases %s`: a release that failed to install or upgrade runs nothing.", ns, name),
				"`up{job=\"" + name + "\"}` in Prometheus: 0 or nothing means Prometheus cannot scrape it.",
			}
		},
	}
	backupJob = &Producer{
		Kind:     ProducedByJob,
		Name:     "the backup CronJob",
		Detail:   "running pgops backup, through the Pushgateway",
		Job:      spec.BackupJobName,
		deployed: HasDatabase,
		Period:   func(s *spec.Service) time.Duration { return s.Database.Backup.MaxAge.Value() },
		Fix: func(s *spec.Service) []string {
			ns, job := spec.Namespace(s), spec.BackupJobName(s)
			return []string{
				noJobs(ns, job),
				fmt.Sprintf("`kubectl -n %s describe cronjob %s`: its last schedule time and events say whether it ran; `kubectl -n %s get jobs` lists its runs, whose logs end with what failed.", ns, job, ns),
				fmt.Sprintf("If runs complete, the push did not arrive: `kubectl -n %s get pods` for %s, and the network policy that lets the jobs reach it.", spec.MonitoringNamespace, spec.PushgatewayName),
			}
		},
	}
	drillJob = &Producer{
		Kind:     ProducedByJob,
		Name:     "the restore drill CronJob",
		Detail:   "running pgops drill, through the Pushgateway",
		Job:      spec.DrillJobName,
		deployed: HasDatabase,
		Period:   func(s *spec.Service) time.Duration { return s.Database.Drill.MaxAge.Value() },
		Fix: func(s *spec.Service) []string {
			ns, job := spec.Namespace(s), spec.DrillJobName(s)
			return []string{
				noJobs(ns, job),
				fmt.Sprintf("`kubectl -n %s describe cronjob %s`: its last schedule time and events say whether it ran; `kubectl -n %s get jobs` lists its runs, whose logs end with the drill's report.", ns, job, ns),
				fmt.Sprintf("If drills complete, the push did not arrive: `kubectl -n %s get pods` for %s, and the network policy that lets the jobs reach it.", spec.MonitoringNamespace, spec.PushgatewayName),
			}
		},
	}
	serviceItself = &Producer{
		Kind:   ProducedByService,
		Name:   "the service's own pods",
		Detail: "instrumented with backend/metrics, scraped through its ServiceMonitor",
	}
	prometheusItself = &Producer{
		Kind:    ProducedByPrometheus,
		Name:    "Prometheus itself",
		Detail:  "for every target it scrapes",
		Release: kubePrometheusStack,
	}
	recordingRules = &Producer{
		Kind: ProducedByPrometheus,
		Name: "the recording rules of the service's rule file",
	}
	specQueries = &Producer{
		Kind:   ProducedBySpec,
		Name:   "the service spec's own queries",
		Detail: "its team deploys what exports it",
	}
)

// catalogue maps the metrics that generated queries name, beside the
// service's own (backend/metrics) and the recording rules, to their
// producers. Nothing but this list may name a metric of the cluster or of
// the cloud: a new alert on one adds its line here, with who deploys it.
var catalogue = map[string]*Producer{
	"up": prometheusItself,

	// kube-state-metrics: objects of the Kubernetes API.
	"kube_pod_status_ready":                    kubeStateMetrics,
	"kube_pod_container_status_waiting_reason": kubeStateMetrics,
	"kube_pod_container_status_restarts_total": kubeStateMetrics,
	"kube_namespace_status_phase":              kubeStateMetrics,
	"kube_deployment_status_replicas":          kubeStateMetrics,

	// The kubelet (cAdvisor) and node-exporter.
	"container_cpu_usage_seconds_total":  kubelet,
	"container_memory_working_set_bytes": kubelet,
	"node_filesystem_avail_bytes":        nodeExporter,

	// The Pushgateway's own series: when it last received each group.
	"push_time_seconds": pushgateway,

	// The database jobs (backend/cmd/pgops).
	spec.MetricBackupLastSuccess:  backupJob,
	spec.MetricBackupSize:         backupJob,
	spec.MetricBackupDuration:     backupJob,
	spec.MetricBackupLastFailure:  backupJob,
	spec.MetricDrillLastSuccess:   drillJob,
	spec.MetricDrillLastFailure:   drillJob,
	spec.MetricDrillDuration:      drillJob,
	spec.MetricDrillRPO:           drillJob,
	spec.MetricDrillLastRunPassed: drillJob,

	// CloudWatch, through the exporter.
	spec.RDSFreeStorage.Series: cloudWatchExporter,
}

// recorded are the names of the recording rules every SLO writes.
var recorded = func() map[string]bool {
	out := map[string]bool{recordBadEvents: true, recordTotalEvents: true, recordObjective: true,
		RecordErrorBudget: true, RecordPeriodError: true, RecordBudgetRemaining: true}
	for _, w := range Windows() {
		out[RecordErrorRatio(w)] = true
	}
	return out
}()

// Producer is what produces metric for service s: a metric the service
// spec names is the spec's, whatever else also exports it; nil when
// nothing does.
func (m *Model) Producer(s *spec.Service, metric string) *Producer {
	if svc := m.service(s); svc != nil && svc.specMetrics[metric] {
		return specQueries
	}
	if p, ok := catalogue[metric]; ok {
		return p
	}
	if recorded[metric] {
		return recordingRules
	}
	if metrics.Exported(metric) {
		return serviceItself
	}
	return nil
}

// MetricNames are the metric names expr selects, sorted: the names of its
// vector selectors and their __name__ equality matchers. patterns are the
// selectors that choose metrics by a regular expression, which no
// catalogue can answer for.
//
// It reads the tokens of Prometheus's own lexer rather than building the
// parser's tree: every render checks every generated query, and the tree
// costs ten times as much, most of it compiling the regular expressions of
// label matchers that the names do not depend on. A name is an identifier
// outside braces that is neither a function (followed by a parenthesis) nor
// a label of a grouping clause (by, without, on, ignoring, group_left,
// group_right); inside braces, __name__'s value. The tests read the
// rendered tree with the parser itself (generators/producers_test.go).
func MetricNames(expr string) (names, patterns []string, err error) {
	items, err := lex(expr)
	if err != nil {
		return nil, nil, err
	}
	names, patterns = namesIn(items)
	return names, patterns, nil
}

// lex is expr's tokens, without comments.
func lex(expr string) ([]parser.Item, error) {
	var items []parser.Item
	l := parser.Lex(expr)
	for {
		var it parser.Item
		l.NextItem(&it)
		if it.Typ == parser.EOF {
			return items, nil
		}
		if it.Typ == parser.ERROR {
			return nil, fmt.Errorf("%s at position %d", it.Val, it.Pos)
		}
		if it.Typ != parser.COMMENT {
			items = append(items, it)
		}
	}
}

// namesIn are the metric names and patterns of a query's tokens (see
// MetricNames).
func namesIn(items []parser.Item) (names, patterns []string) {
	braces, grouping := 0, false
	for i := 0; i < len(items); i++ {
		it := items[i]
		switch it.Typ {
		case parser.LEFT_BRACE:
			braces++
		case parser.RIGHT_BRACE:
			braces--
		case parser.BY, parser.WITHOUT, parser.ON, parser.IGNORING, parser.GROUP_LEFT, parser.GROUP_RIGHT:
			grouping = i+1 < len(items) && items[i+1].Typ == parser.LEFT_PAREN
		case parser.RIGHT_PAREN:
			grouping = false
		case parser.IDENTIFIER, parser.METRIC_IDENTIFIER:
			switch {
			case braces > 0 && it.Val == model.MetricNameLabel && i+2 < len(items):
				op, val := items[i+1], items[i+2]
				if op.Typ == parser.EQL && val.Typ == parser.STRING {
					names = append(names, unquote(val.Val))
				} else {
					patterns = append(patterns, selectorAround(items, i))
				}
			case braces > 0, grouping:
			case i+1 < len(items) && items[i+1].Typ == parser.LEFT_PAREN: // a function
			default:
				names = append(names, it.Val)
			}
		}
	}
	slices.Sort(names)
	slices.Sort(patterns)
	return slices.Compact(names), slices.Compact(patterns)
}

// queryNames are the metric names and patterns of one query.
type queryNames struct{ names, patterns []string }

// metricNames is MetricNames(expr) for a generated query of service s
// (nil for none), remembered for the render under expr's Shape. The
// generated queries of two services differ, most of them, only in label
// values that are the service's name, and lexing each again was most of
// the producer check of a render: a thousand services' rules in four
// environments are 16 MB of PromQL.
//
// A shape is remembered only when the tokens of the query that made it
// prove that the name takes no part in the result: the name is only inside
// strings (see Shape), and no name or pattern found holds it. A query of
// the same shape then has the same tokens but for those strings, and the
// same names and patterns. Anything else, an error included, is worked out
// for the query itself.
func (m *Model) metricNames(s *spec.Service, expr string) ([]string, []string, error) {
	if s == nil {
		return MetricNames(expr)
	}
	shape, ok := Shape(expr, s.Name)
	if !ok {
		return MetricNames(expr)
	}
	if v, ok := m.shapes.Load(shape); ok {
		q := v.(*queryNames)
		return q.names, q.patterns, nil
	}
	items, err := lex(expr)
	if err != nil {
		return nil, nil, err
	}
	names, patterns := namesIn(items)
	if inStringsOnly(expr, s.Name, items) && !slices.ContainsFunc(append(slices.Clone(names), patterns...), func(n string) bool { return strings.Contains(n, s.Name) }) {
		m.shapes.Store(shape, &queryNames{names, patterns})
	}
	return names, patterns, nil
}

// unquote is a string token's value.
func unquote(s string) string {
	if v, err := strconv.Unquote(s); err == nil {
		return v
	}
	return strings.Trim(s, "'\"`")
}

// selectorAround is the text of the braces around token i, for a message.
func selectorAround(items []parser.Item, i int) string {
	from, to := i, i
	for from > 0 && items[from].Typ != parser.LEFT_BRACE {
		from--
	}
	for to < len(items)-1 && items[to].Typ != parser.RIGHT_BRACE {
		to++
	}
	var b strings.Builder
	for _, it := range items[from : to+1] {
		b.WriteString(it.Val)
	}
	return b.String()
}

// specMetrics are the metrics that the queries of service s's spec name
// (custom SLIs, spec alerts), and the selectors among them that choose
// metrics by pattern: they are the spec's, its team's to produce.
func specMetrics(s *spec.Service) (map[string]bool, map[string]bool) {
	var qs []string
	for _, o := range s.SLOs {
		if !o.SLI.Custom() {
			continue
		}
		for _, q := range []string{o.SLI.Errors, o.SLI.Total} {
			if r, err := spec.RenderSLIQuery(q, "5m"); err == nil { // validation has rendered every custom query
				qs = append(qs, r)
			}
		}
	}
	for _, a := range s.Alerts {
		qs = append(qs, a.Expr)
	}
	names, patterns := map[string]bool{}, map[string]bool{}
	for _, q := range qs {
		ns, ps, err := MetricNames(q)
		if err != nil {
			continue // validation has parsed every query of the spec
		}
		for _, n := range ns {
			names[n] = true
		}
		for _, p := range ps {
			patterns[p] = true
		}
	}
	return names, patterns
}

// Query is one generated query to check: where it is, for the message, and
// its PromQL.
type CheckedQuery struct {
	Where string // e.g. rule ApiTargetDown (group api-alerts) of environments/prod/flux/apps/api/prometheusrule.yaml
	Expr  string
}

// Unproduced checks that every metric the queries of service s name has a
// producer that environments of m deploy, or is the spec's own; it returns
// one error per query and metric that has none, naming both. A query is
// checked once however many times it is given, its metrics read as
// metricNames remembers them. A generated query that selects metrics by
// pattern is refused too: no catalogue can say what produces it.
func (m *Model) Unproduced(sm *spec.Model, s *spec.Service, queries []CheckedQuery) []error {
	c := m.producers(sm, s)
	var errs []error
	for _, q := range queries {
		if u := c.check(q.Expr); u.fails() {
			errs = u.errors(errs, s, q.Where, q.Expr)
		}
	}
	return errs
}

// UnproducedRules is Unproduced of the queries of service s's rules in
// every environment and of its runbooks' diagnosis. Where a query is is
// written only for one that fails: a thousand services have 300,000 of
// them, most the same rule in another environment.
func (m *Model) UnproducedRules(sm *spec.Model, s *spec.Service) []error {
	return m.unproducedOf(sm, s, func(f func(ruleQuery)) { m.ruleQueries(sm, s, f) })
}

// UnproducedGroups is UnproducedRules of the rules gs alone, the groups
// Groups built for service s in environment e: the generator that writes
// them checks them as it builds them (flux, for the PrometheusRule), so
// that a render does not build every group twice (at a thousand services,
// a tenth of a full render's time).
func (m *Model) UnproducedGroups(sm *spec.Model, s *spec.Service, e *spec.Environment, gs []Group) []error {
	return m.unproducedOf(sm, s, func(f func(ruleQuery)) { groupQueries(e, s, gs, f) })
}

// UnproducedRunbooks is UnproducedRules of the queries of service s's
// runbooks' diagnosis alone; with UnproducedGroups of every environment's
// groups, it is UnproducedRules.
func (m *Model) UnproducedRunbooks(sm *spec.Model, s *spec.Service) []error {
	return m.unproducedOf(sm, s, func(f func(ruleQuery)) { m.diagnosisQueries(s, f) })
}

// unproducedOf is Unproduced of the queries each calls f with.
func (m *Model) unproducedOf(sm *spec.Model, s *spec.Service, each func(f func(ruleQuery))) []error {
	c := m.producers(sm, s)
	var errs []error
	each(func(q ruleQuery) {
		if u := c.check(q.expr); u.fails() {
			errs = u.errors(errs, s, q.where(), q.expr)
		}
	})
	return errs
}

// producerCheck checks the queries of one service (see Unproduced).
type producerCheck struct {
	m       *Model
	sm      *spec.Model
	s       *spec.Service
	svc     *Service
	checked *checkedQueries
}

// checkedQueries remembers what is wrong with each query of one service
// checked against one spec model: the same whatever environment's rules
// hold it, so the PrometheusRule of every environment and the runbooks,
// which ask about the same queries, have each worked out once.
type checkedQueries struct {
	sm *spec.Model
	mu sync.Mutex
	by map[string]*unproducedQuery
}

func (m *Model) producers(sm *spec.Model, s *spec.Service) *producerCheck {
	c := &producerCheck{m: m, sm: sm, s: s, svc: m.service(s)}
	if c.svc != nil {
		c.svc.checkedOnce.Do(func() { c.svc.checked = &checkedQueries{sm: sm, by: map[string]*unproducedQuery{}} })
		c.checked = c.svc.checked
	}
	if c.checked == nil || c.checked.sm != sm {
		c.checked = &checkedQueries{sm: sm, by: map[string]*unproducedQuery{}}
	}
	return c
}

// unproducedQuery is what is wrong with a query, wherever it is.
type unproducedQuery struct {
	err      error    // it does not lex
	patterns []string // its selectors by pattern that are not the spec's
	metrics  []unproducedMetric
}

// unproducedMetric is a metric of a query that the environments lack: its
// producer is nil when nothing makes it.
type unproducedMetric struct {
	name     string
	producer *Producer
}

// clean is what is wrong with a query when nothing is: shared.
var clean = &unproducedQuery{}

// check is what is wrong with query expr, worked out once.
func (c *producerCheck) check(expr string) *unproducedQuery {
	c.checked.mu.Lock()
	u, ok := c.checked.by[expr]
	c.checked.mu.Unlock()
	if ok {
		return u
	}
	u = c.work(expr)
	if !u.fails() {
		u = clean
	}
	c.checked.mu.Lock()
	c.checked.by[expr] = u
	c.checked.mu.Unlock()
	return u
}

// work works out what is wrong with query expr.
func (c *producerCheck) work(expr string) *unproducedQuery {
	u := &unproducedQuery{}
	var names, patterns []string
	names, patterns, u.err = c.m.metricNames(c.s, expr)
	for _, pat := range patterns {
		if c.svc == nil || !c.svc.specPatterns[pat] {
			u.patterns = append(u.patterns, pat)
		}
	}
	for _, n := range names {
		if pr := c.m.Producer(c.s, n); pr == nil || !pr.Deployed(c.sm) {
			u.metrics = append(u.metrics, unproducedMetric{n, pr})
		}
	}
	return u
}

func (u *unproducedQuery) fails() bool {
	return u.err != nil || len(u.patterns) > 0 || len(u.metrics) > 0
}

// errors adds to errs those of query expr of service s, which is where.
func (u *unproducedQuery) errors(errs []error, s *spec.Service, where, expr string) []error {
	if u.err != nil {
		return append(errs, fmt.Errorf("%s: %q does not parse: %w", where, expr, u.err))
	}
	for _, pat := range u.patterns {
		errs = append(errs, fmt.Errorf("%s: %s selects metrics by a pattern, so no producer can be known for them; name the metrics", where, pat))
	}
	for _, um := range u.metrics {
		if um.producer == nil {
			spec := "no service spec names it"
			if s != nil {
				spec = s.Source.Path + " does not name it"
			}
			errs = append(errs, fmt.Errorf("%s names metric %s, which nothing produces: no service, job, component or recording rule of the catalogue (internal/alerting/producers.go) exports it, and %s", where, um.name, spec))
		} else {
			errs = append(errs, fmt.Errorf("%s names metric %s, produced by %s, which these environments do not deploy", where, um.name, um.producer.Name))
		}
	}
	return errs
}

// ruleQuery is a query of a service's rules or runbooks.
type ruleQuery struct {
	expr string
	// Of a rule: the environment, the group and the rule; of a runbook:
	// the alert and its query.
	env   *spec.Environment
	svc   *spec.Service
	group *Group
	rule  *ruleNode
	alert *Alert
	query *Query
}

// ruleQueries calls f with each query of service s's rules in every
// environment and of its runbooks' diagnosis.
func (m *Model) ruleQueries(sm *spec.Model, s *spec.Service, f func(ruleQuery)) {
	for _, e := range sm.Environments {
		groupQueries(e, s, m.Groups(e, s), f)
	}
	m.diagnosisQueries(s, f)
}

// groupQueries calls f with each query of the rules gs of service s in
// environment e.
func groupQueries(e *spec.Environment, s *spec.Service, gs []Group, f func(ruleQuery)) {
	for i := range gs {
		for _, r := range gs[i].Rules {
			f(ruleQuery{expr: r.Expr, env: e, svc: s, group: &gs[i], rule: r})
		}
	}
}

// diagnosisQueries calls f with each query of service s's runbooks'
// diagnosis.
func (m *Model) diagnosisQueries(s *spec.Service, f func(ruleQuery)) {
	for _, a := range m.Alerts(s) {
		for i := range a.Diagnosis {
			f(ruleQuery{expr: a.Diagnosis[i].Expr, alert: a, query: &a.Diagnosis[i]})
		}
	}
}

// where says where q is, for a message: e.g. rule ApiTargetDown (group
// api-alerts) of environments/prod/flux/apps/api/prometheusrule.yaml.
func (q ruleQuery) where() string {
	if q.alert != nil {
		return fmt.Sprintf("the runbook of %s (query %q)", q.alert.Name, q.query.Title)
	}
	r := q.rule
	name := r.Record
	kind := "recording rule"
	if r.Alert != "" {
		name, kind = r.Alert, "rule"
		if r.Labels[LabelTier] != "" {
			name += " " + r.Labels[LabelTier]
		}
		if r.Labels[LabelSignal] != "" {
			name += " (signal " + r.Labels[LabelSignal] + ")"
		}
	}
	return fmt.Sprintf("%s %s (group %s) of %s", kind, name, q.group.Name, PrometheusRulePath(q.env, q.svc))
}

// Reads lists the metrics that alert a reads in environments envs, sorted:
// those its rules name and, for a burn-rate alert, those its SLO's
// recording rules read. The names of a query are read as metricNames
// remembers them by shape: every service's alerts read alike.
func (m *Model) Reads(a *Alert, envs []*spec.Environment) []string {
	var exprs []string
	for _, e := range envs {
		for _, r := range a.RulesIn(e) {
			exprs = append(exprs, r.Expr)
		}
	}
	if a.SLO != nil {
		sli := SLIOf(a.Service, a.SLO)
		exprs = append(exprs, sli.Bad("5m"), sli.Total("5m"))
	}
	// Most environments evaluate the same expressions (all but the storage
	// alert's, whose thresholds are per instance): each is lexed once.
	slices.Sort(exprs)
	var out []string
	for _, x := range slices.Compact(exprs) {
		names, _, err := m.metricNames(a.Service, x)
		if err == nil {
			out = append(out, names...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Label names the producer of service s's metrics: a job by its CronJob.
func (p *Producer) Label(s *spec.Service) string {
	if p.Kind == ProducedByJob {
		return p.Name + " " + p.Job(s)
	}
	return p.Name
}

// Describe says, for a runbook, who produces the metric for service s, and
// how.
func (p *Producer) Describe(s *spec.Service) string {
	if p.Detail == "" {
		return p.Label(s)
	}
	return p.Label(s) + ", " + p.Detail
}
