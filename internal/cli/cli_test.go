package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"groundwork": func() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scenarios in testdata/script, in-process.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// Each script keeps its run cache in its own work folder.
		Setup: func(env *testscript.Env) error {
			env.Setenv("GROUNDWORK_CACHE_DIR", env.WorkDir+"/.cache")
			return nil
		},
	})
}

// repoRoot is the repository this package is in.
const repoRoot = "../.."

// fixture is an organisation like the sample one, frozen so that tests can
// name its lines while the sample evolves.
const fixture = "testdata/org"

// copySpecs makes a repository holding only the fixture's specs.
func copySpecs(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join(fixture, spec.Dir)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(fixture, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

// replaceIn replaces the first old with new in the file name of dir, and
// fails when the file does not hold old.
func replaceIn(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot reads every file under root.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Two runs in two folders give the same bytes: no timestamps, no absolute
// paths, no map order.
func TestDeterministic(t *testing.T) {
	a, b := copySpecs(t), copySpecs(t)
	for _, dir := range []string{a, b} {
		if code, _, stderr := run(t, "-C", dir, "generate"); code != ExitOK {
			t.Fatalf("generate in %s: exit %d\n%s", dir, code, stderr)
		}
	}
	sa, sb := snapshot(t, a), snapshot(t, b)
	if len(sa) != len(sb) {
		t.Fatalf("%d files vs %d files", len(sa), len(sb))
	}
	for name, data := range sa {
		if sb[name] != data {
			t.Errorf("%s differs between two runs", name)
		}
		if strings.Contains(data, a) || strings.Contains(data, b) {
			t.Errorf("%s contains an absolute path", name)
		}
	}
}

// A spec set with several mistakes: each reported once at file:line:col,
// sorted, exit 2, and no file on disk changes.
func TestBadSpecsWriteNothing(t *testing.T) {
	dir := copySpecs(t)
	if code, _, stderr := run(t, "-C", dir, "generate"); code != ExitOK {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	before := snapshot(t, dir)
	edit := func(name, old, new string) {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(old)) {
			t.Fatalf("%s has no %q", name, old)
		}
		if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("specs/services/api.yaml", "team: payments", "team: paymnts")
	edit("specs/services/api.yaml", "objective: 99.9", "objective: 100")
	edit("specs/environments/dev.yaml", "cidr: 10.10.0.0/16", "cidr: 10.20.0.0/16")
	edit("specs/services/worker.yaml", "severity: page", "severity: critical")
	edit("specs/services/web.jsonnet", "rate: 20", "rate: 0")
	for name, data := range snapshot(t, dir) {
		if strings.HasPrefix(name, "specs/") {
			before[name] = data
		}
	}

	code, stdout, stderr := run(t, "-C", dir, "generate")
	if code != ExitInput {
		t.Fatalf("exit %d, want %d", code, ExitInput)
	}
	want := `specs/environments/staging.yaml:4:17: network.cidr: 10.20.0.0/16 overlaps 10.20.0.0/16 of environment "dev" (specs/environments/dev.yaml); give each environment its own range [value]
specs/services/api.yaml:3:7: team: team "paymnts" is not declared in specs/platform.yaml; did you mean "payments"? [reference]
specs/services/api.yaml:10:37: slos[0].objective: 100 is outside (0, 100); an objective is a percentage of good events, such as 99.9 [value]
specs/services/web.jsonnet:7:15: loadtest.rate: 0 requests per second is outside 1 to 10000 [value]
specs/services/worker.yaml:19:15: alerts[0].severity: "critical" is not one of page, ticket [value]
groundwork: 5 mistakes in the specs; nothing was written
`
	if stderr != want || stdout != "" {
		t.Errorf("stderr:\n%s\nwant:\n%s\nstdout: %q", stderr, want, stdout)
	}
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	for name, data := range before {
		if after[name] != data {
			t.Errorf("%s changed although the specs are wrong", name)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir := copySpecs(t)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--version"}, ExitOK},
		{[]string{"nonsense"}, ExitInput},
		{[]string{}, ExitInput},
		{[]string{"-C", dir, "verify"}, ExitFindings}, // nothing generated yet
		{[]string{"-C", dir, "generate", "extra"}, ExitInput},
		{[]string{"-C", dir, "generate"}, ExitOK},
		{[]string{"-C", dir, "verify"}, ExitOK},
		{[]string{"-C", dir, "explain", "specs/platform.yaml/../../README.md"}, ExitInput}, // neither on disk nor generated
		{[]string{"-C", dir, "explain", "specs/platform.yaml"}, ExitOK},
		{[]string{"-C", dir, "explain", "../outside.yaml"}, ExitInput},
		{[]string{"-C", dir, "generate", "--help"}, ExitOK},
		{[]string{"-C", t.TempDir(), "generate"}, ExitInput}, // no specs folder
	} {
		if code, _, stderr := run(t, tc.args...); code != tc.want {
			t.Errorf("groundwork %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.want, stderr)
		}
	}
}

// The committed output is what the committed specs generate: the check CI
// makes with make verify, kept in the tests so that go test alone catches it.
func TestCommittedOutputIsUpToDate(t *testing.T) {
	m, err := spec.Load(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	out, err := generators.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tree.Open(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	p, err := engine.Compare(tr, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range p.Changes {
		t.Errorf("%s: %s", ch.Path, finding(ch))
	}
	for _, u := range p.Unowned {
		t.Errorf("%s: in the way of generated output", u)
	}
	if p.LockChanged() && len(p.Changes) == 0 {
		t.Errorf("%s is out of date; run make generate", engine.LockFile)
	}
}

// BenchmarkGenerate times a full generate and a no-op one on 1000 services.
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	if err := synthetic.Write(dir, 1000); err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			os.Remove(filepath.Join(dir, engine.LockFile))
			os.RemoveAll(filepath.Join(dir, ".github"))
			os.RemoveAll(filepath.Join(dir, "schemas"))
			b.StartTimer()
			if code := Main([]string{"-C", dir, "generate"}, &out, &out); code != ExitOK {
				b.Fatal(out.String())
			}
		}
	})
	b.Run("noop", func(b *testing.B) {
		for b.Loop() {
			if code := Main([]string{"-C", dir, "generate"}, &out, &out); code != ExitOK {
				b.Fatal(out.String())
			}
		}
	})
}

// The PR summary calls out production, IAM and deletions, and only those
// that happen.
func TestMarkdownCallsOut(t *testing.T) {
	dir := copySpecs(t)
	if code, _, stderr := run(t, "-C", dir, "generate"); code != ExitOK {
		t.Fatal(stderr)
	}
	edit := func(name, old, new string) { t.Helper(); replaceIn(t, dir, name, old, new) }
	summary := func() string {
		t.Helper()
		code, stdout, stderr := run(t, "-C", dir, "diff", "--markdown")
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

	// A longer wait before prod deploys: production changes, access does not.
	edit("specs/environments/prod.yaml", "waitMinutes: 10", "waitMinutes: 15")
	expect(summary(), map[string]bool{"> **Production:**": true, "> **IAM:**": false, "> **Deletions:**": false})

	// A new secret is a new grant on the service's role in every environment.
	edit("specs/services/api.yaml", "secrets: [stripe-api-key, webhook-signing-key]", "secrets: [stripe-api-key, webhook-signing-key, refund-key]")
	md := summary()
	expect(md, map[string]bool{"> **IAM:**": true, "`environments/prod/terraform/service-api.tf`": true, "> **Deletions:**": false})

	if err := os.Remove(filepath.Join(dir, "specs/services/web.jsonnet")); err != nil {
		t.Fatal(err)
	}
	expect(summary(), map[string]bool{"> **Deletions:**": true, "| terraform |": true})
}
