package spec

import (
	"fmt"
	"maps"
	"net/netip"
	pathpkg "path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/groundwork-dev/groundwork/internal/parallel"
)

// checker collects the diagnostics of validation. Every check reports and
// goes on, so one run shows every mistake.
type checker struct {
	diags  Diagnostics
	promql parser.Parser
}

func (c *checker) report(src *Source, p Pos, kind Kind, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	c.diags = append(c.diags, Diagnostic{File: src.Path, Pos: p, Kind: kind, Msg: msg})
}

// errorf reports a mistake in the value at path.
func (c *checker) errorf(src *Source, kind Kind, path, format string, args ...any) {
	c.report(src, src.Pos(path), kind, path, format, args...)
}

// required reports a missing value.
func (c *checker) required(src *Source, path, what string) {
	c.errorf(src, KindSchema, parentPath(path), "missing required key %q (%s)", path[strings.LastIndex(path, ".")+1:], what)
}

var (
	accountRE    = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	repositoryRE = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	githubRE     = regexp.MustCompile(`^@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?$`)
	slackRE      = regexp.MustCompile(`^#[a-z0-9_-]{1,80}$`)
	pagerDutyRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	// httpPathRE is an HTTP path the generators may place in probes,
	// PromQL matchers and scripts: no quote, backslash, space or query.
	httpPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)
	// requestPathRE is a load-test request path: it may carry a query.
	requestPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~/%-]*(\?[A-Za-z0-9._~%&=+,:-]*)?$`)
	branchRE      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/-]*$`)
	// grafanaRE is an https base URL: host, port and path, nothing else.
	grafanaRE = regexp.MustCompile(`^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$`)
	// registryHostRE and registryPathRE are Docker's reference grammar.
	registryHostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)
	registryPathRE = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)
	bucketRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	clusterRE      = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	classRE        = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	alertNameRE    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// validate applies defaults and checks the model, within and across specs.
func validate(m *Model) Diagnostics {
	c := &checker{promql: parser.NewParser(parser.Options{})}
	// Sizes first (limits.go): a spec over a limit gets its limit
	// diagnostics and no other check, so that a runaway list costs no more
	// than counting it. A platform over a limit stops validation there,
	// since every other spec is checked against it.
	platformOK := m.Platform == nil || c.limits(m.Platform.Source, m.Platform)
	envOK := make(map[*Environment]bool, len(m.Environments))
	for _, e := range m.Environments {
		envOK[e] = c.limits(e.Source, e)
	}
	serviceOK := make(map[*Service]bool, len(m.Services))
	for _, s := range m.Services {
		serviceOK[s] = c.limits(s.Source, s)
	}
	releaseOK := make(map[*Release]bool, len(m.Releases))
	for _, r := range m.Releases {
		releaseOK[r] = c.releaseLimits(r)
	}
	if !platformOK {
		return c.diags
	}

	if m.Platform != nil {
		m.Platform.applyDefaults()
		c.platform(m.Platform)
	}
	for _, e := range m.Environments {
		e.applyDefaults(m.Platform)
		if envOK[e] {
			c.environment(m.Platform, e)
		}
	}
	for _, s := range m.Services {
		s.applyDefaults()
	}
	slices.SortFunc(m.Environments, func(a, b *Environment) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(m.Services, func(a, b *Service) int { return strings.Compare(a.Name, b.Name) })
	c.overlaps(m.Environments)
	// Services are checked in parallel, each worker with its own checker:
	// this is where a large organisation spends its validation time.
	workers := min(runtime.GOMAXPROCS(0), max(len(m.Services), 1))
	checkers := make([]*checker, workers)
	parallel.For(workers, func(w int) {
		checkers[w] = &checker{promql: parser.NewParser(parser.Options{})}
		for i := w; i < len(m.Services); i += workers {
			if s := m.Services[i]; serviceOK[s] {
				checkers[w].service(m, s)
			}
		}
	})
	for _, wc := range checkers {
		c.diags = append(c.diags, wc.diags...)
	}
	for _, r := range m.Releases {
		if releaseOK[r] {
			c.release(m, r)
		}
	}
	return c.diags
}

// dnsLabel checks a name that becomes part of Kubernetes and AWS names.
func (c *checker) dnsLabel(src *Source, path, name string) bool {
	if len(validation.IsDNS1123Label(name)) == 0 {
		return true
	}
	msg := fmt.Sprintf("%q is not a DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit", name)
	if s := labelFrom(name); s != "" && len(validation.IsDNS1123Label(s)) == 0 {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	c.errorf(src, KindValue, path, "%s", msg)
	return false
}

// labelFrom is the DNS label nearest to name: lowercased, with runs of other
// characters turned into one '-'.
func labelFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// nameMatchesFile checks that a spec's name is the name of its file, so that
// a reader finds the spec of anything generated by its name.
func (c *checker) nameMatchesFile(src *Source, name string) {
	if base := fileBase(src); name != base {
		c.errorf(src, KindValue, "name", "%q does not match the file name %q; rename one of them", name, base)
	}
}

func (c *checker) platform(p *Platform) {
	src := p.Source
	if p.Name == "" {
		c.required(src, "name", "the organisation's lowercase name")
	} else if c.dnsLabel(src, "name", p.Name) && len(p.Name) > 20 {
		c.errorf(src, KindValue, "name", "%q is longer than 20 characters; it prefixes every cloud resource name", p.Name)
	}
	if p.Repository == "" {
		c.required(src, "repository", "GitHub owner/repo")
	} else if owner, repo, _ := strings.Cut(p.Repository, "/"); !repositoryRE.MatchString(p.Repository) || len(owner) > 39 || len(repo) > 100 ||
		strings.HasPrefix(owner, "-") || strings.HasSuffix(owner, "-") || repo == "." || repo == ".." {
		c.errorf(src, KindValue, "repository", "%q is not a GitHub owner/repo, e.g. acme/platform", p.Repository)
	}
	if p.Registry == "" {
		c.required(src, "registry", "e.g. ghcr.io/acme")
	} else if !validRegistry(p.Registry) {
		c.errorf(src, KindValue, "registry", "%q is not a registry path: lowercase host[/path], no scheme and no tag, e.g. ghcr.io/acme", p.Registry)
	}
	if p.Cloud.Provider != "aws" {
		c.errorf(src, KindValue, "cloud.provider", "%q is not supported; the only provider is \"aws\"", p.Cloud.Provider)
	}
	if p.Cloud.Region == "" {
		c.required(src, "cloud.region", "the default AWS region, e.g. eu-west-1")
	} else if !regionRE.MatchString(p.Cloud.Region) {
		c.errorf(src, KindValue, "cloud.region", "%q is not an AWS region, e.g. eu-west-1", p.Cloud.Region)
	}
	if p.Cloud.StateBucket == "" {
		c.required(src, "cloud.stateBucket", "the S3 bucket for Terraform state")
	} else {
		c.bucketName(src, "cloud.stateBucket", p.Cloud.StateBucket)
	}
	if len(p.Teams) == 0 {
		c.required(src, "teams", "at least one team owns services")
	}
	if len(p.Teams) > 0 {
		c.teamRef(p, src, "owner", p.Owner)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Teams)) {
		t, path := p.Teams[name], "teams."+name
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			c.report(src, src.KeyPos(path), KindValue, path, "%q is not a valid team name: %s", name, errs[0])
			continue
		}
		if t == nil {
			c.errorf(src, KindSchema, path, "want github, slack and pagerduty")
			continue
		}
		if !githubRE.MatchString(t.GitHub) {
			c.errorf(src, KindValue, path+".github", "%q is not a GitHub team or user, e.g. @acme/payments", t.GitHub)
		}
		if !slackRE.MatchString(t.Slack) {
			c.errorf(src, KindValue, path+".slack", "%q is not a Slack channel, e.g. #payments-alerts", t.Slack)
		}
		if t.PagerDuty == "" {
			c.required(src, path+".pagerduty", "the PagerDuty service that receives pages")
		} else if !pagerDutyRE.MatchString(t.PagerDuty) {
			c.errorf(src, KindValue, path+".pagerduty", "%q is not a PagerDuty service key name: up to 100 letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. payments-primary", t.PagerDuty)
		}
	}
}

