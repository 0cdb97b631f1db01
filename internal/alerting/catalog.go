package alerting

import (
	"fmt"
	"strings"
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// burnAlert is the multi-window burn-rate alert of an SLO: one rule per
// tier that is on, each with its factor rounded once and the error ratio it
// fires above.
func burnAlert(s *spec.Service, slo *SLO) *Alert {
	o := slo.Spec
	sli := SLIOf(s, o)
	sel := SLOSelector(s, o)
	window := o.Window.Value()
	a := &Alert{
		Name:    spec.BurnAlertName(s, o),
		Kind:    KindBurn,
		Service: s,
		SLO:     o,
		Budget:  slo.Budget,
		Summary: fmt.Sprintf("%s is spending the error budget of its %s SLO too fast.", s.Name, o.Name),
		Meaning: fmt.Sprintf("The %s SLO of %s promises that at most %s%% of events are bad over %s, where bad means %s. "+
			"The alert fires while both windows of one tier show a burn rate above the tier's factor: at that rate the "+
			"whole budget would be gone well before the window ends. The tier label says which pair of windows fired.",
			o.Name, s.Name, Num(100*o.ErrorBudget()), string(o.Window), sli.Events),
		Impact: fmt.Sprintf("Users are seeing more %s than the SLO allows. A page-* tier means the budget goes within days; "+
			"a ticket-* tier means it would run out before the %s window ends if nothing changes.", sli.Events, string(o.Window)),
		Diagnosis: []Query{
			{"Error ratio over the last 5 minutes (1 = every event bad)", RecordErrorRatio(5*time.Minute) + sel},
			{"Burn rate over the last hour (1 = exactly the sustainable rate)", RecordErrorRatio(time.Hour) + sel + " / " + RecordErrorBudget + sel},
			{"Share of the error budget left in the window", RecordBudgetRemaining + sel},
			{"Bad events per second, straight from the service's metrics", sli.Bad("5m")},
		},
		Mitigation: []string{
			"If a deploy went out shortly before the burn started, roll it back: promote the previous digest in specs/releases/<env>.yaml.",
			"If one route or one pod carries the bad events, take it out of rotation and scale the rest.",
			"If a dependency (database, another service, a cloud API) is failing, follow its runbook and tell its owners.",
			"Once the burn stops, the short window clears the alert within minutes; check the remaining budget before the next release.",
		},
		Panel: PanelBurnRate(o),
	}
	// Each tier compares with its factor times the recorded error budget,
	// not a number, so that an objective change changes the two records of
	// the objective and nothing else in the rules: a review reads two lines
	// per environment, and the PR summary works the thresholds old -> new
	// out of them (internal/cli alertdiff). Both series carry exactly the
	// SLO's labels, so they match one to one.
	tiers := o.Tiers()
	for i, t := range tiers {
		f := BurnFactor(t, o.Window)
		threshold := f * slo.Budget
		cmp := fmt.Sprintf("(%s * %s%s)", Num(f), RecordErrorBudget, sel)
		exhaust := time.Duration(float64(window) / f)
		a.Rules = append(a.Rules, &Rule{
			Expr: fmt.Sprintf("%s%s > %s\nand\n%s%s > %s",
				RecordErrorRatio(t.Short), sel, cmp, RecordErrorRatio(t.Long), sel, cmp),
			For:           t.For,
			KeepFiringFor: keepFiringFor(tiers, i),
			Severity:      t.Severity,
			Tier:          &t,
			Factor:        f,
			Threshold:     threshold,
			// The numbers of the objective are in the runbook's table, not
			// here: an objective change leaves every description as it was.
			Description: fmt.Sprintf("Over the last %s and the last %s, the share of %s's events that were %s was above %s times what its %s SLO sustains over %s. At this rate the budget is gone in %s.",
				Window(t.Long), Window(t.Short), s.Name, sli.Events, Num(f), o.Name, string(o.Window), HumanDuration(exhaust)),
		})
	}
	return a
}

// platformAlerts are the alerts every service gets, and those of its
// database when it has one.
func platformAlerts(s *spec.Service) []*Alert {
	as := []*Alert{targetDown(s), podCrashLooping(s)}
	if s.Database == nil {
		return as
	}
	return append(as, backupTooOld(s), databaseStorageLow(s), databasePoolSaturated(s), restoreDrillFailed(s), restoreDrillOverdue(s))
}

// targetDown fires when Prometheus cannot scrape a pod of the service.
func targetDown(s *spec.Service) *Alert {
	sel := ServiceSelector(s)
	ns := spec.Namespace(s)
	return &Alert{
		Name:    spec.PlatformAlertName(s, spec.AlertTargetDown),
		Kind:    KindTargetDown,
		Service: s,
		Summary: fmt.Sprintf("Prometheus cannot scrape a pod of %s.", s.Name),
		Meaning: fmt.Sprintf("A target of job %s in namespace %s has answered no scrape of %s on port %d for 5 minutes.", s.Name, ns, s.Metrics.Path, s.Metrics.Port),
		Impact:  "The pod may be down, hung or not ready; its requests and its metrics are missing, so SLO alerts see less of the traffic.",
		Diagnosis: []Query{
			{"Targets that are down", "up" + sel + " == 0"},
			{"Pods not ready", fmt.Sprintf(`kube_pod_status_ready{namespace=%q, condition="false"} == 1`, ns)},
		},
		Mitigation: []string{
			fmt.Sprintf("kubectl -n %s get pods,events: look for pods pending, restarting or failing their probes.", ns),
			fmt.Sprintf("kubectl -n %s logs <pod> --previous for the last crash.", ns),
			"If only /metrics fails, check the NetworkPolicy lets the monitoring namespace in on the metrics port.",
		},
		Panel: PanelReplicas,
		Rules: []*Rule{{
			Expr:        "up" + sel + " == 0",
			For:         5 * time.Minute,
			Severity:    spec.SeverityTicket,
			Description: fmt.Sprintf("A pod of %s has failed every scrape of %s:%d for 5 minutes.", s.Name, s.Metrics.Path, s.Metrics.Port),
		}},
	}
}

// podCrashLooping fires when a container of the service stays in
// CrashLoopBackOff. kube-state-metrics exports the waiting reason only of a
// container that waits, so its absence is the normal case; the signal that
// kube-state-metrics works, and sees the namespace, is the namespace's
// phase, which it exports for every namespace that exists.
func podCrashLooping(s *spec.Service) *Alert {
	ns := spec.Namespace(s)
	return withSignal(&Alert{
		Name:    spec.PlatformAlertName(s, spec.AlertPodCrashLooping),
		Kind:    KindPodCrashLooping,
		Service: s,
		Summary: fmt.Sprintf("A container of %s is crash-looping.", s.Name),
		Meaning: fmt.Sprintf("kube-state-metrics has reported a container in namespace %s waiting in CrashLoopBackOff for 15 minutes.", ns),
		Impact:  "Fewer replicas serve traffic than the HorizontalPodAutoscaler wants; a rollout may be stuck.",
		Diagnosis: []Query{
			{"Containers in CrashLoopBackOff", fmt.Sprintf(`kube_pod_container_status_waiting_reason{namespace=%q, reason="CrashLoopBackOff"}`, ns)},
			{"Restarts in the last hour", fmt.Sprintf(`increase(kube_pod_container_status_restarts_total{namespace=%q}[1h])`, ns)},
		},
		Mitigation: []string{
			fmt.Sprintf("kubectl -n %s logs <pod> --previous: the last lines before the crash usually name the cause.", ns),
			"If the crash started with a release, promote the previous digest.",
			"An OOMKilled reason means the memory request in the spec's resources is too small.",
		},
		Panel: PanelReplicas,
		Rules: []*Rule{{
			Expr:        fmt.Sprintf(`max_over_time(kube_pod_container_status_waiting_reason{namespace=%q, reason="CrashLoopBackOff"}[5m]) >= 1`, ns),
			For:         15 * time.Minute,
			Severity:    spec.SeverityTicket,
			Description: fmt.Sprintf("A container in namespace %s has been waiting in CrashLoopBackOff for 15 minutes.", ns),
		}},
	}, &Signal{Metric: "kube_namespace_status_phase", Selector: fmt.Sprintf("{namespace=%q}", ns), Producer: kubeStateMetrics})
}

// databaseStorageLow fires when the database has less than a tenth of its storage free; its rules are per environment (storageRule).
func databaseStorageLow(s *spec.Service) *Alert {
	sel := fmt.Sprintf("{%s=%q}", spec.RDSFreeStorage.Label, InstancePlaceholder)
	return withSignal(&Alert{
		Name:    spec.PlatformAlertName(s, spec.AlertDatabaseStorageLow),
		Kind:    KindDatabaseStorageLow,
		Service: s,
		Summary: fmt.Sprintf("%s's database has less than 10%% of its storage free.", s.Name),
		Meaning: fmt.Sprintf("CloudWatch's %s (%s) of the RDS instance, as the CloudWatch exporter the infrastructure layer runs names it (%s), is below 10%% of the %d GB the spec allocates.",
			spec.RDSFreeStorage.Name, spec.RDSFreeStorage.Statistic, spec.RDSFreeStorage.Series, s.Database.StorageGB),
		Impact: "When storage runs out, PostgreSQL stops accepting writes and the service fails.",
		Diagnosis: []Query{
			{"Free storage, in GiB", spec.RDSFreeStorage.Series + sel + " / 2^30"},
		},
		Mitigation: []string{
			"Raise database.storageGB in the service spec and apply; RDS grows storage online.",
			"Look for tables or WAL that grew unexpectedly (pg_total_relation_size, replication slots that hold WAL).",
		},
		// No panel: the CloudWatch metric names each environment's own
		// instance, and dashboards serve every environment.
		// Rules are per environment (storageRules).
	}, &Signal{Metric: spec.RDSFreeStorage.Series, Selector: sel, Producer: cloudWatchExporter})
}

// databasePoolSaturated fires when the service holds most of its database connection pool.
func databasePoolSaturated(s *spec.Service) *Alert {
	sel := ServiceSelector(s)
	return &Alert{
		Name:    spec.PlatformAlertName(s, spec.AlertDatabasePoolSaturated),
		Kind:    KindDatabasePoolSaturated,
		Service: s,
		Summary: fmt.Sprintf("%s is using more than 90%% of its database connection pool.", s.Name),
		Meaning: "db_pool_acquired_connections over db_pool_max_connections, exported by backend/metrics, has stayed above 0.9 for 10 minutes.",
		Impact:  "Requests wait for a connection; latency rises and, once the pool is exhausted, requests fail.",
		Diagnosis: []Query{
			{"Pool in use", fmt.Sprintf("sum(db_pool_acquired_connections%s) / sum(db_pool_max_connections%s)", sel, sel)},
			{"Time spent waiting for a connection, per second", fmt.Sprintf("sum(rate(db_pool_acquire_duration_seconds_total%s[5m]))", sel)},
		},
		Mitigation: []string{
			"Look for slow queries holding connections (pg_stat_activity, Performance Insights).",
			"Scale the service out only if the database has connections to spare: every replica opens its own pool.",
		},
		Panel: PanelDatabasePool,
		Rules: []*Rule{{
			Expr:        fmt.Sprintf("sum(db_pool_acquired_connections%s) / sum(db_pool_max_connections%s) > 0.9", sel, sel),
			For:         10 * time.Minute,
			Severity:    spec.SeverityTicket,
			Description: fmt.Sprintf("More than 90%% of %s's database connections have been in use for 10 minutes.", s.Name),
		}},
	}
}

// storageRules are the storage alert's rules in one environment: they
// watch that environment's RDS instance (see Alert.RulesIn), and the
// exporter's series of it.
func storageRules(p *spec.Platform, e *spec.Environment, a *Alert) []*Rule {
	s := a.Service
	id := spec.DatabaseIdentifier(p, e, s)
	floor := 0.1 * float64(s.Database.StorageGB) * (1 << 30)
	return []*Rule{{
		Expr:        fmt.Sprintf(`%s{%s=%q} < %s`, spec.RDSFreeStorage.Series, spec.RDSFreeStorage.Label, id, Num(floor)),
		For:         15 * time.Minute,
		Severity:    spec.SeverityTicket,
		Description: fmt.Sprintf("RDS instance %s has had less than %s GiB (10%% of %d GB) free for 15 minutes.", id, Num(floor/(1<<30)), s.Database.StorageGB),
	}, absentRule(s, a.Signal, a.SignalSelector(p, e))}
}

func specAlert(s *spec.Service, sa *spec.Alert) *Alert {
	return &Alert{
		Name:    sa.Name,
		Kind:    KindSpec,
		Service: s,
		Spec:    sa,
		Summary: sa.Summary,
		Meaning: fmt.Sprintf("This alert is written in %s: it fires when `%s` has held for %s.", s.Source.Path, sa.Expr, string(sa.For)),
		Impact:  fmt.Sprintf("As the %s team judged when writing it: %s", s.Team, sa.Summary),
		Diagnosis: []Query{
			{"The alert's expression", sa.Expr},
		},
		Mitigation: []string{
			"Follow the notes from the service spec, when the alert has any.",
			fmt.Sprintf("If the alert is wrong rather than the service, change its expr or for: in %s; the generated promtool test proves the new one fires past its threshold and not short of it.", s.Source.Path),
		},
		Panel: PanelSpecAlert(sa),
		Rules: []*Rule{{
			Expr:        sa.Expr,
			For:         sa.For.Value(),
			Severity:    sa.Severity,
			Description: strings.TrimSuffix(sa.Summary, ".") + fmt.Sprintf(" (%s, for %s).", sa.Expr, string(sa.For)),
		}},
	}
}
