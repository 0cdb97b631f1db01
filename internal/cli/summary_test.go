package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/engine"
)

// The PR summary says what changed in the terms of the spec: the field
// edited, old → new (with --base), then its consequences with their
// values; production only when a production environment's deployed output
// changes.
func TestMarkdownSaysWhatChanged(t *testing.T) {
	base := copySpecs(t)
	dir := copySpecs(t)
	if code, _, stderr := run(t, "-C", dir, "generate"); code != ExitOK {
		t.Fatal(stderr)
	}
	edit := func(name, old, new string) { t.Helper(); replaceIn(t, dir, name, old, new) }
	summary := func() string {
		t.Helper()
		code, stdout, stderr := run(t, "-C", dir, "diff", "--markdown", "--base", base)
		if code != ExitOK {
			t.Fatal(stderr)
		}
		return stdout
	}
	expect := func(md string, want map[string]bool) {
		t.Helper()
		for s, present := range want {
			if strings.Contains(md, s) != present {
				t.Errorf("summary contains %q: %v, want %v:\n%s", s, !present, present, md)
			}
		}
	}

	edit("specs/services/api.yaml", "objective: 99.9, sli: availability", "objective: 99.95, sli: availability")
	expect(summary(), map[string]bool{
		"| `specs/services/api.yaml` | `slos[0].objective` | `99.9` | `99.95` |":                                           true,
		"| `ApiAvailabilityErrorBudgetBurn` | page-1h | threshold > 0.0144 → > 0.0072 | dev, **prod**, sandbox, staging |": true,
		"| expression |": false,
	})
	restore(t, base, dir, "specs/services/api.yaml")

	edit("specs/services/api.yaml", "expireDays: 2555", "expireDays: 3650")
	expect(summary(), map[string]bool{
		"| `specs/services/api.yaml` | `buckets[0].expireDays` | `2555` | `3650` |":                                                                                       true,
		"| `environments/prod/terraform/service-api.tf` **production** | `locals` | changed; `service_api.buckets.acme-prod-api-invoices.expire_days`: `2555` → `3650` |": true,
	})
	restore(t, base, dir, "specs/services/api.yaml")

	// A new non-production environment: nothing of production changes.
	staging, err := os.ReadFile(filepath.Join(dir, "specs/environments/staging.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	qa := strings.NewReplacer("name: staging", "name: qa", "222222222222", "444444444444", "10.20.0.0/16", "10.50.0.0/16", "acme-staging", "acme-qa", "develop", "qa").Replace(string(staging))
	if err := os.WriteFile(filepath.Join(dir, "specs/environments/qa.yaml"), []byte(qa), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(summary(), map[string]bool{
		"| `specs/environments/qa.yaml` |  | (none) | (added) |": true,
		"> **Production:**": false,
		"job deploy-qa":     true,
	})
	if err := os.Remove(filepath.Join(dir, "specs/environments/qa.yaml")); err != nil {
		t.Fatal(err)
	}

	// A bucket that goes is destroyed: a deletion among the stores the
	// service's file hands to the storage module.
	edit("specs/services/api.yaml", "buckets: [{name: invoices, versioning: true, expireDays: 2555}]", "")
	expect(summary(), map[string]bool{"**deletes**": true, "`service_api.buckets.acme-prod-api-invoices.expire_days` removed": true})
}

func restore(t *testing.T, base, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(base, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUnifiedDiffNamesBlocks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		ch       engine.Change
		want     []string
		wantNone []string
	}{
		{
			name: "added file",
			ch:   engine.Change{Path: "alerts/qa/api.rules.yaml", Status: engine.Added, New: []byte("a\nb\n")},
			want: []string{"--- /dev/null\n+++ b/alerts/qa/api.rules.yaml\n(new file: 2 lines, 4 bytes; not shown)\n"},
		},
		{
			name:     "removed file",
			ch:       engine.Change{Path: "alerts/qa/api.rules.yaml", Status: engine.Removed, Old: []byte("secret-ish content\n")},
			want:     []string{"(deleted file: 1 line, 19 bytes; not shown)"},
			wantNone: []string{"secret-ish"},
		},
		{
			name: "terraform block",
			ch: engine.Change{Path: "environments/dev/terraform/main.tf", Status: engine.Changed,
				Old: []byte("module \"network\" {\n  a = 1\n}\n\nmodule \"storage\" {\n  x = 1\n  y = 2\n  z = 3\n  w = 4\n  v = 5\n}\n"),
				New: []byte("module \"network\" {\n  a = 1\n}\n\nmodule \"storage\" {\n  x = 1\n  y = 2\n  z = 3\n  w = 40\n  v = 5\n}\n")},
			want: []string{"@@ -6,6 +6,6 @@ module \"storage\"\n", "-  w = 4\n+  w = 40\n"},
		},
		{
			name: "yaml keys",
			ch: engine.Change{Path: "alerts/dev/api.rules.yaml", Status: engine.Changed,
				Old: []byte("groups:\n  - name: api-slo\n    rules:\n      - alert: ApiBurn\n        expr: x > 1\n        for: 2m\n"),
				New: []byte("groups:\n  - name: api-slo\n    rules:\n      - alert: ApiBurn\n        expr: x > 2\n        for: 2m\n")},
			want: []string{"@@ -2,5 +2,5 @@ api-slo > ApiBurn\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			writeUnified(&b, tc.ch)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("diff lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(b.String(), w) {
					t.Errorf("diff shows %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestObjectsOfGeneratedFiles(t *testing.T) {
	t.Parallel()
	hcl := hclObjects([]byte(`# header
resource "aws_iam_role" "api" {
  name = "acme-api"
}

module "storage" {
  source = "../modules/storage"

  buckets = {
    "acme-dev-api-invoices" = {
      versioning  = true
      expire_days = 2555
    }
  }
  names = [
    "a",
    "b",
  ]
}
`))
	if got := hcl["module.storage"]["buckets.acme-dev-api-invoices.expire_days"]; got != "2555" {
		t.Errorf("expire_days = %q; objects: %v", got, hcl)
	}
	if got := hcl["module.storage"]["names.1"]; got != `"b"` {
		t.Errorf("names[1] = %q; objects: %v", got, hcl)
	}
	if _, ok := hcl["aws_iam_role.api"]; !ok {
		t.Errorf("no aws_iam_role.api in %v", hcl)
	}
	k := kubeObjects([]byte("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api, namespace: api}\nspec: {minReplicas: 4}\n"))
	if got := k["HorizontalPodAutoscaler api/api"]["spec.minReplicas"]; got != "4" {
		t.Errorf("minReplicas = %q; objects: %v", got, k)
	}
	attrs, deletion, iam := attrChanges("aws_iam_role.api", map[string]string{"name": `"a"`, "gone": "1"}, map[string]string{"name": `"b"`})
	if len(attrs) != 2 || !deletion || !iam {
		t.Errorf("attrChanges = %q, deletion %v, iam %v", attrs, deletion, iam)
	}
}