// bucketName checks S3's naming rules.
func (c *checker) bucketName(src *Source, path, name string) {
	switch {
	case len(name) > maxBucketName:
		c.errorf(src, KindValue, path, "bucket name %q is %d characters; S3 allows %d", name, len(name), maxBucketName)
	case !bucketRE.MatchString(name) || strings.Contains(name, ".."):
		c.errorf(src, KindValue, path, "%q is not a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit", name)
	}
}

func (c *checker) environment(p *Platform, e *Environment) {
	src := e.Source
	if c.dnsLabel(src, "name", e.Name) {
		c.nameMatchesFile(src, e.Name)
	}
	if e.Account == "" {
		c.required(src, "account", "the 12-digit AWS account id, quoted")
	} else if !accountRE.MatchString(e.Account) {
		c.errorf(src, KindValue, "account", "%q is not a 12-digit AWS account id", e.Account)
	}
	if src.Has("region") && !regionRE.MatchString(e.Region) {
		c.errorf(src, KindValue, "region", "%q is not an AWS region, e.g. eu-west-1", e.Region)
	}
	c.network(src, e.Network)
	if (p != nil || src.Has("cluster.name")) && !clusterRE.MatchString(e.Cluster.Name) {
		c.errorf(src, KindValue, "cluster.name", "%q is not a valid EKS cluster name: up to 100 letters, digits, hyphens and underscores", e.Cluster.Name)
	}
	d := e.Delivery
	switch d.Trigger {
	case TriggerMerge, TriggerTag, TriggerManual:
	default:
		c.enum(src, "delivery.trigger", d.Trigger, TriggerMerge, TriggerTag, TriggerManual)
	}
	if d.Branch != "" && d.Trigger != TriggerMerge {
		c.errorf(src, KindValue, "delivery.branch", "a branch applies only to trigger %q, not %q", TriggerMerge, d.Trigger)
	} else if d.Branch != "" && !validBranch(d.Branch) {
		c.errorf(src, KindValue, "delivery.branch", "%q is not a plain branch name: letters, digits, '.', '_', '-' and '/', no \"..\", no pattern, not starting with '-', '.' or '/' nor ending with '/', '.' or .lock, e.g. main or release/v2", d.Branch)
	}
	if d.Approvals < 0 || d.Approvals > 6 {
		c.errorf(src, KindValue, "delivery.approvals", "%d is outside 0 to 6 (GitHub allows up to 6 required reviewers)", d.Approvals)
	}
	if d.Approvals > 0 && len(d.Reviewers) == 0 {
		c.errorf(src, KindValue, "delivery.approvals", "%d approvals need reviewers; add delivery.reviewers", d.Approvals)
	}
	if len(d.Reviewers) > 6 {
		c.errorf(src, KindValue, "delivery.reviewers", "%d reviewers; GitHub allows up to 6", len(d.Reviewers))
	}
	for i, r := range d.Reviewers {
		if p != nil {
			c.teamRef(p, src, fmt.Sprintf("delivery.reviewers[%d]", i), r)
		}
	}
	if d.WaitMinutes < 0 || d.WaitMinutes > 43200 {
		c.errorf(src, KindValue, "delivery.waitMinutes", "%d is outside 0 to 43200 (30 days, GitHub's limit)", d.WaitMinutes)
	}
	if !classRE.MatchString(e.Database.InstanceClass) {
		c.errorf(src, KindValue, "database.instanceClass", "%q is not an RDS instance class, e.g. db.t4g.micro", e.Database.InstanceClass)
	}
	if r := e.Database.BackupRetentionDays; r < 1 || r > 35 {
		c.errorf(src, KindValue, "database.backupRetentionDays", "%d is outside 1 to 35 (RDS's limits)", r)
	}
	if g := e.Alerting.Grafana; g != "" {
		if !grafanaRE.MatchString(g) {
			c.errorf(src, KindValue, "alerting.grafana", "%q is not the https base URL of a Grafana, e.g. https://grafana.prod.acme.example", g)
		}
	}
	if e.Replicas < 1 {
		c.errorf(src, KindValue, "replicas", "%d; an environment runs at least 1 replica of each service", e.Replicas)
	}
}

