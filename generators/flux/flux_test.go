package flux_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/groundwork-dev/groundwork/generators"

	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/generators/alerts"
	"github.com/groundwork-dev/groundwork/generators/dashboards"
	"github.com/groundwork-dev/groundwork/generators/flux"
	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

const repoRoot = "../.."

func load(t *testing.T, root string) *spec.Model {
	t.Helper()
	m, err := spec.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// render makes the Flux tree with the generators whose files it syncs:
// Alertmanager's configuration in configs/ and the dashboards at the root.
func render(t *testing.T, m *spec.Model) *engine.Output {
	t.Helper()
	out, err := engine.Render(m, []engine.Generator{flux.Generator{}, alertmanager.Generator{}, dashboards.Generator{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The cases in testdata/cases: the sample organisation's Flux tree is
// committed, and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		return golden.OfKind(render(t, m), "flux")
	})
}

// Two renders of one model give the same bytes.
func TestStable(t *testing.T) {
	m := load(t, repoRoot)
	a, b := render(t, m), render(t, m)
	if len(a.Files) != len(b.Files) {
		t.Fatalf("%d files, then %d", len(a.Files), len(b.Files))
	}
	for i := range a.Files {
		if a.Files[i].Path != b.Files[i].Path || !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
			t.Errorf("%s differs between two renders", a.Files[i].Path)
		}
	}
}

// synthetic writes an organisation of another shape than the sample, with
// release records that deploy part of it: every service and the database
// jobs (pgops) in staging and prod, the first service only and no jobs in
// dev, and nothing in sandbox (no record).
func syntheticOrg(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := synthetic.Write(dir, 3); err != nil {
		t.Fatal(err)
	}
	digest := func(i int) string { return "sha256:" + strings.Repeat(string(rune('a'+i)), 64) }
	all := map[string]string{"svc-0000": digest(0), "svc-0001": digest(1), "svc-0002": digest(2), spec.PgopsRelease: digest(4)}
	records := map[string]map[string]string{
		"dev":     {"svc-0000": digest(3)},
		"staging": all,
		"prod":    all,
	}
	for env, digests := range records {
		name := filepath.Join(dir, "specs", "releases", env+".yaml")
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, spec.EncodeRelease(env, digests), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var (
	imageRE  = regexp.MustCompile(`(?m)^\s*(?:-\s+)?image:\s*(\S+)\s*$`)
	pinnedRE = regexp.MustCompile(`^[^:@\s]+(?::[0-9]+)?/[^:@\s]+@sha256:[0-9a-f]{64}$`)
)

// No file names a :latest image, and every image that staging and prod
// run is pinned by digest (which a registry cannot move), for the sample
// organisation and the synthetic one.
func TestImagesPinned(t *testing.T) {
	for name, root := range map[string]string{"sample": repoRoot, "synthetic": syntheticOrg(t)} {
		t.Run(name, func(t *testing.T) {
			images := 0
			for _, f := range render(t, load(t, root)).Files {
				if bytes.Contains(f.Data, []byte(":latest")) {
					t.Errorf("%s names a :latest image", f.Path)
				}
				if !strings.HasPrefix(f.Path, "environments/staging/") && !strings.HasPrefix(f.Path, "environments/prod/") {
					continue
				}
				for _, m := range imageRE.FindAllSubmatch(f.Data, -1) {
					images++
					if !pinnedRE.Match(m[1]) {
						t.Errorf("%s: image %s is not pinned by digest", f.Path, m[1])
					}
				}
			}
			if images == 0 {
				t.Fatal("staging and prod run no image at all")
			}
		})
	}
}

// A service with no digest in an environment's record gets everything but
// its workload there, its folder depends on the record, and Undeployed
// says so in one line.
func TestUndeployed(t *testing.T) {
	m := load(t, repoRoot)
	want := []string{
		"web is not deployed in dev yet (no digest in specs/releases/dev.yaml)",
		"worker is not deployed in dev yet (no digest in specs/releases/dev.yaml)",
	}
	if diff := cmp.Diff(want, spec.Undeployed(m)); diff != "" {
		t.Errorf("Undeployed (-want +got):\n%s", diff)
	}

	out := render(t, m)
	dir := "environments/dev/flux/apps/web/"
	for _, name := range []string{"namespace.yaml", "serviceaccount.yaml", "networkpolicy-default-deny.yaml", "networkpolicy-allow-egress.yaml", "kustomization.yaml"} {
		f := out.File(dir + name)
		if f == nil {
			t.Errorf("%s%s: missing for a service that is not deployed yet", dir, name)
			continue
		}
		if !slices.Contains(f.Specs(), "specs/releases/dev.yaml") {
			t.Errorf("%s%s: origins %v lack the release record", dir, name, f.Specs())
		}
	}
	for _, name := range []string{"deployment.yaml", "service.yaml", "horizontalpodautoscaler.yaml", "poddisruptionbudget.yaml", "servicemonitor.yaml"} {
		if out.File(dir+name) != nil {
			t.Errorf("%s%s: generated for a service with no digest in dev", dir, name)
		}
	}
	if k := string(out.File(dir + "kustomization.yaml").Data); strings.Contains(k, "deployment.yaml") {
		t.Errorf("%skustomization.yaml lists a deployment:\n%s", dir, k)
	}
	// The worker's secret is synced in dev, where it does not run yet.
	if out.File("environments/dev/flux/apps/worker/externalsecret-queue-credentials.yaml") == nil {
		t.Error("dev: worker's ExternalSecret is missing")
	}
}

// Files of a service's folder belong to its team (CODEOWNERS); the rest to
// the platform.
func TestOwnership(t *testing.T) {
	for _, f := range golden.OfKind(render(t, load(t, repoRoot)), "flux") {
		_, rest, _ := strings.Cut(f.Path, "/flux/apps/")
		service, _, inFolder := strings.Cut(rest, "/")
		if !inFolder {
			service = ""
		}
		if f.Service != service {
			t.Errorf("%s: Service %q, want %q", f.Path, f.Service, service)
		}
	}
}

// The workload carries what the spec says: replicas as the autoscaler's
// range, the latency thresholds, resources, the role of the service.
func TestWorkloadFromSpec(t *testing.T) {
	out := render(t, load(t, repoRoot))
	file := func(p string) string {
		t.Helper()
		f := out.File(p)
		if f == nil {
			t.Fatalf("%s is not generated", p)
		}
		return string(f.Data)
	}
	prod := "environments/prod/flux/apps/api/"
	for name, wants := range map[string][]string{
		"deployment.yaml": {
			"image: ghcr.io/acme/api@sha256:3ddb5caddcc9bc386599736706cd4d5fe76f33023892296a200ca7b6ddd048df",
			"name: SLO_LATENCY_THRESHOLDS\n          value: 300ms",
			"name: STRIPE_API_KEY",
			"cpu: 250m",
			"memory: 256Mi",
			"readOnlyRootFilesystem: true",
			"type: RuntimeDefault",
			"topologyKey: topology.kubernetes.io/zone",
			"path: /healthz",
		},
		"horizontalpodautoscaler.yaml":       {"minReplicas: 4", "maxReplicas: 12", "averageUtilization: 70"},
		"serviceaccount.yaml":                {"eks.amazonaws.com/role-arn: arn:aws:iam::210987654321:role/acme-prod-api"},
		"externalsecret-stripe-api-key.yaml": {"key: prod/api/stripe-api-key", "kind: ClusterSecretStore"},
		"networkpolicy-allow-egress.yaml":    {"cidr: 10.30.0.0/16", "port: 5432"},
	} {
		got := file(prod + name)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s%s lacks %q:\n%s", prod, name, w, got)
			}
		}
	}
	if d := file(prod + "deployment.yaml"); strings.Contains(d, "replicas:") {
		t.Errorf("the Deployment sets replicas, which the autoscaler owns:\n%s", d)
	}
	worker := file("environments/prod/flux/apps/worker/deployment.yaml")
	if strings.Contains(worker, "httpGet") || !strings.Contains(worker, "tcpSocket") {
		t.Errorf("the worker's probes are not TCP probes on its metrics port:\n%s", worker)
	}
	git := file("environments/staging/flux/flux-system/gitrepository.yaml")
	for _, w := range []string{"branch: develop", "url: ssh://git@github.com/acme/platform"} {
		if !strings.Contains(git, w) {
			t.Errorf("staging's GitRepository lacks %q:\n%s", w, git)
		}
	}
	if git := file("environments/prod/flux/flux-system/gitrepository.yaml"); !strings.Contains(git, "branch: main") {
		t.Errorf("prod, released by tag, does not follow main:\n%s", git)
	}
}

// A service named like a namespace the cluster or its controllers use is
// refused: its Namespace would be applied by two layers.
func TestReservedNamespace(t *testing.T) {
	m := load(t, repoRoot)
	m.Services[0].Name = "monitoring"
	_, err := flux.Generator{}.Generate(engine.NewInput(m))
	if err == nil || !strings.Contains(err.Error(), `namespace "monitoring"`) {
		t.Fatalf("got %v, want an error naming the namespace", err)
	}
}

// Each service's PrometheusRule carries exactly the groups of the rule file
// that promtool checks and tests in the proof (alerts/<env>/<svc>.rules.yaml).
func TestPrometheusRuleIsTheTestedRuleFile(t *testing.T) {
	m := load(t, repoRoot)
	out, err := generators.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := generators.Proof(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Environments {
		for _, s := range m.Services {
			pr := out.File(alerting.PrometheusRulePath(e, s))
			rf := proof.File(alerts.RuleFilePath(e, s))
			if pr == nil || rf == nil {
				t.Fatalf("%s/%s: PrometheusRule %v, rule file %v", e.Name, s.Name, pr != nil, rf != nil)
			}
			var obj struct {
				APIVersion string            `json:"apiVersion"`
				Kind       string            `json:"kind"`
				Metadata   metav1.ObjectMeta `json:"metadata"`
				Spec       struct {
					Groups []alerting.Group `json:"groups"`
				} `json:"spec"`
			}
			var file struct {
				Groups []alerting.Group `json:"groups"`
			}
			if err := sigsyaml.UnmarshalStrict(pr.Data, &obj); err != nil {
				t.Fatalf("%s: %v", pr.Path, err)
			}
			if err := sigsyaml.UnmarshalStrict(rf.Data, &file); err != nil {
				t.Fatalf("%s: %v", rf.Path, err)
			}
			if diff := cmp.Diff(file.Groups, obj.Spec.Groups); diff != "" || len(file.Groups) == 0 {
				t.Errorf("%s differs from %s (-file +PrometheusRule):\n%s", pr.Path, rf.Path, diff)
			}
		}
	}
}
