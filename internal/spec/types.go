package spec

// The three spec kinds, as engineers write them. Field names follow the json
// tags; the loader reads YAML and Jsonnet into these types, and the JSON Schemas
// for editors are generated from them, so a field added here is documented,
// completed and checked everywhere at once.

// Platform is specs/platform.yaml: the organisation.
type Platform struct {
	Name       string           `json:"name" jsonschema:"required" jsonschema_description:"Lowercase DNS label; prefixes cloud resource names."`
	Repository string           `json:"repository" jsonschema:"required" jsonschema_description:"GitHub owner/repo of this monorepo: OIDC trust and CODEOWNERS."`
	Registry   string           `json:"registry" jsonschema:"required" jsonschema_description:"Container registry that service images are pushed to, e.g. ghcr.io/acme."`
	Cloud      Cloud            `json:"cloud" jsonschema:"required"`
	Teams      map[string]*Team `json:"teams" jsonschema:"required" jsonschema_description:"Teams by name; services, reviewers and alert routing refer to these names."`
	Owner      string           `json:"owner,omitempty" jsonschema_description:"Team that owns the platform and environment specs and every generated file not made for one service. Default platform."`
	ArgoCD     bool             `json:"argocd,omitempty" jsonschema_description:"Also emit an Argo CD ApplicationSet per environment over the same folders Flux syncs, for teams on Argo CD. Default false."`
	Data       DataPolicy       `json:"data,omitempty"`

	Source *Source `json:"-"`
}

// Cloud says where environments run and where Terraform keeps its state.
type Cloud struct {
	Provider    string `json:"provider,omitempty" jsonschema:"enum=aws" jsonschema_description:"Cloud provider; only aws for now. Default aws."`
	Region      string `json:"region" jsonschema:"required" jsonschema_description:"Default region of every environment, e.g. eu-west-1."`
	StateBucket string `json:"stateBucket" jsonschema:"required" jsonschema_description:"S3 bucket that holds Terraform state for every environment."`
}

// DataPolicy is the organisation's retention policy: what docs/data-retention.md
// holds every store to, and what the platform's own stores keep.
type DataPolicy struct {
	PersonalMaxDays int `json:"personalMaxDays,omitempty" jsonschema:"minimum=1,maximum=36500" jsonschema_description:"Longest any copy of personal data may be kept: a database's backups, a bucket's objects with their old versions, logs. A store classified personal that keeps data longer is a spec error. Default 400."`
	LogDays         int `json:"logDays,omitempty" jsonschema:"enum=1,enum=3,enum=5,enum=7,enum=14,enum=30,enum=60,enum=90,enum=120,enum=150,enum=180,enum=365,enum=400,enum=545,enum=731,enum=1096,enum=1827,enum=2192,enum=2557,enum=2922,enum=3288,enum=3653" jsonschema_description:"Days the platform's logs are kept: in CloudWatch the cluster's control-plane and audit logs, VPC flow logs and database logs (so one of CloudWatch's retention values), and in S3 the buckets' access logs. They name people and addresses, so they are personal data. Default 90."`
	MetricsDays     int `json:"metricsDays,omitempty" jsonschema:"minimum=1,maximum=365" jsonschema_description:"Days Prometheus keeps metrics in each environment. Default 15."`
}

// Team is who owns services and who is told when they break.
type Team struct {
	GitHub    string `json:"github" jsonschema:"required" jsonschema_description:"GitHub team or user that owns the team's files, e.g. @acme/payments."`
	Slack     string `json:"slack" jsonschema:"required" jsonschema_description:"Slack channel that receives tickets, e.g. #payments-alerts."`
	PagerDuty string `json:"pagerduty" jsonschema:"required" jsonschema_description:"PagerDuty service (routing key name) that receives pages."`
}