func (c *checker) network(src *Source, n Network) {
	if n.CIDR == "" {
		c.required(src, "network.cidr", "the VPC's IPv4 CIDR, e.g. 10.30.0.0/16")
	} else if pfx, err := netip.ParsePrefix(n.CIDR); err != nil || !pfx.Addr().Is4() {
		c.errorf(src, KindValue, "network.cidr", "%q is not an IPv4 CIDR, e.g. 10.30.0.0/16", n.CIDR)
	} else if pfx.Masked() != pfx {
		c.errorf(src, KindValue, "network.cidr", "%q has host bits set; did you mean %q?", n.CIDR, pfx.Masked().String())
	} else if pfx.Bits() < 16 || pfx.Bits() > 24 {
		c.errorf(src, KindValue, "network.cidr", "a /%d VPC; AWS allows /16 to /28 and Groundwork needs room for subnets: use /16 to /24", pfx.Bits())
	} else if !pfx.Addr().IsPrivate() {
		c.errorf(src, KindValue, "network.cidr", "%q is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", n.CIDR)
	} else if n.Zones >= 1 && n.Zones <= 6 {
		if _, _, _, err := n.Subnets(); err != nil {
			c.errorf(src, KindValue, "network.zones", "%d zones: %v", n.Zones, err)
		}
	}
	if n.Zones < 1 || n.Zones > 6 {
		c.errorf(src, KindValue, "network.zones", "%d is outside 1 to 6", n.Zones)
	}
	switch n.NATGateways {
	case NATNone, NATSingle, NATPerZone:
	default:
		c.enum(src, "network.natGateways", n.NATGateways, NATNone, NATSingle, NATPerZone)
	}
}

// overlaps reports environments whose VPCs overlap: peering, VPN and
// transit gateways need distinct ranges.
func (c *checker) overlaps(envs []*Environment) {
	for i, a := range envs {
		pa, err := netip.ParsePrefix(a.Network.CIDR)
		if err != nil {
			continue
		}
		for _, b := range envs[:i] {
			if pb, err := netip.ParsePrefix(b.Network.CIDR); err == nil && pa.Overlaps(pb) {
				c.errorf(a.Source, KindValue, "network.cidr", "%s overlaps %s of environment %q (%s); give each environment its own range",
					a.Network.CIDR, b.Network.CIDR, b.Name, b.Source.Path)
			}
		}
	}
}

func (c *checker) enum(src *Source, path, got string, allowed ...string) {
	msg := fmt.Sprintf("%q is not one of %s", got, strings.Join(allowed, ", "))
	if s := suggest(got, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	c.errorf(src, KindValue, path, "%s", msg)
}

// teamRef checks a reference to a platform team.
func (c *checker) teamRef(p *Platform, src *Source, path, name string) {
	if _, ok := p.Teams[name]; ok {
		return
	}
	names := slices.Sorted(maps.Keys(p.Teams))
	msg := fmt.Sprintf("team %q is not declared in %s", name, p.Source.Path)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; teams: " + strings.Join(names, ", ")
	}
	c.errorf(src, KindReference, path, "%s", msg)
}

