package spec

import (
	"path"
	"strings"
)

// Defaults, all in one place, so that a spec says only what differs and a
// reader of this file knows every value a missing key takes. Each default is
// also named in the field's schema description.
const (
	defaultProvider      = "aws"
	defaultOwner         = "platform"
	defaultZones         = 2
	defaultNAT           = NATSingle
	defaultTrigger       = TriggerMerge
	defaultBranch        = DefaultBranch
	defaultInstanceClass = "db.t4g.micro"
	defaultRDSRetention  = 7
	defaultReplicas      = 1
	defaultHealth        = "/healthz"
	defaultMetricsPath   = "/metrics"
	defaultCPU           = "100m"
	defaultMemory        = "128Mi"
	defaultWindow        = Duration("30d")
	defaultEngine        = "postgres"
	defaultPGVersion     = "16"
	defaultStorageGB     = 20
	defaultSchedule      = "0 3 * * *"
	defaultBackupDays    = 30
	defaultBackupMaxAge  = Duration("26h")
	defaultDrillSchedule = "30 4 * * 1"
	defaultDrillMaxAge   = Duration("8d")
	defaultLoadDuration  = Duration("1m")
	defaultMethod        = "GET"
	defaultAlertFor      = Duration("5m")
	defaultSeverity      = SeverityTicket
)

// Enumerations of the spec.
const (
	NATNone    = "none"
	NATSingle  = "single"
	NATPerZone = "perZone"

	TriggerMerge  = "merge"
	TriggerTag    = "tag"
	TriggerManual = "manual"

	SeverityPage   = "page"
	SeverityTicket = "ticket"
)

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// fileBase is the spec's name as its file gives it: specs/services/api.yaml -> api.
func fileBase(src *Source) string {
	b := path.Base(src.Path)
	return strings.TrimSuffix(b, path.Ext(b))
}

func (p *Platform) applyDefaults() {
	setDefault(&p.Cloud.Provider, defaultProvider)
	setDefault(&p.Owner, defaultOwner)
	setDefault(&p.Data.PersonalMaxDays, defaultPersonalMaxDays)
	setDefault(&p.Data.LogDays, defaultLogDays)
	setDefault(&p.Data.MetricsDays, defaultMetricsDays)
}

func (e *Environment) applyDefaults(p *Platform) {
	setDefault(&e.Name, fileBase(e.Source))
	if !e.Source.Has("production") {
		e.Production = e.Name == "prod"
	}
	if p != nil {
		setDefault(&e.Region, p.Cloud.Region)
		setDefault(&e.Cluster.Name, p.Name+"-"+e.Name)
	}
	setDefault(&e.Network.Zones, defaultZones)
	setDefault(&e.Network.NATGateways, defaultNAT)
	setDefault(&e.Delivery.Trigger, defaultTrigger)
	if e.Delivery.Trigger == TriggerMerge {
		setDefault(&e.Delivery.Branch, defaultBranch)
	}
	setDefault(&e.Database.InstanceClass, defaultInstanceClass)
	setDefault(&e.Database.BackupRetentionDays, defaultRDSRetention)
	setDefault(&e.Replicas, defaultReplicas)
	if e.Ingress != nil {
		setDefault(&e.Ingress.Class, defaultIngress)
	}
}

func (p *Partner) applyDefaults() {
	setDefault(&p.Name, fileBase(p.Source))
	setDefault(&p.RateLimit.PerMinute, defaultPerMinute)
	setDefault(&p.RateLimit.Burst, defaultBurst)
}

func (s *Service) applyDefaults() {
	setDefault(&s.Name, fileBase(s.Source))
	if s.HTTP() {
		setDefault(&s.Health, defaultHealth)
		setDefault(&s.Metrics.Port, s.Port)
	}
	setDefault(&s.Metrics.Path, defaultMetricsPath)
	if s.Build != nil && s.Build.Context != "" {
		setDefault(&s.Build.Dockerfile, path.Join(s.Build.Context, "Dockerfile"))
	}
	setDefault(&s.Resources.CPU, defaultCPU)
	setDefault(&s.Resources.Memory, defaultMemory)
	if s.PartnerAPI != nil {
		setDefault(&s.PartnerAPI.BasePath, defaultBasePath)
	}
	for _, o := range s.SLOs {
		setDefault(&o.Window, defaultWindow)
	}
	if db := s.Database; db != nil {
		setDefault(&db.Engine, defaultEngine)
		setDefault(&db.Version, defaultPGVersion)
		setDefault(&db.StorageGB, defaultStorageGB)
		if db.Backup == nil {
			db.Backup = &Backup{}
		}
		setDefault(&db.Backup.Schedule, defaultSchedule)
		setDefault(&db.Backup.RetentionDays, defaultBackupDays)
		setDefault(&db.Backup.MaxAge, defaultBackupMaxAge)
		if db.Drill == nil {
			db.Drill = &Drill{}
		}
		setDefault(&db.Drill.Schedule, defaultDrillSchedule)
		setDefault(&db.Drill.MaxAge, defaultDrillMaxAge)
	}
	if lt := s.Loadtest; lt != nil {
		setDefault(&lt.Duration, defaultLoadDuration)
		for _, r := range lt.Requests {
			setDefault(&r.Method, defaultMethod)
		}
	}
	for _, a := range s.Alerts {
		setDefault(&a.For, defaultAlertFor)
		setDefault(&a.Severity, defaultSeverity)
	}
}

// ReplicasIn is how many replicas the service runs in e.
func (s *Service) ReplicasIn(e *Environment) int {
	if n, ok := s.Replicas[e.Name]; ok {
		return n
	}
	return e.Replicas
}

// HTTP reports whether the service serves HTTP (a worker does not): whether
// a port was written. A wrong port counts too: it is reported once, at port,
// and the checks that need a port do not report it again.
func (s *Service) HTTP() bool { return s.Port != 0 }

// PageEnabled reports whether the SLO's fast-burn (page) tier is on.
func (o *SLO) PageEnabled() bool {
	return o.Alerting == nil || o.Alerting.Page == nil || *o.Alerting.Page
}

// TicketEnabled reports whether the SLO's slow-burn (ticket) tier is on.
func (o *SLO) TicketEnabled() bool {
	return o.Alerting == nil || o.Alerting.Ticket == nil || *o.Alerting.Ticket
}
