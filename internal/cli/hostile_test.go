package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
	"github.com/groundwork-dev/groundwork/internal/tree"
)

// TestHostile runs the hostile-input corpus in testdata/hostile: one script
// per class of input a pull request controls (the lock, links, Jsonnet,
// spec text, sizes). Each asserts the exit code, the message, and with
// snapshot/unchanged that nothing outside the owned files changed, in the
// repository and in a folder beside it.
// Under -short the promtool steps are skipped ([!short]), the rest runs.
func TestHostile(t *testing.T) {
	promtool := "promtool-skipped-by-short"
	if !testing.Short() {
		promtool = bins.Promtool.Path(t)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/hostile",
		Setup: func(env *testscript.Env) error {
			env.Setenv("GROUNDWORK_CACHE_DIR", env.WorkDir+"/.cache")
			env.Setenv("PROMTOOL", promtool)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// secrets FILE N: write a service spec with N secrets.
			"secrets": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: secrets FILE N")
				}
				n, err := strconv.Atoi(args[1])
				ts.Check(err)
				var b bytes.Buffer
				b.WriteString("team: platform\nport: 8080\nsecrets:\n")
				for i := range n {
					fmt.Fprintf(&b, "  - secret-%d\n", i)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o644))
			},
			// snapshot NAME: remember every file, folder and link under $WORK.
			"snapshot": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: snapshot NAME")
				}
				ts.Setenv("SNAPSHOT_"+args[0], strings.Join(listing(ts, ts.Getenv("WORK"), false), "\n"))
			},
			// unchanged NAME [owned]: nothing under $WORK differs from the
			// snapshot; with "owned", nothing but the files groundwork owns in
			// repo/ (its owned folders and its lock).
			"unchanged": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 1 || len(args) > 2 {
					ts.Fatalf("usage: unchanged NAME [owned]")
				}
				skipOwned := len(args) == 2 && args[1] == "owned"
				before := strings.Split(ts.Getenv("SNAPSHOT_"+args[0]), "\n")
				if skipOwned {
					before = slices.DeleteFunc(before, isOwned)
				}
				after := listing(ts, ts.Getenv("WORK"), skipOwned)
				if !slices.Equal(before, after) {
					for _, l := range before {
						if !slices.Contains(after, l) {
							ts.Logf("before only: %s", l)
						}
					}
					for _, l := range after {
						if !slices.Contains(before, l) {
							ts.Logf("after only: %s", l)
						}
					}
					ts.Fatalf("the tree changed outside what groundwork owns")
				}
			},
		},
	})
}

// isOwned reports whether a listing line is about a file groundwork owns in
// repo/: the lock, or a path in an owned folder.
func isOwned(line string) bool {
	p, _, _ := strings.Cut(line, " ")
	rel, ok := strings.CutPrefix(p, "repo/")
	if !ok {
		return false
	}
	if rel == engine.LockFile || engine.CheckPath(rel) == nil {
		return true
	}
	for _, o := range engine.Owned {
		if rel+"/" == o {
			return true
		}
	}
	return false
}

// listing is one line per file ("path sha256"), folder ("path/ dir") and
// link ("path -> target") under dir, sorted, without the run cache.
func listing(ts *testscript.TestScript, dir string, skipOwned bool) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if rel == ".cache" || rel == ".tmp" {
			return filepath.SkipDir
		}
		var line string
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line = rel + " -> " + target
		case d.IsDir():
			line = rel + " dir"
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line = rel + " " + hex.EncodeToString(sum[:])
		}
		if !skipOwned || !isOwned(line) {
			out = append(out, line)
		}
		return nil
	})
	if err != nil {
		ts.Fatalf("listing %s: %v", dir, err)
	}
	slices.Sort(out)
	return out
}

