package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

const okHash = "4bf49b451f1ef9646c7f10b32543db5a7bd0f00019bec01ea2d197e874029383"

func lockWith(entries string) string {
	return `{"version": 1, "files": {` + entries + `}}`
}

func entry(path string) string {
	return `"` + path + `": {"kind": "alerts", "sources": ["specs/services/a.yaml"], "sha256": "` + okHash + `"}`
}

func TestLockIsUntrustedInput(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ lock, want string }{
		"traversal":              {lockWith(entry("../outside/secret")), `"../outside/secret" is not a clean relative path`},
		"deep traversal":         {lockWith(entry("alerts/../../etc/passwd")), "not a clean relative path"},
		"absolute":               {lockWith(entry("/etc/passwd")), "not a clean relative path"},
		"git":                    {lockWith(entry(".git/HEAD")), `".git/HEAD" has a ".git" element`},
		"git inside":             {lockWith(entry("alerts/.GIT/config")), `has a ".GIT" element`},
		"a spec":                 {lockWith(entry("specs/services/a.yaml")), "outside the folders groundwork generates"},
		"the Makefile":           {lockWith(entry("Makefile")), "outside the folders groundwork generates"},
		"a module":               {lockWith(entry("modules/iam/main.tf")), "outside the folders groundwork generates"},
		"a hand-written doc":     {lockWith(entry("docs/threat-model.md")), "outside the folders groundwork generates"},
		"beside a generated doc": {lockWith(entry("docs/data-retention.md.bak")), "outside the folders groundwork generates"},
		"an owned folder":        {lockWith(entry("alerts/")), "not a clean relative path"},
		"the lock itself":        {lockWith(entry(LockFile)), "is the lock file"},
		"staging":                {lockWith(entry("alerts/" + StagingDir + "/x")), "element"},
		"backslash":              {lockWith(entry(`alerts\\..\\x`)), "only letters, digits"},
		"control bytes":          {lockWith(entry(`alerts/\u001b[2Jx`)), "only letters, digits"},
		"null entry":             {lockWith(`"alerts/x.yaml": null`), `files["alerts/x.yaml"] is null`},
		"null files":             {`{"version": 1, "files": null}`, `no "files" mapping`},
		"files is a list":        {`{"version": 1, "files": []}`, "files holds a JSON array"},
		"kind is a number":       {lockWith(`"alerts/x.yaml": {"kind": 1, "sources": [], "sha256": "` + okHash + `"}`), "holds a JSON number"},
		"bad kind":               {lockWith(`"alerts/x.yaml": {"kind": "a b", "sources": [], "sha256": "` + okHash + `"}`), "is not a generator's kind"},
		"bad hash":               {lockWith(`"alerts/x.yaml": {"kind": "alerts", "sources": [], "sha256": "zz"}`), "is not a SHA-256"},
		"bad source":             {lockWith(`"alerts/x.yaml": {"kind": "alerts", "sources": ["/etc/passwd"], "sha256": "` + okHash + `"}`), "is not a path of the repository"},
		"source traversal":       {lockWith(`"alerts/x.yaml": {"kind": "alerts", "sources": ["specs/../x"], "sha256": "` + okHash + `"}`), "is not a path of the repository"},
		"unknown field":          {lockWith(`"alerts/x.yaml": {"kind": "alerts", "sources": [], "sha256": "` + okHash + `", "run": "rm"}`), "unknown field"},
		"trailing data":          {lockWith(entry("alerts/x.yaml")) + `{}`, "data after its end"},
		"not json":               {`{not json`, "invalid JSON at byte 2"},
		"truncated":              {`{"version": 1, "files": {`, "ends early"},
		"wrong version":          {`{"version": 7, "files": {}}`, "version 7"},
		"empty":                  {``, "ends early"},
		"huge path":              {lockWith(entry("alerts/" + strings.Repeat("a", 600))), "over 512 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseLock([]byte(tc.lock))
			var te *TreeError
			if !errors.As(err, &te) {
				t.Fatalf("ParseLock = %v, want a TreeError", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "git checkout groundwork.lock") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseLock = %q, want one line with %q and how to restore the lock", err, tc.want)
			}
		})
	}
	if _, err := ParseLock([]byte(lockWith(entry("alerts/x.yaml") + "," + entry(".github/CODEOWNERS")))); err != nil {
		t.Fatalf("a good lock: %v", err)
	}
}