// envRef checks a reference to an environment, at the key when it is one.
func (c *checker) envRef(m *Model, src *Source, p Pos, path, name string) {
	if m.Environment(name) != nil {
		return
	}
	names := make([]string, len(m.Environments))
	for i, e := range m.Environments {
		names[i] = e.Name
	}
	msg := fmt.Sprintf("environment %q does not exist", name)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; environments: " + strings.Join(names, ", ")
	}
	c.report(src, p, KindReference, path, "%s", msg)
}

// unique reports a name already used by an earlier element of the same list.
func (c *checker) unique(src *Source, seen map[string]string, path, what, name string) {
	if first, dup := seen[name]; dup {
		c.errorf(src, KindReference, path, "%s %q is already declared at %s", what, name, first)
		return
	}
	seen[name] = path
}

func (c *checker) duration(src *Source, path string, d Duration) (time.Duration, bool) {
	v, err := d.parse()
	if err != nil || v <= 0 {
		c.errorf(src, KindValue, path, "%q is not a positive duration such as 30s, 5m, 26h or 28d", string(d))
		return 0, false
	}
	return v, true
}

func (c *checker) service(m *Model, s *Service) {
	src := s.Source
	if c.dnsLabel(src, "name", s.Name) {
		c.nameMatchesFile(src, s.Name)
		if slices.Contains(ReservedNamespaces, Namespace(s)) {
			c.errorf(src, KindValue, "name", "%q is the namespace of the cluster or one of its controllers, and a service runs in the namespace of its name; rename the service", s.Name)
		}
		if s.Name == OverviewDashboard {
			c.errorf(src, KindValue, "name", "%q is the name of the dashboard of all services (dashboards/%s.json); rename the service", s.Name, OverviewDashboard)
		}
	}
	if s.Team == "" {
		c.required(src, "team", "the owning team")
	} else if m.Platform != nil {
		c.teamRef(m.Platform, src, "team", s.Team)
	}
	if s.Port < 0 || s.Port > 65535 {
		c.errorf(src, KindValue, "port", "%d is not a TCP port", s.Port)
	}
	if !s.HTTP() && src.Has("health") {
		c.errorf(src, KindValue, "health", "a health path needs an HTTP port; add port or remove health")
	}
	if s.Health != "" && !strings.HasPrefix(s.Health, "/") {
		c.errorf(src, KindValue, "health", "%q is not an HTTP path; did you mean %q?", s.Health, "/"+s.Health)
	} else if s.Health != "" && !httpPathRE.MatchString(s.Health) {
		c.errorf(src, KindValue, "health", "%q is not a plain HTTP path: '/' then letters, digits, '.', '_', '~', '-' and '/', no query, e.g. /healthz", s.Health)
	}
	if s.Metrics.Port == 0 {
		c.errorf(src, KindValue, "metrics.port", "a service without an HTTP port needs metrics.port, where Prometheus scrapes it")
	} else if src.Has("metrics.port") && (s.Metrics.Port < 0 || s.Metrics.Port > 65535) {
		c.errorf(src, KindValue, "metrics.port", "%d is not a TCP port", s.Metrics.Port)
	}
	if !strings.HasPrefix(s.Metrics.Path, "/") {
		c.errorf(src, KindValue, "metrics.path", "%q is not an HTTP path", s.Metrics.Path)
	} else if !httpPathRE.MatchString(s.Metrics.Path) {
		c.errorf(src, KindValue, "metrics.path", "%q is not a plain HTTP path: '/' then letters, digits, '.', '_', '~', '-' and '/', no query, e.g. /metrics", s.Metrics.Path)
	}
	if b := s.Build; b != nil {
		if b.Context == "" {
			c.required(src, "build.context", "the folder the image is built from")
		} else {
			c.repoPath(src, "build.context", b.Context)
		}
		if src.Has("build.dockerfile") { // the default is the context's, checked above
			c.repoPath(src, "build.dockerfile", b.Dockerfile)
		}
	}
	for _, env := range slices.Sorted(maps.Keys(s.Replicas)) {
		path := "replicas." + env
		c.envRef(m, src, src.KeyPos(path), path, env)
		if n := s.Replicas[env]; n < 0 || n > 1000 {
			c.errorf(src, KindValue, path, "%d is outside 0 to 1000", n)
		}
	}
	c.quantity(src, "resources.cpu", s.Resources.CPU)
	c.quantity(src, "resources.memory", s.Resources.Memory)

	seen := map[string]string{}
	for i, o := range s.SLOs {
		c.slo(s, o, fmt.Sprintf("slos[%d]", i), seen)
	}
	if s.Database != nil {
		c.database(s)
	}
	seen = map[string]string{}
	for i, b := range s.Buckets {
		path := fmt.Sprintf("buckets[%d]", i)
		if b.Name == "" {
			c.required(src, path+".name", "the bucket's short name")
		} else if c.dnsLabel(src, path+".name", b.Name) {
			c.unique(src, seen, path+".name", "bucket", b.Name)
			if m.Platform != nil {
				for _, e := range m.Environments {
					if n := BucketName(m.Platform, e, s, b); len(n) > maxBucketName {
						c.errorf(src, KindValue, path+".name", "bucket name %q (in %s) is %d characters; S3 allows %d: shorten the bucket, service or environment name",
							n, e.Name, len(n), maxBucketName)
						break
					}
				}
			}
		}
		if b.ExpireDays < 0 {
			c.errorf(src, KindValue, path+".expireDays", "%d days; objects expire after at least 1 day", b.ExpireDays)
		}
	}
	seen = map[string]string{}
	for i, name := range s.Secrets {
		path := fmt.Sprintf("secrets[%d]", i)
		if c.dnsLabel(src, path, name) {
			c.unique(src, seen, path, "secret", name)
		}
	}
	seen = map[string]string{}
	for i, f := range s.Flags {
		path := fmt.Sprintf("flags[%d]", i)
		if f.Name == "" {
			c.required(src, path+".name", "the flag key")
		} else if c.dnsLabel(src, path+".name", f.Name) {
			c.unique(src, seen, path+".name", "flag", f.Name)
		}
		for j, env := range f.EnabledIn {
			p := fmt.Sprintf("%s.enabledIn[%d]", path, j)
			c.envRef(m, src, src.Pos(p), p, env)
		}
	}
	if s.Loadtest != nil {
		c.loadtest(s)
	}
	seen = map[string]string{}
	generated := GeneratedAlertNames(s)
	for i, a := range s.Alerts {
		path := fmt.Sprintf("alerts[%d]", i)
		c.alert(src, a, path, seen)
		if slices.Contains(generated, a.Name) {
			c.errorf(src, KindValue, path+".name", "%q is the name of an alert Groundwork generates for %s; give this one another name", a.Name, s.Name)
		}
	}
	if m.Platform != nil {
		c.awsNames(m, s)
	}
}

