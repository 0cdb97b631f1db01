//go:build e2e

package observability_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// prometheusBin is Debian's Prometheus; the test fails without it, since it
// is the only proof that the committed rules compute what they claim.
const prometheusBin = "/usr/bin/prometheus"

// Scrape and evaluation interval: short, so that the test sees rates and
// recordings within seconds.
const interval = time.Second

// ruleFileName names the rule file Prometheus loads.
const ruleFileName = service + ".rules.yaml"

// ruleFile is the rule file Prometheus loads, as the test reads it: the
// groups, and when each group with an interval of its own first runs.
type ruleFile struct {
	data   []byte // the PrometheusRule's spec, which is a rule file
	Groups []struct {
		Name     string
		Interval string
		Rules    []struct {
			Record, Alert, Expr string
			Labels              map[string]string
		}
	}
}

func readRules(t *testing.T) *ruleFile {
	t.Helper()
	data, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	// The spec of a PrometheusRule is a Prometheus rule file, as the
	// operator writes it for Prometheus.
	var pr struct {
		Spec yaml.Node `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &pr); err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	spec, err := yaml.Marshal(&pr.Spec)
	if err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	rf := &ruleFile{data: spec}
	if err := yaml.Unmarshal(spec, rf); err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	if len(rf.Groups) == 0 {
		t.Fatalf("%s has no rule groups", rulesPath)
	}
	return rf
}

// slow are the groups evaluated less often than every interval (the SLO
// period groups, every 5m), with their intervals.
func (rf *ruleFile) slow(t *testing.T) map[string]time.Duration {
	t.Helper()
	out := map[string]time.Duration{}
	for _, g := range rf.Groups {
		if g.Interval == "" {
			continue
		}
		d, err := model.ParseDuration(g.Interval)
		if err != nil {
			t.Fatalf("%s: group %s: interval %q: %v", rulesPath, g.Name, g.Interval, err)
		}
		if time.Duration(d) > interval {
			out[g.Name] = time.Duration(d)
		}
	}
	return out
}

type prom struct {
	t       *testing.T
	url     string
	started time.Time
	// firstSlow is when the slow groups run first, as predicted.
	firstSlow time.Time
}

// startPrometheus runs Prometheus on a free port, scraping the api as job
// api in namespace api as a ServiceMonitor would label it, and the
// Pushgateway stand-in with honor_labels, as the Pushgateway is scraped,
// with the committed rule file.
//
// Prometheus runs a group first at the first slot of its interval after it
// starts, the slot offset by a hash of the group's name and file
// (rules.Group.EvalTimestamp). The SLO period groups run every 5m, so they
// might first run 5m after start, or before any traffic, and then not again
// within the test. The test therefore copies the rule file, byte for byte,
// to a path for which every slow group's first slot falls between
// slowFrom and slowTo after start: after the traffic, before the test is
// out of time. Should the prediction miss (another Prometheus hashing
// otherwise), the test waits for the real evaluation, only longer.
func startPrometheus(t *testing.T, rf *ruleFile, apiAddr, pushgatewayAddr string, slowFrom, slowTo time.Duration) *prom {
	t.Helper()
	if _, err := os.Stat(prometheusBin); err != nil {
		t.Fatal("install Debian's prometheus package: apt-get install prometheus")
	}
	major := prometheusMajor(t)
	dir := t.TempDir()
	port := freePort(t)
	slow := rf.slow(t)
	start := time.Now().Add(time.Second) // the rule manager starts after the TSDB opens
	rulesFile, first := slottedPath(t, dir, major, slow, start, slowFrom, slowTo)
	if err := os.MkdirAll(filepath.Dir(rulesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rulesFile, rf.data, 0o644); err != nil {
		t.Fatal(err)
	}
	type static struct {
		Targets []string          `yaml:"targets"`
		Labels  map[string]string `yaml:"labels"`
	}
	type job struct {
		Name        string   `yaml:"job_name"`
		HonorLabels bool     `yaml:"honor_labels,omitempty"`
		Statics     []static `yaml:"static_configs"`
	}
	ns := map[string]string{"namespace": service}
	cfg, err := yaml.Marshal(struct {
		Global    map[string]string `yaml:"global"`
		RuleFiles []string          `yaml:"rule_files"`
		Scrape    []job             `yaml:"scrape_configs"`
	}{
		Global: map[string]string{
			"scrape_interval":     model.Duration(interval).String(),
			"scrape_timeout":      model.Duration(interval).String(),
			"evaluation_interval": model.Duration(interval).String(),
		},
		RuleFiles: []string{rulesFile},
		Scrape: []job{
			{Name: service, Statics: []static{{Targets: []string{apiAddr}, Labels: ns}}},
			{Name: spec.PushgatewayName, HonorLabels: true, Statics: []static{{Targets: []string{pushgatewayAddr}, Labels: map[string]string{"namespace": "monitoring"}}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(prometheusBin,
		"--config.file="+cfgFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
	)
	p := &prom{t: t, url: "http://" + addr, started: time.Now(), firstSlow: first}
	// A rule file Prometheus cannot load stops it at start: waitHTTP then
	// fails with its log, which names the rule.
	startProcess(t, "prometheus", cmd).waitHTTP(t, p.url+"/-/ready", 30*time.Second)
	return p
}

// prometheusMajor reads the major version from prometheus --version.
func prometheusMajor(t *testing.T) int {
	t.Helper()
	out, err := exec.Command(prometheusBin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("prometheus --version: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`version (\d+)\.`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("prometheus --version says %q", out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	return major
}

// slottedPath finds a path dir/<n>/<name of the rule file> whose slow groups
// all first run between from and to after start, as soon as it can, and
// returns it with the last of those first runs.
func slottedPath(t *testing.T, dir string, major int, slow map[string]time.Duration, start time.Time, from, to time.Duration) (string, time.Time) {
	t.Helper()
	var best string
	var bestLast time.Time
	for n := range 1_000_000 {
		path := filepath.Join(dir, strconv.Itoa(n), ruleFileName)
		var last time.Time
		fits := true
		for name, iv := range slow {
			first := firstEvaluation(major, path, name, iv, start)
			if first.Before(start.Add(from)) || first.After(start.Add(to)) {
				fits = false
				break
			}
			if first.After(last) {
				last = first
			}
		}
		if fits && (best == "" || last.Before(bestLast)) {
			best, bestLast = path, last
			if last.Before(start.Add(from + 5*time.Second)) {
				break // good enough
			}
		}
	}
	if best == "" {
		t.Fatalf("no rule file path puts the first runs of %d groups between %s and %s after start", len(slow), from, to)
	}
	return best, bestLast
}

// firstEvaluation is when Prometheus first evaluates a group that it starts
// at start: the first slot after start, slots being interval apart and
// offset from the epoch by the group's hash (rules.Group.EvalTimestamp).
func firstEvaluation(major int, file, group string, iv time.Duration, start time.Time) time.Time {
	offset := int64(groupHash(major, file, group) % uint64(iv))
	adj := start.UnixNano() - offset
	return time.Unix(0, adj-adj%int64(iv)+offset).Add(iv)
}

// groupHash is the hash of the labels {file, name} of a group, as
// labels.Labels.Hash computes it: Prometheus 2 hashes each name and value
// followed by 0xff; Prometheus 3 (stringlabels) hashes each prefixed by its
// length, one byte below 255.
func groupHash(major int, file, name string) uint64 {
	var b []byte
	for _, s := range []string{"file", file, "name", name} {
		if major < 3 {
			b = append(append(b, s...), 0xff)
			continue
		}
		if len(s) >= 255 {
			return 0 // longer strings encode otherwise; the prediction misses and the test waits
		}
		b = append(append(b, byte(len(s))), s...)
	}
	return xxhash.Sum64(b)
}

var errNoSample = errors.New("no sample")

// sample is one element of an instant vector.
type sample struct {
	Metric map[string]string
	Time   time.Time
	Value  float64
}

func (s sample) String() string {
	return fmt.Sprintf("%v %g @%s", s.Metric, s.Value, s.Time.Format("15:04:05.000"))
}

// get calls the HTTP API and decodes its data.
func (p *prom) get(path string, params url.Values, data any) error {
	resp, err := http.Get(p.url + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Status string
		Error  string
		Data   json.RawMessage
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("%s: %v: %s", path, err, body)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s %v: %s", path, params, r.Error)
	}
	return json.Unmarshal(r.Data, data)
}

// queryAt evaluates an instant query at time at (now if zero).
func (p *prom) queryAt(q string, at time.Time) []sample {
	p.t.Helper()
	params := url.Values{"query": {q}}
	if !at.IsZero() {
		params.Set("time", strconv.FormatFloat(float64(at.UnixNano())/1e9, 'f', 3, 64))
	}
	var data struct {
		ResultType string
		Result     []struct {
			Metric map[string]string
			Value  [2]any
		}
	}
	if err := p.get("/api/v1/query", params, &data); err != nil {
		p.t.Fatalf("query %s: %v", q, err)
	}
	if data.ResultType != "vector" {
		p.t.Fatalf("query %s: a %s, want a vector", q, data.ResultType)
	}
	var out []sample
	for _, r := range data.Result {
		ts, _ := r.Value[0].(float64)
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64) // "NaN" and "+Inf" too
		if err != nil {
			p.t.Fatalf("query %s: value %q: %v", q, s, err)
		}
		out = append(out, sample{r.Metric, time.Unix(0, int64(ts*1e9)), v})
	}
	return out
}

func (p *prom) query(q string) []sample { p.t.Helper(); return p.queryAt(q, time.Time{}) }

// one is the only sample of q at time at, or errNoSample.
func (p *prom) one(q string, at time.Time) (sample, error) {
	p.t.Helper()
	s := p.queryAt(q, at)
	switch len(s) {
	case 0:
		return sample{}, errNoSample
	case 1:
		return s[0], nil
	}
	return sample{}, fmt.Errorf("query %s: %d samples, want one: %v", q, len(s), s)
}

// value is the only sample of q now, failing the test if there is not one
// or it is NaN.
func (p *prom) value(q string) sample {
	p.t.Helper()
	s, err := p.one(q, time.Time{})
	if err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
	if math.IsNaN(s.Value) {
		p.t.Fatalf("%s is NaN", q)
	}
	return s
}

// await polls q until cond holds for its only sample, for at most within.
func (p *prom) await(q string, within time.Duration, what string, cond func(float64) bool) sample {
	p.t.Helper()
	var last sample
	var err error
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(interval / 4) {
		if last, err = p.one(q, time.Time{}); err == nil && cond(last.Value) {
			return last
		}
	}
	p.t.Fatalf("%s: not %s within %s; last: %v %v", q, what, within, last, err)
	return sample{}
}

type ruleGroup struct {
	Name           string
	File           string
	Interval       float64
	LastEvaluation time.Time
	Rules          []struct {
		Name, Type, Health, LastError string
		LastEvaluation                time.Time
	}
}

func (p *prom) rules() []ruleGroup {
	p.t.Helper()
	var data struct{ Groups []ruleGroup }
	if err := p.get("/api/v1/rules", nil, &data); err != nil {
		p.t.Fatal(err)
	}
	return data.Groups
}

type alert struct {
	Labels map[string]string
	State  string
}

func (p *prom) alerts() []alert {
	p.t.Helper()
	var data struct{ Alerts []alert }
	if err := p.get("/api/v1/alerts", nil, &data); err != nil {
		p.t.Fatal(err)
	}
	return data.Alerts
}
