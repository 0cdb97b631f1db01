//go:build e2e

package observability_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
)

// grafanaVariables are what Grafana would put in a query over the last 5
// minutes of this test's Prometheus, which scrapes every second.
var grafanaVariables = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "15s",
	"__range":         "5m",
	"__range_s":       "300",
	"datasource":      "",
	"service":         "api", // the overview's, with the one service scraped
}

// variableRE matches Grafana's variable syntaxes: ${name} (with an optional
// :format), $name and [[name]].
var variableRE = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]`)

func expand(q string) (string, error) {
	var unknown []string
	out := variableRE.ReplaceAllStringFunc(q, func(v string) string {
		m := variableRE.FindStringSubmatch(v)
		if strings.Trim(m[1]+m[2]+m[3], "0123456789") == "" {
			return v // label_replace's $1, which Grafana leaves alone
		}
		val, ok := grafanaVariables[m[1]+m[2]+m[3]]
		if !ok {
			unknown = append(unknown, v)
		}
		return val
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("Grafana variables the test does not know: %v", unknown)
	}
	return out, nil
}

type panel struct {
	Type    string
	Title   string
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string
	}
	Panels []panel // a collapsed row's
}

// panels are the panels of a dashboard file with the title of the row each
// is in.
func panels(t *testing.T, path string) (out []panel, rows []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Panels []panel }
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	row := ""
	for _, p := range d.Panels {
		if p.Type == "row" {
			row = p.Title
			for _, c := range p.Panels {
				out, rows = append(out, c), append(rows, row)
			}
			continue
		}
		out, rows = append(out, p), append(rows, row)
	}
	return out, rows
}

// checkDashboard runs every query of the panels of path in rows that keep
// selects, and reports each that returns nothing or NaN. It returns how
// many queries it ran.
func checkDashboard(t *testing.T, p *prom, path string, keep func(row string) bool) int {
	t.Helper()
	ps, rows := panels(t, path)
	n := 0
	for i, pn := range ps {
		if !keep(rows[i]) {
			continue
		}
		for _, tg := range pn.Targets {
			where := fmt.Sprintf("%s: panel %q, query %s", path, pn.Title, tg.RefID)
			q, err := expand(tg.Expr)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			n++
			got := p.query(q)
			if len(got) == 0 {
				t.Errorf("%s returns no data:\n%s", where, q)
				continue
			}
			for _, s := range got {
				if math.IsNaN(s.Value) {
					t.Errorf("%s returns NaN: %v\n%s", where, s, q)
				}
			}
		}
	}
	return n
}

func allRows(string) bool { return true }