// repoPath checks a path inside the repository. Build paths end up in
// generated workflows, so anything beyond a plain relative path (an
// expression, a shell substitution, a quote, an option) is refused whatever
// the generator does with it.
func (c *checker) repoPath(src *Source, path, p string) {
	if p == "" {
		return
	}
	if why := repoPathProblem(p); why != "" {
		c.errorf(src, KindValue, path, "%q %s; write a plain path relative to the repository root, e.g. backend or backend/cmd/api/Dockerfile", p, why)
	}
}

// repoPathProblem says what is wrong with a repository path, or "".
func repoPathProblem(p string) string {
	if i := strings.IndexFunc(p, func(r rune) bool { return !plainPathRune(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(p[i:])
		return fmt.Sprintf("holds %q; use only letters, digits, '.', '_', '-' and '/'", r)
	}
	if strings.HasPrefix(p, "/") {
		return "is absolute"
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "leaves the folder it is in through \"..\""
		}
		if strings.HasPrefix(part, "-") {
			return "has a part starting with '-', which a command would read as an option"
		}
	}
	if clean := pathpkg.Clean(p); clean != p {
		return fmt.Sprintf("is not clean (%q)", clean)
	}
	return ""
}

// plainPathRune is the conservative alphabet of repository paths.
func plainPathRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '/'
}

func (c *checker) quantity(src *Source, path, q string) {
	v, err := resource.ParseQuantity(q)
	if err != nil || v.Sign() <= 0 {
		c.errorf(src, KindValue, path, "%q is not a positive Kubernetes quantity such as 250m, 1, 256Mi or 1Gi", q)
	}
}

// sliWindow is what custom SLI queries are rendered with at validation: any
// valid range makes the same parse.
const sliWindow = "5m"

func (c *checker) slo(s *Service, o *SLO, path string, seen map[string]string) {
	src := s.Source
	if o.Name == "" {
		c.required(src, path+".name", "the SLO's name")
	} else if c.dnsLabel(src, path+".name", o.Name) {
		c.unique(src, seen, path+".name", "SLO", o.Name)
	}
	if !src.Has(path + ".objective") {
		c.required(src, path+".objective", "a percentage such as 99.9")
	} else if o.Objective <= 0 || o.Objective >= 100 {
		c.errorf(src, KindValue, path+".objective", "%v is outside (0, 100); an objective is a percentage of good events, such as 99.9", o.Objective)
	}
	switch o.SLI.Builtin {
	case SLIAvailability, SLILatency:
		if !s.HTTP() {
			c.errorf(src, KindValue, path+".sli", "the built-in %q SLI measures HTTP requests and %s has no port; use custom errors and total queries", o.SLI.Builtin, s.Name)
		}
	case "":
		if !src.Has(path + ".sli") {
			c.required(src, path+".sli", "availability, latency, or errors and total queries")
		} else {
			c.customSLI(src, path+".sli.errors", o.SLI.Errors)
			c.customSLI(src, path+".sli.total", o.SLI.Total)
		}
	default:
		c.enum(src, path+".sli", o.SLI.Builtin, SLIAvailability, SLILatency)
	}
	if o.SLI.Builtin == SLILatency {
		if o.Threshold == "" {
			c.required(src, path+".threshold", "the latency a good request stays under, e.g. 300ms")
		} else {
			c.duration(src, path+".threshold", o.Threshold)
		}
	} else if o.Threshold != "" {
		c.errorf(src, KindValue, path+".threshold", "a threshold applies only to the latency SLI")
	}
	if w, ok := c.duration(src, path+".window", o.Window); ok {
		if w%(24*time.Hour) != 0 || w < 24*time.Hour || w > 90*24*time.Hour {
			c.errorf(src, KindValue, path+".window", "%q is not a whole number of days from 1d to 90d", string(o.Window))
		} else if o.Objective > 0 && o.Objective < 100 {
			c.reachable(src, o, path, w)
		}
	}
}