// A second run on a tree that another run holds exits 2 at once, saying
// why, and writes nothing.
func TestOneWriterAtATime(t *testing.T) {
	t.Parallel()
	root := copySpecs(t)
	held, err := tree.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := held.Lock(true); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"generate", "verify", "diff"} {
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"-C", root, cmd}, &stdout, &stderr); code != ExitInput {
			t.Errorf("%s beside a running generate: exit %d, want %d", cmd, code, ExitInput)
		}
		if !strings.Contains(stderr.String(), "another groundwork is running") {
			t.Errorf("%s: stderr = %q", cmd, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(root, engine.LockFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a refused run wrote the lock")
	}
}

// Generate on a synthetic organisation of a few hundred services,
// interrupted by SIGINT or killed by SIGKILL at several moments. After a
// SIGINT the tree is as it was (or as it should be, when the run had
// finished); after a SIGKILL, verify does not call a half-written tree
// clean, and the next generate completes it. No staged file survives.
func TestInterruptedRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs generate on 150 services a dozen times; -short skips it")
	}
	const services = 150
	base := t.TempDir()
	run := func(dir string, args ...string) (int, string) {
		cmd := exec.Command("groundwork", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GROUNDWORK_CACHE_DIR="+base+"/cache")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}

	// before: generated from 200 services; start: before, with specs that
	// drop 40 services and change another; want: what start generates.
	before := filepath.Join(base, "before")
	if err := synthetic.Write(before, services); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if code, out := run(before, "generate"); code != 0 {
		t.Fatalf("first generate: exit %d\n%s", code, out)
	}
	t.Logf("the first generate of %d services takes %s", services, time.Since(began).Round(time.Millisecond))
	start := filepath.Join(base, "start")
	copyTree(t, before, start)
	changeSpecs(t, start, services)
	startState := state(t, start)
	want := filepath.Join(base, "want")
	copyTree(t, start, want)
	began = time.Now()
	if code, out := run(want, "generate"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, out)
	}
	full := time.Since(began)
	wantState := state(t, want)
	t.Logf("an uninterrupted generate of the change takes %s", full.Round(time.Millisecond))

	// A signal while rendering (nothing written yet), then signals at
	// several moments after the run starts writing, which is when it makes
	// its staging folder.
	for i, tc := range []struct {
		sig     syscall.Signal
		writing bool          // wait for the staging folder first
		after   time.Duration // then wait this long
	}{
		{syscall.SIGINT, false, full / 3},
		{syscall.SIGINT, true, 0}, {syscall.SIGINT, true, 40 * time.Millisecond}, {syscall.SIGTERM, true, 150 * time.Millisecond},
		{syscall.SIGKILL, true, 0}, {syscall.SIGKILL, true, 40 * time.Millisecond}, {syscall.SIGKILL, true, 150 * time.Millisecond},
	} {
		dir := filepath.Join(base, fmt.Sprintf("case-%d", i))
		copyTree(t, start, dir)
		cmd := exec.Command("groundwork", "-C", dir, "generate")
		cmd.Env = append(os.Environ(), "GROUNDWORK_CACHE_DIR="+base+"/cache")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s %s after start", tc.sig, tc.after.Round(time.Millisecond))
		if tc.writing {
			name = fmt.Sprintf("%s %s after writing began", tc.sig, tc.after.Round(time.Millisecond))
			waitFor(filepath.Join(dir, engine.StagingDir), full*3)
		}
		time.Sleep(tc.after)
		cmd.Process.Signal(tc.sig)
		err := cmd.Wait()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		got := state(t, dir)
		switch {
		case tc.sig == syscall.SIGKILL:
			if !slices.Equal(got, wantState) {
				if code, out := run(dir, "verify"); code != ExitFindings {
					t.Errorf("%s: verify of a half-written tree: exit %d, want 1\n%.2000s", name, code, out)
				}
			}
			if code, out := run(dir, "generate"); code != 0 {
				t.Fatalf("%s: the next generate: exit %d\n%.2000s", name, code, out)
			}
			if got := state(t, dir); !slices.Equal(got, wantState) {
				t.Errorf("%s: the next generate did not complete the tree: %s", name, firstDiff(got, wantState))
			}
			t.Logf("%s: killed; the next generate completed the tree", name)
		case code == 0:
			if !slices.Equal(got, wantState) {
				t.Errorf("%s: exit 0 but the tree is not what generate makes: %s", name, firstDiff(got, wantState))
			}
			t.Logf("%s: the run had finished", name)
		case code == ExitInterrupted:
			if !slices.Equal(got, startState) {
				t.Errorf("%s: interrupted, but the tree changed: %s\n%s", name, firstDiff(got, startState), out.String())
			}
			t.Logf("%s: %s", name, strings.TrimSpace(out.String()))
		default:
			t.Errorf("%s: exit %d, want 0 or %d\n%s", name, code, ExitInterrupted, out.String())
		}
		t.Logf("case done at %s", time.Since(began).Round(time.Millisecond))
	}
}

// waitFor polls until path exists, or up to limit.
func waitFor(path string, limit time.Duration) {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if _, err := os.Lstat(path); err == nil {
			return
		}
	}
}

// changeSpecs drops the last 40 services and changes the first one's
// objective.
func changeSpecs(t *testing.T, dir string, n int) {
	t.Helper()
	for i := n - 40; i < n; i++ {
		if err := os.Remove(filepath.Join(dir, fmt.Sprintf("specs/services/svc-%04d.yaml", i))); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(dir, "specs/services/svc-0000.yaml")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(name) // it may be a hard link (copyTree)
	if err := os.WriteFile(name, bytes.Replace(data, []byte("objective: 99.9"), []byte("objective: 99.5"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// state lists every file of a repository with its hash, and every folder.
func state(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out = append(out, rel+"/")
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out = append(out, rel+" "+hex.EncodeToString(sum[:8]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func firstDiff(got, want []string) string {
	var only []string
	for _, g := range got {
		if _, found := slices.BinarySearch(want, g); !found {
			only = append(only, "+"+g)
		}
	}
	for _, w := range want {
		if _, found := slices.BinarySearch(got, w); !found {
			only = append(only, "-"+w)
		}
	}
	return fmt.Sprintf("%d lines differ, first: %v", len(only), only[:min(len(only), 5)])
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		// A hard link is a copy here: generate never writes a file in
		// place, it renames a new one over it.
		return os.Link(p, dst)
	})
	if err != nil {
		t.Fatal(err)
	}
}
