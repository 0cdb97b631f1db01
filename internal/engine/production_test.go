package engine

import (
	"testing"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// Production is flagged when a production environment's deployed output
// changes: its folders always, a shared file only when a line naming
// production changes other than by listing another environment beside it,
// and documentation never.
func TestProductionScope(t *testing.T) {
	t.Parallel()
	m := &spec.Model{Environments: []*spec.Environment{
		{Name: "dev", Source: &spec.Source{Path: "specs/environments/dev.yaml"}},
		{Name: "prod", Production: true, Source: &spec.Source{Path: "specs/environments/prod.yaml"}},
		{Name: "qa", Source: &spec.Source{Path: "specs/environments/qa.yaml"}},
	}}
	s := newProductionScope(m)
	prodSpec := []Origin{{Spec: "specs/environments/prod.yaml"}, {Spec: "specs/environments/dev.yaml"}}
	for _, tc := range []struct {
		path     string
		origins  []Origin
		old, new string
		want     bool
	}{
		{"environments/prod/flux/apps/api/deployment.yaml", nil, "a\n", "b\n", true},
		{"environments/prod/flux/apps/api/prometheusrule.yaml", nil, "a\n", "b\n", true},
		{".github/workflows/release-prod.yml", nil, "a\n", "b\n", true},
		{"environments/dev/flux/apps/api/deployment.yaml", prodSpec, "a\n", "b\n", false},
		{".github/workflows/deploy.yml", prodSpec, "branches: [main]\n", "branches: [main, qa]\n", false},
		{".github/workflows/deploy.yml", prodSpec, "envs: dev, prod\n", "envs: dev, prod, qa\n", false},
		{".github/workflows/deploy.yml", prodSpec, "environment: prod\nwait: 10\n", "environment: prod\nwait: 15\n", false},
		{".github/workflows/deploy.yml", prodSpec, "prod-wait: 10\n", "prod-wait: 15\n", true},
		{"runbooks/api/ApiDown.md", prodSpec, "- prod: x\n", "- prod: y\n", false},
		{"terraform/github/main.tf", prodSpec, "envs = {\n  prod = {\n    wait = 10\n  }\n}\n", "envs = {\n  prod = {\n    wait = 15\n  }\n}\n", true},
		{"terraform/github/main.tf", prodSpec, "envs = {\n  prod = {\n    wait = 10\n  }\n}\n", "envs = {\n  prod = {\n    wait = 10\n  }\n  qa = {\n    wait = 0\n  }\n}\n", false},
	} {
		r := &Rendered{Path: tc.path, Origins: tc.origins}
		s.classify(r)
		got := r.Production
		if r.sharesProduction {
			got = r.prod.changesProduction([]byte(tc.old), []byte(tc.new))
		}
		if got != tc.want {
			t.Errorf("%s: %q → %q: production %v, want %v", tc.path, tc.old, tc.new, got, tc.want)
		}
	}
}