// reachable refuses an SLO whose burn tier could never fire: a tier fires
// when the error ratio exceeds its factor times the error budget, and a ratio
// cannot exceed 1.
func (c *checker) reachable(src *Source, o *SLO, path string, window time.Duration) {
	for _, t := range o.Tiers() {
		f := t.Factor(window)
		if f*o.ErrorBudget() < 1 {
			continue
		}
		tier := "page"
		if t.Severity == SeverityTicket {
			tier = "ticket"
		}
		c.errorf(src, KindValue, path+".objective", "%v leaves an error budget of %.4g%%, and the %s tier fires only when more than %.4g times that budget (%.4g%% of events) fail, which cannot happen; raise the objective above %.4f or switch the tier off with alerting: {%s: false}",
			o.Objective, 100*o.ErrorBudget(), t.Name, f, 100*f*o.ErrorBudget(), 100*(1-1/f), tier)
		return
	}
}

// Threshold is what a spec alert's expression compares: a query, the
// comparison, and the number. The generated test drives the query to either
// side of it, and the dashboard plots the query with the number as a line.
type Threshold struct {
	Query parser.Expr
	Op    parser.ItemType
	Value float64
}

// AlertThreshold splits `<query> <op> <number>`; ok is false for any other
// shape, such as a comparison of two queries or one with bool.
func AlertThreshold(expr parser.Expr) (t Threshold, ok bool) {
	b, isBin := unparen(expr).(*parser.BinaryExpr)
	if !isBin || !b.Op.IsComparisonOperator() || b.ReturnBool || b.LHS.Type() != parser.ValueTypeVector {
		return t, false
	}
	n, num := unparen(b.RHS).(*parser.NumberLiteral)
	if !num {
		return t, false
	}
	return Threshold{Query: b.LHS, Op: b.Op, Value: n.Val}, true
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// customSLI checks a Sloth-style query: a template with {{.window}} that
// renders to valid PromQL.
func (c *checker) customSLI(src *Source, path, q string) {
	if q == "" {
		c.required(src, path, "a PromQL query with {{.window}} as its range")
		return
	}
	if !strings.Contains(q, "{{.window}}") {
		c.errorf(src, KindValue, path, "the query has no {{.window}}; write its range as [{{.window}}] so each burn-rate window can be filled in")
		return
	}
	rendered, err := RenderSLIQuery(q, sliWindow)
	if err != nil {
		c.errorf(src, KindValue, path, "not a valid template: %v", err)
		return
	}
	if _, err := c.promql.ParseExpr(rendered); err != nil {
		c.errorf(src, KindValue, path, "not valid PromQL once {{.window}} is %s: %v", sliWindow, err)
	}
}

// RenderSLIQuery fills a custom SLI query's {{.window}} with a range.
// {{.window}} is the only action a query may hold: the query is not run as a
// Go template, whose range over a number or nested loops would let a spec
// make the loader render gigabytes.
func RenderSLIQuery(q, window string) (string, error) {
	if rest := strings.ReplaceAll(q, sliPlaceholder, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return "", fmt.Errorf("only %s may be written between {{ and }}", sliPlaceholder)
	}
	return strings.ReplaceAll(q, sliPlaceholder, window), nil
}

// sliPlaceholder is where a custom SLI query's range goes.
const sliPlaceholder = "{{.window}}"

var supportedPG = []string{"14", "15", "16", "17"}

func (c *checker) database(s *Service) {
	src, db := s.Source, s.Database
	if db.Engine != defaultEngine {
		c.enum(src, "database.engine", db.Engine, defaultEngine)
	}
	if !slices.Contains(supportedPG, db.Version) {
		c.enum(src, "database.version", db.Version, supportedPG...)
	}
	if db.StorageGB < 20 || db.StorageGB > 65536 {
		c.errorf(src, KindValue, "database.storageGB", "%d is outside 20 to 65536 (RDS gp3's limits)", db.StorageGB)
	}
	b := db.Backup
	if b.RetentionDays < 1 {
		c.errorf(src, KindValue, "database.backup.retentionDays", "%d; backups are kept at least 1 day", b.RetentionDays)
	}
	maxAge, okAge := c.duration(src, "database.backup.maxAge", b.MaxAge)
	sched, err := cron.ParseStandard(b.Schedule)
	if err != nil || strings.HasPrefix(strings.TrimSpace(b.Schedule), "@") || strings.HasPrefix(b.Schedule, "CRON_TZ") || strings.HasPrefix(b.Schedule, "TZ") {
		msg := "five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\""
		if err != nil {
			msg = err.Error() + "; " + msg
		}
		c.errorf(src, KindValue, "database.backup.schedule", "%q is not a cron schedule: %s", b.Schedule, msg)
		return
	}
	if f := strings.Fields(b.Schedule); f[2] != "*" && f[4] != "*" {
		c.errorf(src, KindValue, "database.backup.schedule", "%q sets both day-of-month and day-of-week; AWS Backup takes one of them", b.Schedule)
	}
	cs, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return // descriptors and time zones are refused above
	}
	gap, fires := longestGap(cs)
	switch {
	case !fires:
		c.errorf(src, KindValue, "database.backup.schedule", "%q never fires: %s; use a day every month has (1 to 28), or * with a day of the week", b.Schedule, missingDays(cs))
	case gap > leapOnly:
		c.errorf(src, KindValue, "database.backup.schedule", "%q fires only on 29 February, once every four years; use a day every month has (1 to 28), or * with a day of the week", b.Schedule)
	case okAge && gap > maxAge:
		c.errorf(src, KindValue, "database.backup.maxAge", "%s is shorter than the %s between two backups of schedule %q; the backup-age alert would fire between every two backups",
			string(b.MaxAge), model.Duration(gap), b.Schedule)
	}
}

