package bins_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/bins"
)

// TestToolsFound passes only where every external program the tests of
// make test look for is there: the pinned validators in bin/tools (All), the
// npm validators of tools/npm, and the programs the README names as
// prerequisites (Terraform, shellcheck, Node.js, PostgreSQL). tests/ci runs
// it in a fresh copy of the repository, with a clean environment, in place
// of the full test run of the generated CI's `make test` step: what make
// test builds first (make tools) is then proven enough for the tests that
// the full run in this repository runs.
func TestToolsFound(t *testing.T) {
	for _, tl := range bins.All {
		t.Logf("%s: %s", tl.Name, tl.Path(t))
	}
	data, err := os.ReadFile(filepath.Join(bins.Root(), "tools", "npm", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	var want []string
	for name := range pkg.Dependencies {
		want = append(want, name+"/package.json")
	}
	slices.Sort(want)
	node, _ := bins.NPM(t, "the npm validators", want...)
	t.Logf("node: %s", node)
	for _, prog := range []string{"terraform", "shellcheck"} {
		p, err := exec.LookPath(prog)
		if err != nil {
			t.Errorf("%s is not on PATH: the README lists it among the prerequisites (tools/debian-packages names the Debian ones)", prog)
			continue
		}
		t.Logf("%s: %s", prog, p)
	}
	if _, err := exec.LookPath("initdb"); err != nil {
		if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) == 0 {
			t.Error("PostgreSQL's initdb is neither on PATH nor in /usr/lib/postgresql/*/bin: install the postgresql package (tools/debian-packages)")
		}
	}
}
