package loadtests_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/generators/loadtests"
	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/golden"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The cases in testdata/cases; the sample organisation's scripts are
// committed and checked by the CLI's TestCommittedOutputIsUpToDate.
func TestGolden(t *testing.T) {
	golden.Cases(t, func(t *testing.T, m *spec.Model) []*engine.Rendered {
		return render(t, m)
	})
}

func render(t *testing.T, m *spec.Model) []*engine.Rendered {
	t.Helper()
	out, err := generators.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	return golden.OfKind(out, loadtests.Generator{}.Kind())
}

// Every script of the sample organisation and of every case type-checks
// against k6's published type definitions: tsc --checkJs with @types/k6,
// strict, as tools/npm pins them. A wrong executor, option or threshold
// shape fails here, not in a user's CI.
func TestScriptsTypeCheck(t *testing.T) {
	node, tsc, types := typescript(t)
	dir := t.TempDir()
	var scripts []string
	orgs := []string{bins.Root()}
	cases, _ := filepath.Glob("testdata/cases/*")
	orgs = append(orgs, cases...)
	for _, org := range orgs {
		m, err := spec.Load(org)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range render(t, m) {
			name := filepath.Join(dir, filepath.Base(org)+"-"+filepath.Base(f.Path))
			if err := os.WriteFile(name, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			scripts = append(scripts, name)
		}
	}
	if len(scripts) < 3 {
		t.Fatalf("only %d scripts: the sample and the cases make more", len(scripts))
	}
	args := append([]string{tsc, "--noEmit", "--allowJs", "--checkJs", "--strict",
		"--target", "es2020", "--module", "es2020", "--moduleResolution", "node",
		"--typeRoots", types, "--types", "k6"}, scripts...)
	cmd := exec.Command(node, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc rejects the generated k6 scripts: %v\n%s", err, out)
	}
}

// typescript finds node, tsc and @types/k6 as `make tools` installs them.
func typescript(t *testing.T) (node, tsc, types string) {
	t.Helper()
	node, modules := bins.NPM(t, "typescript and @types/k6", "typescript/bin/tsc", "@types/k6/index.d.ts")
	return node, filepath.Join(modules, "typescript", "bin", "tsc"), filepath.Join(modules, "@types")
}
