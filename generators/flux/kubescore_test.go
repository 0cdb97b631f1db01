package flux_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// kubeScoreIgnored are the kube-score checks that do not apply to the apps
// layer, or that it fails on purpose. Each is justified in apps.go, beside
// the choice it concerns.
var kubeScoreIgnored = []string{
	// Images are pinned by digest: no pull policy can make a node run
	// another image than the one reviewed (deployment).
	"container-image-pull-policy",
	// The spec has no ephemeral-storage figure; the only writable path is
	// the /tmp emptyDir (deployment).
	"container-ephemeral-storage-request-and-limit",
	// The spec has one health path, so readiness and liveness probe the
	// same handler, with different thresholds (setProbes).
	"pod-probes-identical",
	// Replicas are spread over hosts by a topology spread constraint,
	// which kube-score checks as pod-topology-spread-constraints, rather
	// than forced apart by anti-affinity (deployment).
	"deployment-has-host-podantiaffinity",
}

// kubeScoreFlags are the other settings: a CPU limit is deliberately
// absent (deployment), and a warning fails as a critical finding does.
var kubeScoreFlags = []string{"--ignore-container-cpu-limit", "--exit-one-on-warning"}

// The apps layer of every environment of the sample organisation, built as
// kustomize-controller builds it, passes kube-score: no critical finding
// and no warning but the checks ignored above.
func TestKubeScore(t *testing.T) {
	bin := bins.KubeScore.Path(t)
	m := load(t, repoRoot)
	root := writeTree(t, render(t, m))
	for _, e := range m.Environments {
		t.Run(e.Name, func(t *testing.T) {
			var docs [][]byte
			for _, o := range layers(t, root, m, e) {
				if o.layer == "apps" {
					docs = append(docs, o.json) // JSON is YAML
				}
			}
			if len(docs) == 0 {
				t.Fatal("the apps layer built to no objects")
			}
			file := filepath.Join(t.TempDir(), "apps.yaml")
			if err := os.WriteFile(file, bytes.Join(docs, []byte("\n---\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"score", "--output-format", "ci"}, kubeScoreFlags...)
			for _, check := range kubeScoreIgnoredIn(m, e) {
				args = append(args, "--ignore-test", check)
			}
			out, err := exec.Command(bin, append(args, file)...).CombinedOutput()
			failed := false
			for line := range strings.Lines(string(out)) {
				if strings.HasPrefix(line, "[CRITICAL]") || strings.HasPrefix(line, "[WARNING]") {
					t.Error(strings.TrimSpace(line))
					failed = true
				}
			}
			if err != nil && !failed {
				t.Errorf("kube-score %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}

// kubeScoreIgnoredIn adds to kubeScoreIgnored the checks that an
// environment's spec makes fail on purpose.
func kubeScoreIgnoredIn(m *spec.Model, e *spec.Environment) []string {
	checks := slices.Clone(kubeScoreIgnored)
	undeployed, single := false, false
	for _, s := range m.Services {
		undeployed = undeployed || m.Digest(e, s) == ""
		single = single || s.ReplicasIn(e) < 2
	}
	if undeployed {
		// A service not deployed yet has its network policies but no
		// pods for them to select (service).
		checks = append(checks, "networkpolicy-targets-pod")
	}
	if single {
		// The autoscaler's minimum is the spec's replicas, which may be 1
		// in an environment such as dev (autoscaler).
		checks = append(checks, "horizontalpodautoscaler-replicas")
	}
	return checks
}