// Environment is specs/environments/<name>.yaml: one AWS account and cluster.
type Environment struct {
	Name       string      `json:"name" jsonschema_description:"DNS label; defaults to the file name and must match it."`
	Production bool        `json:"production,omitempty" jsonschema_description:"Changes to this environment are flagged in PR summaries. Default: true for an environment named prod."`
	Account    string      `json:"account" jsonschema:"required,pattern=^[0-9]{12}$" jsonschema_description:"12-digit AWS account id, quoted."`
	Region     string      `json:"region,omitempty" jsonschema_description:"AWS region; the platform's region by default."`
	Network    Network     `json:"network" jsonschema:"required"`
	Cluster    Cluster     `json:"cluster"`
	Delivery   Delivery    `json:"delivery"`
	Alerting   Alerting    `json:"alerting,omitempty"`
	Database   EnvDatabase `json:"database,omitempty"`
	Replicas   int         `json:"replicas,omitempty" jsonschema:"minimum=1" jsonschema_description:"Default replicas of every service here. Default 1."`
	Ingress    *Ingress    `json:"ingress,omitempty"`
	DemoData   bool        `json:"demoData,omitempty" jsonschema_description:"Services with a partner API start with the demo data their partner playbooks cite. For a partner sandbox; never in production. Default false."`

	Source *Source `json:"-"`
}

// Ingress is how services of the environment are published outside the
// cluster. Groundwork writes the Ingress objects; the ingress controller
// (and its certificates) is the cluster's.
type Ingress struct {
	Domain string `json:"domain" jsonschema:"required" jsonschema_description:"DNS name under which services are published: a service is https://<service>.<domain>, e.g. sandbox.acme.example."`
	Class  string `json:"class,omitempty" jsonschema_description:"IngressClass of the cluster's ingress controller, e.g. alb (AWS Load Balancer Controller) or nginx. Default alb."`
}

// Network is the environment's VPC.
type Network struct {
	CIDR        string `json:"cidr" jsonschema:"required" jsonschema_description:"IPv4 VPC CIDR, /16 to /24; must not overlap another environment's."`
	Zones       int    `json:"zones,omitempty" jsonschema:"minimum=1,maximum=6" jsonschema_description:"Availability zones to spread subnets over. Default 2."`
	NATGateways string `json:"natGateways,omitempty" jsonschema:"enum=none,enum=single,enum=perZone" jsonschema_description:"NAT gateways: none, single or perZone. Default single."`
}

// Cluster is the Kubernetes cluster Flux runs in.
type Cluster struct {
	Name string `json:"name,omitempty" jsonschema_description:"EKS cluster name. Default <platform>-<environment>."`
}

// Delivery says how changes reach the environment.
type Delivery struct {
	Trigger     string   `json:"trigger,omitempty" jsonschema:"enum=merge,enum=tag,enum=manual" jsonschema_description:"merge (push to branch), tag (a release tag) or manual. Default merge."`
	Branch      string   `json:"branch,omitempty" jsonschema_description:"Branch whose pushes deploy here when trigger is merge. Default main."`
	Approvals   int      `json:"approvals,omitempty" jsonschema:"minimum=0,maximum=6" jsonschema_description:"Reviews required before a deployment proceeds."`
	Reviewers   []string `json:"reviewers,omitempty" jsonschema:"maxItems=6" jsonschema_description:"Teams whose members may approve a deployment."`
	WaitMinutes int      `json:"waitMinutes,omitempty" jsonschema:"minimum=0,maximum=43200" jsonschema_description:"Wait timer before a deployment proceeds."`
}

// Alerting says how the environment's alerts reach people.
type Alerting struct {
	Page    bool   `json:"page,omitempty" jsonschema_description:"Page on-call for page alerts. When false, pages become tickets. Default false."`
	Grafana string `json:"grafana,omitempty" jsonschema_description:"Base URL of this environment's Grafana, e.g. https://grafana.prod.acme.example; alerts (dashboard_url), Slack and PagerDuty notifications and runbooks link each service's dashboard under it. Without it nothing links a dashboard: alerts carry a dashboard annotation instead that names it (title and uid) to search for in Grafana, and groundwork generate says so."`
}

