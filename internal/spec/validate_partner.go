package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	// scopeRE is resource:action, e.g. orders:read.
	scopeRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}:[a-z][a-z0-9-]{0,40}$`)
	// domainRE is a lowercase DNS name of two labels or more.
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// emailRE is deliberately plain: a playbook prints it and people mail it.
	emailRE = regexp.MustCompile(`^[A-Za-z0-9._%+-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// dataPolicy checks the platform's retention policy: its logs name people,
// so they are held to the personal-data limit like any other store (the
// retention check does that, at data.logDays).
func (c *checker) dataPolicy(p *Platform) {
	d := p.Data
	if d.PersonalMaxDays < 1 {
		c.errorf(p.Source, KindValue, "data.personalMaxDays", "%d; personal data is kept at least 1 day", d.PersonalMaxDays)
	}
	if !slices.Contains(cloudWatchRetention, d.LogDays) {
		msg := fmt.Sprintf("%d is not a retention CloudWatch Logs offers", d.LogDays)
		if n := nearestAtMost(cloudWatchRetention, d.LogDays); n > 0 {
			msg += fmt.Sprintf("; the nearest below is %d", n)
		}
		c.errorf(p.Source, KindValue, "data.logDays", "%s (%s)", msg, joinInts(cloudWatchRetention))
	}
	if d.MetricsDays < 1 || d.MetricsDays > 365 {
		c.errorf(p.Source, KindValue, "data.metricsDays", "%d; Prometheus keeps 1 to 365 days here (longer belongs in long-term storage)", d.MetricsDays)
	}
}

// cloudWatchRetention are the values CloudWatch Logs accepts for a log
// group's retention.
var cloudWatchRetention = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func nearestAtMost(sorted []int, v int) int {
	best := 0
	for _, n := range sorted {
		if n <= v {
			best = n
		}
	}
	return best
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// ingress checks how the environment publishes services, and that demo
// data stays out of production.
func (c *checker) ingress(e *Environment) {
	src := e.Source
	if in := e.Ingress; in != nil {
		if in.Domain == "" {
			c.required(src, "ingress.domain", "the DNS name services are published under, e.g. sandbox.acme.example")
		} else if !domainRE.MatchString(in.Domain) || len(in.Domain) > 200 {
			c.errorf(src, KindValue, "ingress.domain", "%q is not a lowercase DNS name such as sandbox.acme.example", in.Domain)
		}
		c.dnsLabel(src, "ingress.class", in.Class)
	}
	if e.DemoData && e.Production {
		c.errorf(src, KindValue, "demoData", "%s is a production environment; demo data belongs in a sandbox: remove demoData", e.Name)
	}
}

// dataClasses checks a classification list.
func (c *checker) dataClasses(src *Source, path string, classes []string) {
	seen := map[string]string{}
	for i, cl := range classes {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !slices.Contains(DataClasses, cl) {
			c.enum(src, p, cl, DataClasses...)
			continue
		}
		c.unique(src, seen, p, "class", cl)
	}
}

// bucketRetention checks that a bucket says how long it keeps objects:
// an expiry, or the written reason it has none.
func (c *checker) bucketRetention(src *Source, path string, b *Bucket) {
	switch {
	case b.ExpireDays == 0 && strings.TrimSpace(b.KeepForever) == "":
		c.errorf(src, KindValue, path, "bucket %q states no retention; every store says how long it keeps data: set expireDays (e.g. expireDays: 365), or keepForever with the reason", b.Name)
	case b.ExpireDays > 0 && b.KeepForever != "":
		c.errorf(src, KindValue, path+".keepForever", "bucket %q sets both expireDays and keepForever; keep one", b.Name)
	}
	c.text(src, path+".keepForever", b.KeepForever)
	c.dataClasses(src, path+".classification", b.Classification)
}

// partnerAPI checks the routes a service opens to partners: scopes,
// a base path that publishes nothing else, and examples a playbook can
// print and a test can replay.
func (c *checker) partnerAPI(s *Service) {
	api, src := s.PartnerAPI, s.Source
	if !s.HTTP() {
		c.errorf(src, KindValue, "partnerApi", "%s serves no HTTP (no port); a partner API needs one", s.Name)
	}
	switch {
	case !httpPathRE.MatchString(api.BasePath) || api.BasePath == "/" || strings.HasSuffix(api.BasePath, "/"):
		c.errorf(src, KindValue, "partnerApi.basePath", "%q is not a path prefix such as /partner/v1 (no trailing slash, not /: only these routes are published)", api.BasePath)
	case api.BasePath == s.Health || strings.HasPrefix(s.Health, api.BasePath+"/") || api.BasePath == s.Metrics.Path || strings.HasPrefix(s.Metrics.Path, api.BasePath+"/"):
		c.errorf(src, KindValue, "partnerApi.basePath", "%q would publish the service's health or metrics path; choose a prefix of the partner routes only", api.BasePath)
	}
	if len(api.Scopes) == 0 {
		c.required(src, "partnerApi.scopes", "the scopes keys may hold, e.g. {orders:read: Read orders}")
	}
	for _, name := range slices.Sorted(maps.Keys(api.Scopes)) {
		p := "partnerApi.scopes." + name
		if !scopeRE.MatchString(name) {
			c.report(src, src.KeyPos(p), KindValue, p, "%q is not a scope: resource:action in lowercase, e.g. orders:read", name)
		}
		if strings.TrimSpace(api.Scopes[name]) == "" {
			c.errorf(src, KindValue, p, "say what %s allows; the playbook prints it", name)
		}
		c.text(src, p, api.Scopes[name])
	}
	scopes := slices.Sorted(maps.Keys(api.Scopes))
	for i, x := range api.Examples {
		p := fmt.Sprintf("partnerApi.examples[%d]", i)
		if x == nil {
			continue
		}
		if strings.TrimSpace(x.Title) == "" {
			c.required(src, p+".title", "what the request does, e.g. List your orders")
		}
		c.text(src, p+".title", x.Title)
		if !slices.Contains(httpMethods, x.Method) {
			c.enum(src, p+".method", x.Method, httpMethods...)
		}
		if !requestPathRE.MatchString(x.Path) {
			c.errorf(src, KindValue, p+".path", "%q is not a path below basePath such as /orders", x.Path)
		}
		if x.Body != "" && !json.Valid([]byte(x.Body)) {
			c.errorf(src, KindValue, p+".body", "is not JSON; a partner copies it as is")
		}
		if _, ok := api.Scopes[x.Scope]; !ok {
			c.scopeRef(src, p+".scope", x.Scope, scopes)
		}
		if x.Status < 100 || x.Status > 599 {
			c.errorf(src, KindValue, p+".status", "%d is not an HTTP status", x.Status)
		}
	}
}

func (c *checker) scopeRef(src *Source, path, got string, scopes []string) {
	msg := fmt.Sprintf("%q is not a scope of the partner API", got)
	if s := suggest(got, scopes); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; scopes: " + strings.Join(scopes, ", ")
	}
	c.errorf(src, KindReference, path, "%s", msg)
}

// partner checks a partner spec: who they are, who sponsors them, what
// they may call and where. Production comes after a sandbox and a
// recorded sign-off, and every environment a partner calls must publish
// the service.
func (c *checker) partner(m *Model, p *Partner) {
	src := p.Source
	if c.dnsLabel(src, "name", p.Name) {
		c.nameMatchesFile(src, p.Name)
		if p.Name == "unknown" {
			c.errorf(src, KindValue, "name", "%q is what metrics call a request without a valid key; rename the partner", p.Name)
		}
	}
	c.text(src, "description", p.Description)
	if p.Contact.Name == "" {
		c.required(src, "contact.name", "the person or team at the partner")
	}
	c.text(src, "contact.name", p.Contact.Name)
	if p.Contact.Email == "" {
		c.required(src, "contact.email", "where keys and notices go")
	} else if !emailRE.MatchString(p.Contact.Email) {
		c.errorf(src, KindValue, "contact.email", "%q is not an email address like integrations@partner.example", p.Contact.Email)
	}
	if p.Team == "" {
		c.required(src, "team", "our team that sponsors the partner")
	} else if m.Platform != nil {
		c.teamRef(m.Platform, src, "team", p.Team)
	}
	if len(p.Access) == 0 {
		c.required(src, "access", "the services the partner calls, e.g. [{service: api, scopes: [orders:read]}]")
	}
	seen := map[string]string{}
	for i, a := range p.Access {
		path := fmt.Sprintf("access[%d]", i)
		if a == nil {
			continue
		}
		s := m.Service(a.Service)
		switch {
		case a.Service == "":
			c.required(src, path+".service", "a service with a partnerApi")
			continue
		case s == nil:
			c.serviceRef(m, src, path+".service", a.Service)
			continue
		case s.PartnerAPI == nil:
			c.errorf(src, KindReference, path+".service", "%s has no partnerApi; add one to %s (basePath, scopes) before partners call it", a.Service, s.Source.Path)
			continue
		}
		c.unique(src, seen, path+".service", "service", a.Service)
		if len(a.Scopes) == 0 {
			c.required(src, path+".scopes", "the scopes the partner's keys hold")
		}
		scopes := slices.Sorted(maps.Keys(s.PartnerAPI.Scopes))
		held := map[string]string{}
		for j, sc := range a.Scopes {
			sp := fmt.Sprintf("%s.scopes[%d]", path, j)
			if _, ok := s.PartnerAPI.Scopes[sc]; !ok {
				c.scopeRef(src, sp, sc, scopes)
				continue
			}
			c.unique(src, held, sp, "scope", sc)
		}
	}
	if len(p.Environments) == 0 {
		c.required(src, "environments", "where the partner may call: a sandbox first")
	}
	sandbox := false
	envSeen := map[string]string{}
	for i, name := range p.Environments {
		path := fmt.Sprintf("environments[%d]", i)
		e := m.Environment(name)
		if e == nil {
			c.envRef(m, src, src.Pos(path), path, name)
			continue
		}
		c.unique(src, envSeen, path, "environment", name)
		if !e.Production {
			sandbox = true
		} else if p.SignOff == nil {
			c.errorf(src, KindValue, path, "%s is a production environment; partners go live after sign-off: add signOff {date, by} once the partner has passed the sandbox, or remove %s", name, name)
		}
		if e.Ingress == nil {
			c.errorf(src, KindReference, path, "%s publishes no services (no ingress in %s), so the partner could not reach it; add ingress: {domain: ...} there", name, e.Source.Path)
		}
	}
	if len(p.Environments) > 0 && !sandbox {
		c.errorf(src, KindValue, "environments", "lists no sandbox; partners start in a non-production environment, e.g. [sandbox]")
	}
	if so := p.SignOff; so != nil {
		if _, err := time.Parse(time.DateOnly, so.Date); err != nil {
			c.errorf(src, KindValue, "signOff.date", "%q is not a date YYYY-MM-DD", so.Date)
		}
		if !githubRE.MatchString(so.By) {
			c.errorf(src, KindValue, "signOff.by", "%q is not a GitHub user or team such as @acme/payments", so.By)
		}
		c.text(src, "signOff.ticket", so.Ticket)
	}
	if r := p.RateLimit; r.PerMinute < 1 || r.Burst < 1 {
		c.errorf(src, KindValue, "rateLimit", "perMinute %d and burst %d; both are at least 1", r.PerMinute, r.Burst)
	}
}

// serviceRef reports a reference to a service that does not exist, unless
// its spec exists but did not decode (its own diagnostics say why).
func (c *checker) serviceRef(m *Model, src *Source, path, name string) {
	if m.unread[kindName(kindService)+"/"+name] {
		return
	}
	names := make([]string, len(m.Services))
	for i, s := range m.Services {
		names[i] = s.Name
	}
	c.errorf(src, KindReference, path, "%s", unknownName("service", name, names))
}
