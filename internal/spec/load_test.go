package spec

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected diagnostics of testdata/errors")

// TestLoadSample loads the repository's sample organisation: it must be
// valid, and the defaults must land where the schema says they do.
func TestLoadSample(t *testing.T) {
	t.Parallel()
	m, err := Load("../..")
	if err != nil {
		t.Fatalf("the sample specs do not load:\n%v", err)
	}
	if got := len(m.Environments); got != 4 {
		t.Errorf("environments = %d, want 4", got)
	}
	sandbox := m.Environment("sandbox")
	if sandbox == nil || sandbox.Cluster.Name != "acme-sandbox" || sandbox.Production || sandbox.Region != "eu-central-1" {
		t.Errorf("sandbox = %+v, want default cluster acme-sandbox, not production, region eu-central-1", sandbox)
	}
	dev := m.Environment("dev")
	if dev.Region != "eu-west-1" || dev.Production {
		t.Errorf("dev region = %q production = %v, want the platform's region and not production", dev.Region, dev.Production)
	}
	if !m.Environment("prod").Production {
		t.Error("prod is not production")
	}
	web := m.Service("web")
	if web == nil || web.Source.Path != "specs/services/web.jsonnet" || len(web.SLOs) != 2 || web.Team != "storefront" {
		t.Fatalf("web (Jsonnet with specs/lib defaults) = %+v", web)
	}
	if web.SLOs[1].PageEnabled() || !web.SLOs[1].TicketEnabled() {
		t.Error("web latency SLO: want the page tier off and the ticket tier on, as specs/lib says")
	}
	if got := web.Loadtest.Requests[0].Method; got != "GET" {
		t.Errorf("web load test method default = %q, want GET", got)
	}
	worker := m.Service("worker")
	if worker.HTTP() || worker.Metrics.Port != 9102 || worker.Health != "" {
		t.Errorf("worker: HTTP %v, metrics port %d, health %q; want no HTTP, 9102, no health", worker.HTTP(), worker.Metrics.Port, worker.Health)
	}
	api := m.Service("api")
	if api.ReplicasIn(m.Environment("prod")) != 4 || api.ReplicasIn(m.Environment("staging")) != 2 {
		t.Errorf("api replicas prod %d staging %d, want 4 (its own) and 2 (staging's default)",
			api.ReplicasIn(m.Environment("prod")), api.ReplicasIn(m.Environment("staging")))
	}
	if got := api.Metrics.Port; got != 8080 {
		t.Errorf("api metrics port = %d, want the service port 8080", got)
	}
	if got := api.Database.Backup.AWSSchedule(); got != "cron(0 3 * * ? *)" {
		t.Errorf("AWS backup schedule = %q", got)
	}
}

// TestErrors runs the expected-error corpus: each testdata/errors/*.txtar
// overlays files on testdata/base (a file with a "delete" line removes one),
// and its "want" section lists every diagnostic, in order. Refresh with -update.
func TestErrors(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob("testdata/errors/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no error cases: %v", err)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			copyTree(t, "testdata/base", root)
			var want string
			wantIdx := -1
			for i, f := range ar.Files {
				switch {
				case f.Name == "want":
					want, wantIdx = string(f.Data), i
				case strings.HasPrefix(f.Name, "delete "):
					if err := os.Remove(filepath.Join(root, strings.TrimPrefix(f.Name, "delete "))); err != nil {
						t.Fatal(err)
					}
				default:
					writeFile(t, filepath.Join(root, f.Name), f.Data)
				}
			}
			_, err = Load(root)
			got := ""
			if err != nil {
				got = err.Error() + "\n"
			}
			// The same mistakes, at the same places, when the files'
			// trees come from the parse cache.
			if _, _, _, coldErr, warmErr := loadThroughCache(t, root); fmt.Sprint(coldErr) != fmt.Sprint(err) || fmt.Sprint(warmErr) != fmt.Sprint(err) {
				t.Errorf("through the parse cache, the diagnostics differ:\ncold:\n%v\nwarm:\n%v", coldErr, warmErr)
			}
			// The same mistakes when the run cache vouches, as it does
			// after a clean run of the base, for the services whose spec
			// the case leaves as it is, unless it changes a shared spec.
			vouched, vouchedErr := loadVouched(t, root, ar)
			if fmt.Sprint(vouchedErr) != fmt.Sprint(err) {
				t.Errorf("with the unchanged services vouched for, the diagnostics differ:\n%v", vouchedErr)
			}
			if strings.HasSuffix(name, "_with_unchanged") && vouched == 0 {
				t.Errorf("no service vouched for")
			}
			if *update {
				if wantIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					wantIdx = len(ar.Files) - 1
				}
				ar.Files[wantIdx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got == "" {
				t.Fatalf("the specs loaded without a mistake; want:\n%s", want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBaseLoads keeps the corpus honest: its base must be valid, so that
// each case's diagnostics come from its own overlay.
func TestBaseLoads(t *testing.T) {
	t.Parallel()
	if _, err := Load("testdata/base"); err != nil {
		t.Fatalf("testdata/base does not load:\n%v", err)
	}
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeFile(t, filepath.Join(to, rel), data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadVouched loads root, the base with the files of ar written or
// deleted, vouching (Reuse.Checked) for every service whose spec ar does
// not touch, when ar touches no other spec: the base loads cleanly, so a
// run cache would vouch for them. It returns how many times it vouched for
// one, and the error.
func loadVouched(t *testing.T, root string, ar *txtar.Archive) (int64, error) {
	t.Helper()
	touched := map[string]bool{}
	shared := false
	for _, f := range ar.Files {
		if f.Name == "want" {
			continue
		}
		name := strings.TrimPrefix(f.Name, "delete ")
		touched[name] = true
		shared = shared || !strings.HasPrefix(name, Dir+"/services/")
	}
	files, diags := readSpecFiles(t, root)
	if len(diags) > 0 {
		return 0, diags.Sorted()
	}
	var vouched atomic.Int64
	_, err := LoadFilesWith(files, Reuse{Checked: func(m *Model, s *Service) bool {
		ok := !shared && !touched[s.Source.Path] && len(s.Source.Imports()) == 0
		if ok {
			vouched.Add(1)
		}
		return ok
	}})
	return vouched.Load(), err
}
