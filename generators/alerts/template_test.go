package alerts_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"

	"github.com/groundwork-dev/groundwork/internal/alerting"
)

// expand is what Prometheus shows for a label or annotation: the text after
// the variables every alerting rule defines, run by Prometheus's template
// package with a query function that fails the test when called.
func expand(t testing.TB, text string) (string, error) {
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(map[string]string{"instance": "i"}, nil, "", promql.Sample{F: 42})
	query := func(context.Context, string, time.Time) (promql.Vector, error) {
		t.Errorf("%q ran a query", text)
		return nil, nil
	}
	return template.NewTemplateExpander(context.Background(), defs+text, "__alert_X", data, 0, query, nil, nil).Expand()
}

var literalSeeds = []string{
	"", "plain", "Queue {{ broken", "{{ .Foo }}", `{{ template "x" }}`, `{{ query "up" }}`,
	"{{ $value }} {{ $labels.instance }}", "{{{", "{{{{", "}}", "{{}}", "{}{}{", "{{/* c */}}",
	"{{- x -}}", "`{{`", `"{{"`, "a\n{{\nb", "é {{ 日本 🚨",
}

// TemplateLiteral's output expands, with Prometheus's own template package,
// to exactly its input, and runs nothing.
func TestTemplateLiteral(t *testing.T) {
	for _, s := range literalSeeds {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			got, err := expand(t, alerting.TemplateLiteral(s))
			if err != nil || got != s {
				t.Errorf("TemplateLiteral(%q) = %q expands to %q, %v", s, alerting.TemplateLiteral(s), got, err)
			}
			if !strings.Contains(s, "{{") && alerting.TemplateLiteral(s) != s {
				t.Errorf("TemplateLiteral(%q) changed text without an action", s)
			}
		})
	}
}

func FuzzTemplateLiteral(f *testing.F) {
	for _, s := range literalSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, err := expand(t, alerting.TemplateLiteral(s)); err != nil || got != s {
			t.Errorf("TemplateLiteral(%q) = %q expands to %q, %v", s, alerting.TemplateLiteral(s), got, err)
		}
	})
}