// EnvDatabase is the environment's policy for every service database in it.
type EnvDatabase struct {
	InstanceClass       string `json:"instanceClass,omitempty" jsonschema_description:"RDS instance class. Default db.t4g.micro."`
	MultiAZ             bool   `json:"multiAZ,omitempty"`
	DeletionProtection  bool   `json:"deletionProtection,omitempty"`
	BackupRetentionDays int    `json:"backupRetentionDays,omitempty" jsonschema:"minimum=1,maximum=35" jsonschema_description:"RDS automated backup retention. Default 7."`
}

// Service is specs/services/<name>.yaml: one deployable and what it needs.
type Service struct {
	Name       string         `json:"name" jsonschema_description:"DNS label; defaults to the file name and must match it."`
	Team       string         `json:"team" jsonschema:"required" jsonschema_description:"Owning team, a key of the platform's teams."`
	Port       int            `json:"port,omitempty" jsonschema:"minimum=1,maximum=65535" jsonschema_description:"HTTP port. Omit for a service that serves no HTTP (a worker)."`
	Health     string         `json:"health,omitempty" jsonschema_description:"HTTP path of the health probe. Default /healthz when port is set."`
	Metrics    Metrics        `json:"metrics,omitempty"`
	Build      *Build         `json:"build,omitempty" jsonschema_description:"How CI builds the service's image from this repository. Omit for an image built elsewhere."`
	Replicas   map[string]int `json:"replicas,omitempty" jsonschema_description:"Replicas per environment name; the environment's default elsewhere."`
	Resources  Resources      `json:"resources,omitempty"`
	SLOs       []*SLO         `json:"slos,omitempty" jsonschema:"maxItems=50"`
	Database   *Database      `json:"database,omitempty"`
	Buckets    []*Bucket      `json:"buckets,omitempty" jsonschema:"maxItems=50"`
	Secrets    []string       `json:"secrets,omitempty" jsonschema:"maxItems=100" jsonschema_description:"Secret names; values never enter the repository."`
	Flags      []*Flag        `json:"flags,omitempty" jsonschema:"maxItems=200"`
	Loadtest   *Loadtest      `json:"loadtest,omitempty"`
	Alerts     []*Alert       `json:"alerts,omitempty" jsonschema:"maxItems=200"`
	PartnerAPI *PartnerAPI    `json:"partnerApi,omitempty" jsonschema_description:"The routes partners call with API keys (specs/partners); the service must implement them."`

	Source *Source `json:"-"`
}

// Build says where the service's container image is built from.
type Build struct {
	Context    string `json:"context" jsonschema:"required" jsonschema_description:"Build context, a folder relative to the repository root, e.g. backend."`
	Dockerfile string `json:"dockerfile,omitempty" jsonschema_description:"Dockerfile relative to the repository root. Default <context>/Dockerfile."`
}

// Metrics says where Prometheus scrapes the service.
type Metrics struct {
	Port int    `json:"port,omitempty" jsonschema:"minimum=1,maximum=65535" jsonschema_description:"Port of /metrics. Default: the service port."`
	Path string `json:"path,omitempty" jsonschema_description:"Default /metrics."`
}

// Resources are the requests of one replica; limits are derived from them.
type Resources struct {
	CPU    string `json:"cpu,omitempty" jsonschema_description:"Kubernetes quantity. Default 100m."`
	Memory string `json:"memory,omitempty" jsonschema_description:"Kubernetes quantity. Default 128Mi."`
}

// SLO is one service level objective.
type SLO struct {
	Name      string       `json:"name" jsonschema:"required"`
	Objective float64      `json:"objective" jsonschema:"required,exclusiveMinimum=0,exclusiveMaximum=100" jsonschema_description:"Target percentage of good events, e.g. 99.9."`
	SLI       SLI          `json:"sli" jsonschema:"required"`
	Threshold Duration     `json:"threshold,omitempty" jsonschema_description:"For sli latency: a request slower than this is bad, e.g. 300ms."`
	Window    Duration     `json:"window,omitempty" jsonschema_description:"Compliance window, whole days. Default 30d."`
	Alerting  *SLOAlerting `json:"alerting,omitempty"`
}

