package opstest

import (
	"encoding/base64"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Pushgateway stands in for the Prometheus Pushgateway: it decodes each push
// with expfmt, as the real one does, and keeps groups the way it does (POST
// replaces the families pushed, PUT the whole group), so that a test sees
// what Prometheus would scrape after a sequence of pushes.
type Pushgateway struct {
	URL string

	mu     sync.Mutex
	pushes []Push
	groups map[string]map[string]float64
}

// Push is one request the stand-in received.
type Push struct {
	Method   string
	Grouping map[string]string
	// Values are the pushed families' values (the jobs push gauges without
	// labels: one value a family).
	Values map[string]float64
}

// NewPushgateway serves the stand-in until the test ends.
func NewPushgateway(t testing.TB) *Pushgateway {
	t.Helper()
	p := &Pushgateway{groups: map[string]map[string]float64{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *Pushgateway) serve(w http.ResponseWriter, r *http.Request) {
	grouping, err := parseGrouping(r.URL.EscapedPath())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	values := map[string]float64{}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		dec := expfmt.NewDecoder(r.Body, expfmt.ResponseFormat(r.Header))
		for {
			var mf dto.MetricFamily
			if err := dec.Decode(&mf); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				http.Error(w, "decode: "+err.Error(), http.StatusBadRequest)
				return
			}
			if len(mf.GetMetric()) != 1 || len(mf.GetMetric()[0].GetLabel()) != 0 {
				http.Error(w, mf.GetName()+": want one series without labels", http.StatusBadRequest)
				return
			}
			m := mf.GetMetric()[0]
			switch mf.GetType() {
			case dto.MetricType_GAUGE:
				values[mf.GetName()] = m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				values[mf.GetName()] = m.GetCounter().GetValue()
			default:
				values[mf.GetName()] = m.GetUntyped().GetValue()
			}
		}
	}
	key := groupKey(grouping)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pushes = append(p.pushes, Push{Method: r.Method, Grouping: grouping, Values: values})
	switch r.Method {
	case http.MethodPost:
		if p.groups[key] == nil {
			p.groups[key] = map[string]float64{}
		}
		maps.Copy(p.groups[key], values)
	case http.MethodPut:
		p.groups[key] = values
	case http.MethodDelete:
		delete(p.groups, key)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// parseGrouping reads /metrics/job/<job>{/<label>/<value>}, with the
// Pushgateway's "@base64" encoding of values that hold a slash.
func parseGrouping(path string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(path, "/metrics/")
	if !ok {
		return nil, errors.New("not a push path: " + path)
	}
	parts := strings.Split(rest, "/")
	if len(parts)%2 != 0 || parts[0] != "job" {
		return nil, errors.New("want /metrics/job/<job>{/<label>/<value>}: " + path)
	}
	g := map[string]string{}
	for i := 0; i < len(parts); i += 2 {
		name, value := parts[i], parts[i+1]
		if n, ok := strings.CutSuffix(name, "@base64"); ok {
			v, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(value, "="))
			if err != nil {
				return nil, err
			}
			name, value = n, string(v)
		}
		g[name] = value
	}
	return g, nil
}

func groupKey(g map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(g)) {
		b.WriteString(k + "=" + g[k] + ",")
	}
	return b.String()
}

// Pushes are the requests received so far, in order.
func (p *Pushgateway) Pushes() []Push {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pushes)
}

// Group is what the Pushgateway holds for the group of job and namespace:
// what Prometheus would scrape.
func (p *Pushgateway) Group(job, namespace string) map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.groups[groupKey(map[string]string{"job": job, "namespace": namespace})])
}
