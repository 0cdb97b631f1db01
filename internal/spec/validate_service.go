package spec

// Service specs: names, build paths, resources, load tests and spec alerts.

import (
	"fmt"
	"maps"
	pathpkg "path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
)

// service checks one service spec against the platform and environments.
func (c *checker) service(m *Model, s *Service) {
	c.serviceName(m, s)
	c.endpoints(s)
	c.workload(m, s)
	seen := map[string]string{}
	for i, o := range s.SLOs {
		c.slo(s, o, fmt.Sprintf("slos[%d]", i), seen)
	}
	if s.Database != nil {
		c.database(s)
		c.dataClasses(s.Source, "database.classification", s.Database.Classification)
	}
	c.buckets(m, s)
	c.secretsAndFlags(m, s)
	if s.Loadtest != nil {
		c.loadtest(s)
	}
	if s.PartnerAPI != nil {
		c.partnerAPI(s)
	}
	seen = map[string]string{}
	generated := GeneratedAlertNames(s)
	for i, a := range s.Alerts {
		path := fmt.Sprintf("alerts[%d]", i)
		c.alert(s.Source, a, path, seen)
		if slices.Contains(generated, a.Name) {
			c.errorf(s.Source, KindValue, path+".name", "%q is the name of an alert Groundwork generates for %s; give this one another name", a.Name, s.Name)
		}
	}
	if m.Platform != nil {
		c.awsNames(m, s)
	}
}

// serviceName checks the name and the team: names become namespaces and
// dashboards, so some are taken.
func (c *checker) serviceName(m *Model, s *Service) {
	src := s.Source
	if c.dnsLabel(src, "name", s.Name) {
		c.nameMatchesFile(src, s.Name)
		if slices.Contains(ReservedNamespaces, Namespace(s)) {
			c.errorf(src, KindValue, "name", "%q is the namespace of the cluster or one of its controllers, and a service runs in the namespace of its name; rename the service", s.Name)
		}
		if s.Name == PgopsRelease {
			c.errorf(src, KindValue, "name", "%q is the name, in the release records, of the image of the database jobs; rename the service", s.Name)
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
}

// endpoints checks the ports and paths Kubernetes probes and Prometheus
// scrapes.
func (c *checker) endpoints(s *Service) {
	src := s.Source
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
}

// workload checks the build, the replicas per environment and the
// resources.
func (c *checker) workload(m *Model, s *Service) {
	src := s.Source
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
}

// buckets checks bucket names, unique in the service and short enough for
// S3 once the platform, environment and service prefix them.
func (c *checker) buckets(m *Model, s *Service) {
	src := s.Source
	seen := map[string]string{}
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
		c.bucketRetention(src, path, b)
	}
}

// secretsAndFlags checks that secret and flag names are unique labels and
// that flags name real environments.
func (c *checker) secretsAndFlags(m *Model, s *Service) {
	src := s.Source
	seen := map[string]string{}
	for i, name := range s.Secrets {
		path := fmt.Sprintf("secrets[%d]", i)
		if c.dnsLabel(src, path, name) {
			c.unique(src, seen, path, "secret", name)
		}
	}
	c.flags(m, s)
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
		if s.Database == nil {
			continue
		}
		if r := DatabaseJobsRoleName(m.Platform, e, s); len(r) > maxRoleName {
			c.errorf(s.Source, KindValue, "database", "IAM role name %q of the database jobs (in %s) is %d characters; IAM allows %d: shorten the service or environment name", r, e.Name, len(r), maxRoleName)
			return
		}
		if r := CloudWatchExporterRoleName(m.Platform, e); len(r) > maxRoleName {
			c.errorf(s.Source, KindValue, "database", "IAM role name %q of the CloudWatch exporter that watches the database (in %s) is %d characters; IAM allows %d: shorten the environment name", r, e.Name, len(r), maxRoleName)
			return
		}
		if n := BackupBucketName(m.Platform, e, s); len(n) > maxBucketName {
			c.errorf(s.Source, KindValue, "database", "backup bucket name %q (in %s) is %d characters; S3 allows %d: shorten the service or environment name", n, e.Name, len(n), maxBucketName)
			return
		}
	}
}

// acrossServices checks s against the other services: of the checks of a
// service, those a service whose own specs did not change can fail.
func (c *checker) acrossServices(m *Model, s *Service) {
	if s.Database != nil {
		// The database jobs' role is the service's role name and "-db".
		if o := m.Service(s.Name + "-db"); o != nil {
			c.errorf(s.Source, KindValue, "database", "the IAM role of %s's database jobs would have the name of service %s's role; rename one of the two services", s.Name, o.Name)
		}
	}
}