// SLOAlerting switches burn-rate alert tiers on and off.
type SLOAlerting struct {
	Page   *bool `json:"page,omitempty" jsonschema_description:"Fast-burn alerts that page. Default true."`
	Ticket *bool `json:"ticket,omitempty" jsonschema_description:"Slow-burn alerts that open tickets. Default true."`
}

// Database is the service's own PostgreSQL.
type Database struct {
	Engine    string  `json:"engine,omitempty" jsonschema:"enum=postgres" jsonschema_description:"Default postgres."`
	Version   string  `json:"version,omitempty" jsonschema:"enum=14,enum=15,enum=16,enum=17" jsonschema_description:"Major version, quoted. Default \"16\"."`
	StorageGB int     `json:"storageGB,omitempty" jsonschema:"minimum=20,maximum=65536" jsonschema_description:"Default 20."`
	Backup    *Backup `json:"backup,omitempty"`
	Drill     *Drill  `json:"drill,omitempty"`
	// Classification is what the data is, for the retention policy and
	// the data inventory.
	Classification []string `json:"classification,omitempty" jsonschema:"maxItems=4,uniqueItems=true,enum=personal,enum=payment,enum=internal,enum=public" jsonschema_description:"What the data is: personal, payment, internal, public. Personal data is held to the platform's data.personalMaxDays."`
}

// Backup is the service's backup policy, beside the environment's RDS retention.
type Backup struct {
	Schedule      string   `json:"schedule,omitempty" jsonschema_description:"Five-field cron, UTC. Default \"0 3 * * *\"."`
	RetentionDays int      `json:"retentionDays,omitempty" jsonschema:"minimum=1" jsonschema_description:"Default 30."`
	MaxAge        Duration `json:"maxAge,omitempty" jsonschema_description:"Alert when the newest backup is older. Default 26h."`
}

// Drill is the schedule of the restore drill: the newest logical backup
// restored into a scratch PostgreSQL and verified, in every environment.
type Drill struct {
	Schedule string   `json:"schedule,omitempty" jsonschema_description:"Five-field cron, UTC. Default \"30 4 * * 1\" (Mondays, after the nightly backup)."`
	MaxAge   Duration `json:"maxAge,omitempty" jsonschema_description:"Alert when the newest successful drill is older. Default 8d."`
}

// Bucket is an S3 bucket the service owns.
type Bucket struct {
	Name       string `json:"name" jsonschema:"required"`
	Versioning bool   `json:"versioning,omitempty"`
	ExpireDays int    `json:"expireDays,omitempty" jsonschema:"minimum=1" jsonschema_description:"Expire objects after this many days. A bucket states expireDays or keepForever."`
	// KeepForever is the reason a bucket has no expiry, so that keeping
	// data forever is a decision someone wrote down.
	KeepForever    string   `json:"keepForever,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Why objects never expire (e.g. 'public release artifacts'), instead of expireDays."`
	Classification []string `json:"classification,omitempty" jsonschema:"maxItems=4,uniqueItems=true,enum=personal,enum=payment,enum=internal,enum=public" jsonschema_description:"What the objects are: personal, payment, internal, public."`
}

// Flag is a feature flag, served to the service by flagd's file format in
// every environment. The short form is a boolean switched on in a few
// environments: {name, default, enabledIn}.
type Flag struct {
	Name         string                      `json:"name" jsonschema:"required"`
	Description  string                      `json:"description,omitempty" jsonschema_description:"What the flag switches, and when it can be removed."`
	Type         string                      `json:"type,omitempty" jsonschema:"enum=boolean,enum=string,enum=number,enum=object" jsonschema_description:"Default boolean, whose variants are on (true) and off (false)."`
	Variants     map[string]FlagValue        `json:"variants,omitempty" jsonschema_description:"Variant name to value, for string, number and object flags."`
	Default      FlagValue                   `json:"default,omitempty" jsonschema_description:"The value everywhere unless enabledIn or environments say otherwise: true or false for a boolean flag, a variant name otherwise. Default false, or the first variant by name."`
	EnabledIn    []string                    `json:"enabledIn,omitempty" jsonschema:"maxItems=100" jsonschema_description:"Boolean flags: environments where the flag is on whatever its default."`
	Environments map[string]*FlagEnvironment `json:"environments,omitempty" jsonschema_description:"Per environment name: its value and targeting."`
}