// gaps memoises scanGaps by schedule: organisations use a handful of
// schedules across thousands of services, and each takes a walk of 28 years
// of days. It holds at most one entry per distinct schedule of the specs.
var gaps sync.Map // [5]uint64 (the schedule's fields) -> gapOf

type gapOf struct {
	gap   time.Duration
	fires bool
}

// longestGap is scanGaps, memoised.
func longestGap(s *cron.SpecSchedule) (time.Duration, bool) {
	key := [5]uint64{s.Minute, s.Hour, s.Dom, s.Month, s.Dow}
	if g, ok := gaps.Load(key); ok {
		return g.(gapOf).gap, g.(gapOf).fires
	}
	gap, fires := scanGaps(s)
	gaps.Store(key, gapOf{gap, fires})
	return gap, fires
}

// cronCycle is the span after which a five-field UTC schedule repeats: 28
// years hold every combination of weekday, day of month and leap year (the
// Gregorian century rule does not apply between 1901 and 2099).
const cronCycle = 28

// leapOnly is longer than any gap of a schedule that fires every year.
const leapOnly = 3 * 366 * 24 * time.Hour

// scanGaps is the longest time between two runs of a schedule, and whether
// it fires at all. Runs repeat every day on the same times, so it walks the
// days of one cycle rather than the runs (a schedule may fire every minute):
// a fixed number of steps whatever the schedule, never dependent on today.
func scanGaps(s *cron.SpecSchedule) (time.Duration, bool) {
	var times []time.Duration // times of day of the runs, ascending
	for h := range 24 {
		for m := range 60 {
			if s.Hour&(1<<h) != 0 && s.Minute&(1<<m) != 0 {
				times = append(times, time.Duration(h)*time.Hour+time.Duration(m)*time.Minute)
			}
		}
	}
	if len(times) == 0 {
		return 0, false
	}
	var gap time.Duration
	for i := 1; i < len(times); i++ {
		gap = max(gap, times[i]-times[i-1])
	}
	// Between two firing days, the gap runs from the last run of the first
	// to the first run of the second.
	first, last := times[0], times[len(times)-1]
	between := func(from, to int) time.Duration {
		return time.Duration(to-from)*24*time.Hour + first - last
	}
	firstDay, prevDay, day := -1, -1, 0
	wd := time.Date(cronStart, time.January, 1, 0, 0, 0, 0, time.UTC).Weekday()
	for y := cronStart; y < cronStart+cronCycle; y++ {
		for m := time.January; m <= time.December; m++ {
			n := daysIn(y, m)
			if s.Month&(1<<uint(m)) == 0 {
				day, wd = day+n, (wd+time.Weekday(n))%7
				continue
			}
			for d := 1; d <= n; d++ {
				if dayFires(s, d, wd) {
					if prevDay >= 0 {
						gap = max(gap, between(prevDay, day))
					} else {
						firstDay = day
					}
					prevDay = day
				}
				day++
				wd = (wd + 1) % 7
			}
		}
	}
	if firstDay < 0 {
		return 0, false
	}
	return max(gap, between(prevDay, firstDay+day)), true // the cycle wraps around
}

// cronStart is the first year of the cycle scanGaps walks: a fixed year, so
// that the answer never depends on today.
const cronStart = 2025