// snapshot hashes every file and link under dirs, so that a test can prove
// nothing outside what groundwork owns changed.
func snapshot(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(p)
				out[p] = "link:" + target
			case d.IsDir():
				out[p] = "dir"
			default:
				data, _ := os.ReadFile(p)
				sum := sha256.Sum256(data)
				out[p] = hex.EncodeToString(sum[:])
			}
			return nil
		})
	}
	return out
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for k := range before {
			if !yield(k) {
				return
			}
		}
		for k := range after {
			if _, ok := before[k]; !ok && !yield(k) {
				return
			}
		}
	}) {
		if before[p] != after[p] {
			t.Errorf("%s changed: %q -> %q", p, before[p], after[p])
		}
	}
}

// A hostile tree (a lock naming files elsewhere, links where generated
// folders go) is refused before anything is written or deleted.
func TestHostileTreesAreRefusedWhole(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		plant func(root, outside string) error
		want  string
	}{
		"lock names a file outside": {func(root, outside string) error {
			return os.WriteFile(root+"/"+LockFile, []byte(lockWith(entry("../outside/secret"))), 0o644)
		}, "not a clean relative path"},
		"lock names the Makefile": {func(root, outside string) error {
			return os.WriteFile(root+"/"+LockFile, []byte(lockWith(entry("Makefile"))), 0o644)
		}, "outside the folders"},
		"generated folder is a link out": {func(root, outside string) error {
			return os.Symlink(outside, root+"/alerts")
		}, "symbolic link"},
		"generated file is a link out": {func(root, outside string) error {
			os.MkdirAll(root+"/alerts", 0o755)
			return os.Symlink(outside+"/secret", root+"/alerts/x.yaml")
		}, "symbolic link"},
		"generated file's parent is a link inside": {func(root, outside string) error {
			os.MkdirAll(root+"/runbooks", 0o755)
			return os.Symlink("../runbooks", root+"/alerts")
		}, "symbolic link"},
		"orphan in the lock is a link out": {func(root, outside string) error {
			os.MkdirAll(root+"/dashboards", 0o755)
			os.Symlink(outside+"/secret", root+"/dashboards/old.json")
			return os.WriteFile(root+"/"+LockFile, []byte(lockWith(entry("dashboards/old.json"))), 0o644)
		}, "symbolic link"},
		"lock path is a folder": {func(root, outside string) error {
			os.MkdirAll(root+"/dashboards/old.json", 0o755)
			return os.WriteFile(root+"/"+LockFile, []byte(lockWith(entry("dashboards/old.json"))), 0o644)
		}, "not a plain file"},
		"a file where a generated folder belongs": {func(root, outside string) error {
			return os.WriteFile(root+"/alerts", []byte("mine\n"), 0o644)
		}, "a file is on the path where a folder belongs"},
		"staging is a link out": {func(root, outside string) error {
			return os.Symlink(outside, root+"/"+StagingDir)
		}, "not a plain folder (a link or a file)"},
		"lock is a link out": {func(root, outside string) error {
			return os.Symlink(outside+"/secret", root+"/"+LockFile)
		}, "symbolic link"},
	} {
		for _, mode := range []string{"Render", "RenderFor", "RenderToApply"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				hostileTree(t, mode, tc.plant, tc.want)
			})
		}
	}
}

// hostileTree plants something hostile in a tree, then generates, rendering
// with Render, RenderFor or RenderToApply (mode), which must refuse it
// whole, and leave no staging folder.
func hostileTree(t *testing.T, mode string, plant func(root, outside string) error, want string) {
	tr := newTree(t, file("alerts/x.yaml", "v: 1\n"))
	outside := t.TempDir()
	if err := os.WriteFile(outside+"/secret", []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tr.root+"/Makefile", []byte("all:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := plant(tr.root, outside); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, tr.root, outside)
	tt := tr.open()
	var out *Output
	var err error
	switch mode {
	case "RenderFor":
		out, err = RenderFor(tt, &spec.Model{}, []Generator{tr.gen}, nil)
	case "RenderToApply":
		out, err = RenderToApply(context.Background(), tt, &spec.Model{}, []Generator{tr.gen}, nil)
	default:
		out, err = Render(&spec.Model{}, []Generator{tr.gen}, nil)
	}
	if err == nil {
		var p *Plan
		if p, err = Compare(tt, out); err == nil {
			err = p.Apply(context.Background())
		}
	}
	var te *TreeError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), want) {
		t.Fatalf("generate = %v, want a TreeError saying %q", err, want)
	}
	if strings.Contains(err.Error(), "secret\n") {
		t.Fatalf("the message shows a file from outside: %v", err)
	}
	sameTree(t, before, snapshot(t, tr.root, outside))
}