// FlagEnvironment is a flag's value and targeting in one environment.
type FlagEnvironment struct {
	Value   FlagValue      `json:"value,omitempty" jsonschema_description:"The default value here: true or false, or a variant name."`
	Rules   []*FlagRule    `json:"rules,omitempty" jsonschema:"maxItems=20" jsonschema_description:"Evaluated in order; the first that matches gives its variant."`
	Rollout map[string]int `json:"rollout,omitempty" jsonschema_description:"Fractional rollout, variant name (on/off for a boolean) to weight, bucketed by the evaluation's targeting key; applies when no rule matches."`
}

// FlagRule gives a variant to evaluations whose context attribute is one of
// the listed values (for example partner: [acme-bank]).
type FlagRule struct {
	Attribute string    `json:"attribute" jsonschema:"required" jsonschema_description:"An evaluation context attribute, e.g. partner."`
	In        []string  `json:"in" jsonschema:"required,maxItems=100"`
	Variant   FlagValue `json:"variant" jsonschema:"required" jsonschema_description:"true or false for a boolean flag, a variant name otherwise."`
}

// FlagValue is a value written in a flag: a boolean, number, string or
// object, kept as decoded from YAML or JSON.
type FlagValue struct {
	V   any
	Set bool
}

// Loadtest describes a load test that runs against the service.
type Loadtest struct {
	Rate     int        `json:"rate" jsonschema:"required,minimum=1" jsonschema_description:"Requests per second."`
	Duration Duration   `json:"duration,omitempty" jsonschema_description:"Default 1m."`
	Requests []*Request `json:"requests" jsonschema:"required,maxItems=100"`
}

// Request is one request of a load test, sent round-robin with the others.
type Request struct {
	Method string `json:"method,omitempty" jsonschema:"enum=GET,enum=HEAD,enum=POST,enum=PUT,enum=PATCH,enum=DELETE" jsonschema_description:"Default GET."`
	Path   string `json:"path" jsonschema:"required"`
	Body   string `json:"body,omitempty"`
	// Headers are sent with the request; credentials are not, as no secret
	// value enters the repository.
	Headers map[string]string `json:"headers,omitempty" jsonschema:"maxProperties=20" jsonschema_description:"HTTP headers, e.g. {Content-Type: application/json}. Not Authorization, Cookie or Host."`
}

// Alert is an alert beside the generated ones.
type Alert struct {
	Name     string   `json:"name" jsonschema:"required,pattern=^[A-Z][A-Za-z0-9]*$" jsonschema_description:"Alert name, UpperCamelCase."`
	Expr     string   `json:"expr" jsonschema:"required" jsonschema_description:"PromQL expression; the alert fires while it returns series."`
	For      Duration `json:"for,omitempty" jsonschema_description:"Default 5m."`
	Severity string   `json:"severity,omitempty" jsonschema:"enum=page,enum=ticket" jsonschema_description:"Default ticket."`
	Summary  string   `json:"summary" jsonschema:"required"`
	Runbook  string   `json:"runbook,omitempty" jsonschema_description:"Markdown included in the alert's runbook."`
}