// daysIn is the length of a month.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayFires is robfig/cron's day rule: day of month and day of week must
// both match when either is *, and either of them otherwise.
func dayFires(s *cron.SpecSchedule, dom int, wd time.Weekday) bool {
	const star = 1 << 63
	domOK := s.Dom&(1<<uint(dom)) != 0
	dowOK := s.Dow&(1<<uint(wd)) != 0
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// missingDays says why a schedule never fires: a schedule that names
// months and days of month but no day of the week fires on no day when none
// of those months has those days, e.g. 30 February.
func missingDays(s *cron.SpecSchedule) string {
	var days, months []string
	for d := 1; d <= 31; d++ {
		if s.Dom&(1<<d) != 0 {
			days = append(days, fmt.Sprint(d))
		}
	}
	for m := time.January; m <= time.December; m++ {
		if s.Month&(1<<uint(m)) != 0 {
			months = append(months, m.String())
		}
	}
	return "there is no " + orList(days) + " " + orList(months)
}

// orList joins words as prose: "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

func (c *checker) loadtest(s *Service) {
	src, lt := s.Source, s.Loadtest
	if !s.HTTP() {
		c.errorf(src, KindValue, "loadtest", "a load test sends HTTP requests and %s has no port", s.Name)
	}
	if lt.Rate < 1 || lt.Rate > 10000 {
		c.errorf(src, KindValue, "loadtest.rate", "%d requests per second is outside 1 to 10000", lt.Rate)
	}
	c.duration(src, "loadtest.duration", lt.Duration)
	if len(lt.Requests) == 0 {
		c.required(src, "loadtest.requests", "at least one request")
	}
	for i, r := range lt.Requests {
		path := fmt.Sprintf("loadtest.requests[%d]", i)
		if !slices.Contains(httpMethods, r.Method) {
			c.enum(src, path+".method", r.Method, httpMethods...)
		}
		if !strings.HasPrefix(r.Path, "/") {
			c.errorf(src, KindValue, path+".path", "%q is not an HTTP path starting with /", r.Path)
		} else if !requestPathRE.MatchString(r.Path) {
			c.errorf(src, KindValue, path+".path", "%q is not a plain request path: '/' then letters, digits and . _ ~ %% - /, and an optional query of the same with & = + , :; percent-encode anything else, e.g. /v1/orders?limit=10", r.Path)
		}
		c.text(src, path+".body", r.Body)
		if r.Body != "" && (r.Method == "GET" || r.Method == "HEAD" || r.Method == "DELETE") {
			c.errorf(src, KindValue, path+".body", "a %s request has no body", r.Method)
		}
	}
}

func (c *checker) alert(src *Source, a *Alert, path string, seen map[string]string) {
	if !alertNameRE.MatchString(a.Name) {
		c.errorf(src, KindValue, path+".name", "%q is not an alert name: UpperCamelCase letters and digits, e.g. OrderQueueBacklog", a.Name)
	} else {
		c.unique(src, seen, path+".name", "alert", a.Name)
	}
	if a.Expr == "" {
		c.required(src, path+".expr", "the PromQL expression that fires the alert")
	} else if expr, err := c.promql.ParseExpr(a.Expr); err != nil {
		c.errorf(src, KindValue, path+".expr", "not valid PromQL: %v", err)
	} else if _, ok := AlertThreshold(expr); !ok {
		c.errorf(src, KindValue, path+".expr", "%q does not compare a query with a number; write it as <query> > <number> (or <, >=, <=, ==, !=), e.g. orders_queue_depth > 1000, so that its generated test can push the query above and below the number", a.Expr)
	}
	c.duration(src, path+".for", a.For)
	if a.Severity != SeverityPage && a.Severity != SeverityTicket {
		c.enum(src, path+".severity", a.Severity, SeverityPage, SeverityTicket)
	}
	if strings.TrimSpace(a.Summary) == "" {
		c.required(src, path+".summary", "one sentence that tells on-call what broke")
	} else if strings.ContainsFunc(a.Summary, unicode.IsControl) {
		c.errorf(src, KindValue, path+".summary", "holds a line break or control character; a summary is one line (write details in runbook)")
	}
	c.text(src, path+".runbook", a.Runbook)
}

// awsNames checks the names this service gets in every environment against
// AWS's limits, so that Terraform never meets a name it must refuse.
func (c *checker) awsNames(m *Model, s *Service) {
	for _, e := range m.Environments {
		if s.Database != nil {
			if id := DatabaseIdentifier(m.Platform, e, s); len(id) > maxRDSID || strings.Contains(id, "--") {
				c.errorf(s.Source, KindValue, "database", "RDS identifier %q (in %s) must be at most %d characters with no two hyphens in a row", id, e.Name, maxRDSID)
				return
			}
		}
		if r := ServiceRoleName(m.Platform, e, s); len(r) > maxRoleName {
			c.errorf(s.Source, KindValue, "name", "IAM role name %q (in %s) is %d characters; IAM allows %d", r, e.Name, len(r), maxRoleName)
			return
		}
	}
}

// validBranch follows git's ref rules within a conservative alphabet: the
// name lands in workflow triggers and expressions, where '*' and '?' would be
// patterns and anything else could be syntax.
func validBranch(b string) bool {
	return branchRE.MatchString(b) && pathpkg.Clean(b) == b && !strings.Contains(b, "..") && !strings.Contains(b, "/.") &&
		!strings.HasSuffix(b, ".") && !strings.HasSuffix(b, ".lock") && !strings.Contains(b, ".lock/")
}

// validRegistry checks host[:port][/path] as Docker parses an image name,
// so that images are named the same in workflows, Terraform and Flux.
func validRegistry(r string) bool {
	host, rest, _ := strings.Cut(r, "/")
	if !registryHostRE.MatchString(host) {
		return false
	}
	if rest == "" {
		return !strings.Contains(r, "/")
	}
	for _, part := range strings.Split(rest, "/") {
		if !registryPathRE.MatchString(part) {
			return false
		}
	}
	return true
}

// text checks free text that generators copy into Markdown, YAML and
// scripts: it may hold line breaks and tabs, no other control character.
func (c *checker) text(src *Source, path, s string) {
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		c.errorf(src, KindValue, path, "holds the control character %U; remove it", r)
	}
}
