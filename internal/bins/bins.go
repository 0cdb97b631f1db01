// Package bins finds the third-party command-line validators that tests run:
// the pinned builds in bin/tools that `make tools` makes from tools/pinned,
// or a binary named by an environment variable, and the npm validators of
// tools/npm. Under `go test -short` a
// test that needs one is skipped, saying which; otherwise a missing
// validator fails the test with the command that installs it, so that
// `make test` never passes without it.
package bins

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Tool is a pinned validator.
type Tool struct {
	Name string // the binary, e.g. promtool
	Env  string // an environment variable that may name the binary instead
}

// The validators pinned in tools/pinned/go.mod (promtool, amtool),
// tools/kubescore/go.mod (kube-score, whose Kubernetes libraries are too old
// to share a module with Prometheus's) and tools/trivy/go.mod (Trivy). Tests
// use these builds, not whatever is on PATH: Debian's promtool is 2.42,
// whose range selection (closed on the left) differs from Prometheus 3's,
// which the generated rule tests and kube-prometheus-stack's Prometheus both
// follow.
var (
	Promtool  = Tool{Name: "promtool", Env: "PROMTOOL"}
	Amtool    = Tool{Name: "amtool", Env: "AMTOOL"}
	KubeScore = Tool{Name: "kube-score", Env: "KUBE_SCORE"}
	// Trivy (tools/trivy) scans the generated Terraform and Kubernetes
	// files with the misconfiguration checks built into it (tests/trivy).
	Trivy = Tool{Name: "trivy", Env: "TRIVY"}
)

// All are the pinned validators make tools builds into bin/tools;
// TestToolsFound checks that each is there.
var All = []Tool{Promtool, Amtool, KubeScore, Trivy}

// Path returns the binary's path, or fails t saying how to get it. Under
// -short it skips t instead, whether or not the binary is there: the quick
// run is the same on every machine.
func (tl Tool) Path(t testing.TB) string {
	t.Helper()
	SkipShort(t, tl.Name)
	if p := os.Getenv(tl.Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", tl.Env, p, err)
		}
		return p
	}
	p := filepath.Join(Root(), "bin", "tools", tl.Name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not built: run `make tools` (builds the versions pinned in tools/pinned, tools/kubescore and tools/trivy into bin/tools), or set %s to a %s binary", tl.Name, tl.Env, tl.Name)
	}
	return p
}

// SkipShort skips t under -short, naming the tool it needs. Every test that
// runs an external program goes through it (or [Tool.Path], or tftest), so
// that `go test -short ./...` needs nothing but Go.
func SkipShort(t testing.TB, tool string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s; -short skips it", tool)
	}
}

// Root is the repository root, found from this file.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return strings.TrimSuffix(filepath.Dir(file), filepath.FromSlash("/internal/bins"))
}

// NPM finds Node.js (on PATH, or named by NODE) and the npm validators
// pinned in tools/npm that `make tools` installs with npm ci, and returns
// node and the node_modules folder. pkgs are paths inside node_modules that
// must exist (e.g. "@openfeature/flagd-core/package.json"). Under -short it
// skips; otherwise anything missing fails t with how to install it.
func NPM(t testing.TB, what string, pkgs ...string) (node, modules string) {
	t.Helper()
	SkipShort(t, "node with "+what)
	node = os.Getenv("NODE")
	if node == "" {
		p, err := exec.LookPath("node")
		if err != nil {
			t.Fatal("node is not on PATH (nor named by NODE): install Node.js 20 or later (Debian: apt-get install nodejs npm; .ci/run does), then run `make tools`")
		}
		node = p
	}
	modules = filepath.Join(Root(), "tools", "npm", "node_modules")
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join(modules, filepath.FromSlash(p))); err != nil {
			t.Fatalf("%s is not installed: run `make tools` (npm ci in tools/npm installs the versions pinned in tools/npm/package-lock.json)", p)
		}
	}
	return node, modules
}
