//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

package dashboards

import (
	"bytes"
	"encoding/json"
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