// PartnerAPI is the part of a service partners call, by API key, under
// basePath: the scopes a key may hold and worked examples that the
// generated partner playbooks print and the tests replay.
type PartnerAPI struct {
	BasePath string            `json:"basePath,omitempty" jsonschema_description:"Path prefix of the partner routes; only these are published. Default /partner/v1."`
	Scopes   map[string]string `json:"scopes" jsonschema:"required,maxProperties=50" jsonschema_description:"Scopes by name (resource:action, e.g. orders:read) with what each allows."`
	Examples []*PartnerExample `json:"examples,omitempty" jsonschema:"maxItems=20" jsonschema_description:"Requests that work against the sandbox's demo data, in playbook order."`
}

// PartnerExample is one request a partner playbook shows.
type PartnerExample struct {
	Title  string `json:"title" jsonschema:"required" jsonschema_description:"What the request does, e.g. List your orders."`
	Method string `json:"method" jsonschema:"required,enum=GET,enum=HEAD,enum=POST,enum=PUT,enum=PATCH,enum=DELETE"`
	Path   string `json:"path" jsonschema:"required" jsonschema_description:"Path below basePath, e.g. /orders."`
	Body   string `json:"body,omitempty" jsonschema_description:"JSON request body."`
	Scope  string `json:"scope" jsonschema:"required" jsonschema_description:"The scope the request needs."`
	Status int    `json:"status" jsonschema:"required,minimum=100,maximum=599" jsonschema_description:"The HTTP status the sandbox answers."`
}

// Partner is specs/partners/<name>.yaml: an outside organisation that calls
// services' partner APIs with keys issued per environment.
type Partner struct {
	Name         string           `json:"name" jsonschema_description:"DNS label; defaults to the file name and must match it. Logged and counted with every request."`
	Description  string           `json:"description,omitempty" jsonschema:"maxLength=200"`
	Contact      Contact          `json:"contact" jsonschema:"required" jsonschema_description:"Who at the partner receives keys and notices."`
	Team         string           `json:"team" jsonschema:"required" jsonschema_description:"Our team that sponsors the partner and answers their questions, a key of the platform's teams."`
	Access       []*PartnerAccess `json:"access" jsonschema:"required,minItems=1,maxItems=20" jsonschema_description:"The services the partner calls and the scopes its keys hold."`
	Environments []string         `json:"environments" jsonschema:"required,minItems=1,maxItems=20" jsonschema_description:"Environments the partner may call: a sandbox first; a production environment only with signOff."`
	SignOff      *SignOff         `json:"signOff,omitempty" jsonschema_description:"The go-live approval a production environment needs."`
	RateLimit    RateLimit        `json:"rateLimit,omitempty" jsonschema_description:"Requests per key."`

	Source *Source `json:"-"`
}

// Contact is a person or mailbox at a partner.
type Contact struct {
	Name  string `json:"name" jsonschema:"required,maxLength=100"`
	Email string `json:"email" jsonschema:"required,maxLength=254"`
}

// PartnerAccess is one service a partner calls.
type PartnerAccess struct {
	Service string   `json:"service" jsonschema:"required" jsonschema_description:"A service with a partnerApi."`
	Scopes  []string `json:"scopes" jsonschema:"required,minItems=1,maxItems=50,uniqueItems=true" jsonschema_description:"Scopes of that service's partnerApi."`
}

// SignOff records who approved a partner for production, and when.
type SignOff struct {
	Date   string `json:"date" jsonschema:"required,pattern=^[0-9]{4}-[0-9]{2}-[0-9]{2}$" jsonschema_description:"YYYY-MM-DD."`
	By     string `json:"by" jsonschema:"required" jsonschema_description:"GitHub user or team that signed off, e.g. @acme/payments."`
	Ticket string `json:"ticket,omitempty" jsonschema:"maxLength=100" jsonschema_description:"Security review or contract reference."`
}

// RateLimit is a token bucket per API key.
type RateLimit struct {
	PerMinute int `json:"perMinute,omitempty" jsonschema:"minimum=1,maximum=100000" jsonschema_description:"Sustained requests per minute per key. Default 60."`
	Burst     int `json:"burst,omitempty" jsonschema:"minimum=1,maximum=10000" jsonschema_description:"Requests a key may make at once above the sustained rate. Default 10."`
}