// stopAfter is a context that ends at its n-th look, standing for a SIGINT
// that arrives at any moment of an Apply.
type stopAfter struct {
	context.Context
	n, seen atomic.Int64
}

func (s *stopAfter) Err() error {
	if s.seen.Add(1) > s.n.Load() {
		return context.Canceled
	}
	return nil
}

// An interrupted Apply leaves every file as it was, whatever the moment:
// staged files are removed, replaced files put back, new folders pruned.
func TestInterruptedApplyLeavesTheTreeAsItWas(t *testing.T) {
	t.Parallel()
	for _, staged := range []bool{false, true} {
		t.Run(fmt.Sprintf("staged while rendered %t", staged), func(t *testing.T) {
			t.Parallel()
			interruptedApply(t, staged)
		})
	}
}

func interruptedApply(t *testing.T, staged bool) {
	old := []File{file("alerts/a.yaml", "a: 1\n"), file("alerts/b.yaml", "b: 1\n"), file("runbooks/gone/c.md", "c\n")}
	next := []File{file("alerts/a.yaml", "a: 2\n"), file("alerts/new/d.yaml", "d: 1\n"), file("dashboards/e.json", "{}\n")}
	for n := int64(0); ; n++ {
		tr := newTree(t, old...)
		tr.generate()
		before := snapshot(t, tr.root)
		tr.gen.files = next
		tt := tr.open()
		var out *Output
		var err error
		if staged {
			out, err = RenderToApply(context.Background(), tt, &spec.Model{}, []Generator{tr.gen}, nil)
		} else {
			out, err = Render(&spec.Model{}, []Generator{tr.gen}, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compare(tt, out)
		if err != nil {
			t.Fatal(err)
		}
		ctx := &stopAfter{Context: context.Background()}
		ctx.n.Store(n)
		err = p.Apply(ctx)
		if err == nil {
			// The context was never asked more than n times: the run completed.
			if p := tr.plan(); !p.Clean() {
				t.Fatalf("after a complete Apply the tree is not clean: %+v", p.Changes)
			}
			if n < 3 {
				t.Fatalf("Apply finished with the context ending at look %d", n)
			}
			return
		}
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stopped at look %d: %v, want ErrInterrupted", n, err)
		}
		sameTree(t, before, snapshot(t, tr.root))
	}
}

// A run killed part-way (no chance to undo) is completed by the next one,
// and verify does not call the tree clean in between.
func TestKilledRunConverges(t *testing.T) {
	t.Parallel()
	tr := newTree(t, file("alerts/a.yaml", "a: 1\n"), file("alerts/b.yaml", "b: 1\n"), file("runbooks/gone/c.md", "c\n"))
	tr.generate()
	tr.gen.files = []File{file("alerts/a.yaml", "a: 2\n"), file("alerts/c.yaml", "c: 1\n")}
	out, _ := Render(&spec.Model{}, []Generator{tr.gen}, nil)
	p, err := Compare(tr.open(), out)
	if err != nil {
		t.Fatal(err)
	}
	// What a SIGKILL part-way leaves: staged files, one file new, an
	// orphan moved aside, the old lock.
	s := &staging{plan: p}
	if err := s.stage(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, c := range p.Changes {
		switch {
		case c.Path == "alerts/a.yaml":
			err = s.replace(c.Path, i, newName(i), true, true)
		case c.Status == Removed && c.Path == "runbooks/gone/c.md":
			err = s.replace(c.Path, i, newName(i), true, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := tr.plan(); p.Clean() || !p.Staged {
		t.Fatalf("a half-applied tree is reported clean (staged %v)", p.Staged)
	}
	tr.generate()
	if tr.exists(StagingDir) || tr.exists("runbooks/gone") {
		t.Fatal("the next run left the staging folder or the orphan's folder")
	}
}
