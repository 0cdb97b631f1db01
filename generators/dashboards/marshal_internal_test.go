//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// unescapeHTML undoes exactly the escapes of <, > and &, and leaves a
// string that holds a backslash before u003e as it was.
func TestUnescapeHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"a \u003e 0 \u0026\u0026 b \u003c 1"`, `"a > 0 && b < 1"`},
		{`"\\u003e"`, `"\\u003e"`},
		{`"\\\u003e"`, `"\\>"`},
		{`"\"\u003e"`, `"\">"`},
		{`"\u00e9"`, `"\u00e9"`},
	} {
		got := string(unescapeHTML([]byte(c.in)))
		if got != c.want {
			t.Errorf("unescapeHTML(%s) = %s, want %s", c.in, got, c.want)
		}
		var before, after string
		if err := json.Unmarshal([]byte(c.in), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(got), &after); err != nil {
			t.Errorf("unescapeHTML(%s) = %s, which is not JSON: %v", c.in, got, err)
		}
		if before != after {
			t.Errorf("unescapeHTML(%s) changed the string from %q to %q", c.in, before, after)
		}
	}
}

// marshal gives encoding/json's own indented bytes, the escapes of <, >
// and & undone, for every dashboard of the sample and of a synthetic
// organisation, the overview included, and for one without panels; the
// panels, marshalled apart, go back where the SDK puts them.
func TestMarshalIsEncodingJSON(t *testing.T) {
	t.Parallel()
	sample, err := spec.Load(bins.Root())
	if err != nil {
		t.Fatal(err)
	}
	var boards []dashboard.Dashboard
	for _, m := range []*spec.Model{sample, synthetic.Load(t, 5)} {
		am := alerting.New(m)
		for _, s := range m.Services {
			d, err := serviceDashboard(m, am.Service(s))
			if err != nil {
				t.Fatal(err)
			}
			boards = append(boards, d)
		}
		d, err := overviewDashboard(m)
		if err != nil {
			t.Fatal(err)
		}
		boards = append(boards, d)
	}
	boards = append(boards, *dashboard.NewDashboard())
	for _, d := range boards {
		want, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = unescapeHTML(append(want, '\n'))
		got, err := marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("dashboard %v: marshal differs from json.MarshalIndent:\n%s", d.Title, got)
		}
	}
}

// unescapeHTML turns \u003e back into > and the like, in place: what
// indent does to strings, on its own, for the tests to hold indent to.
// Every escape is skipped whole, so that the escaped backslash of a
// string holding \\u003e literally is not taken for the start of one;
// JSON stays valid, since <, > and & need no escaping.
func unescapeHTML(data []byte) []byte {
	out := data[:0] // never longer than what is read: written in place
	for {
		i := bytes.IndexByte(data, '\\')
		if i < 0 || i+1 == len(data) {
			return append(out, data...)
		}
		out = append(out, data[:i]...)
		if i+6 <= len(data) {
			if c, ok := htmlEscapes[string(data[i:i+6])]; ok {
				out = append(out, c)
				data = data[i+6:]
				continue
			}
		}
		// Any other escape: keep it and the character it escapes, so that
		// the backslash of \\u003e is not taken for the start of \u003e.
		out = append(out, data[i], data[i+1])
		data = data[i+2:]
	}
}

// indent lays out what json.Marshal writes as json.Indent does, with the
// escapes of <, > and & undone, for random values: nested objects and
// arrays, empty ones, and strings of quotes, backslashes, escapes and
// characters encoding/json escapes.
func TestIndent(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "<", ">", "&", `"`, `\`, `\u003e`, "\n", "\u2028", "é", "{", "}", "[", "]", ",", ":", " ", "0"}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := r.IntN(8); {
		case depth > 4 || k < 3:
			var b strings.Builder
			for range r.IntN(6) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			return b.String()
		case k == 3:
			return []any{r.Float64(), r.IntN(100), r.IntN(2) == 0, nil}[r.IntN(4)]
		case k < 6:
			m := map[string]any{}
			for range r.IntN(4) {
				m[value(5).(string)+"k"] = value(depth + 1)
			}
			return m
		default:
			a := []any{}
			for range r.IntN(4) {
				a = append(a, value(depth+1))
			}
			return a
		}
	}
	for range 2000 {
		compact, err := json.Marshal(value(0))
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact, "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indent(nil, compact); !bytes.Equal(got, unescapeHTML(want.Bytes())) {
			t.Fatalf("indent(%s):\n got %s\nwant %s", compact, got, unescapeHTML(want.Bytes()))
		}
	}
}
