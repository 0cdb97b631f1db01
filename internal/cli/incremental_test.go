package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
	"github.com/groundwork-dev/groundwork/internal/synthetic"
)

// jsonnetService is a service written in Jsonnet over a library, so that
// editing the library is editing the service.
const jsonnetService = `local lib = import 'defaults.libsonnet';
lib.service('jsvc', 'team-b') { replicas: { prod: 2 } }
`

const jsonnetLib = `{
  service(name, team):: {
    name: name,
    team: team,
    port: 8080,
    slos: [{ name: 'availability', objective: 99.9, sli: 'availability' }],
    secrets: ['token'],
  },
}
`

// edit is one change to the specs (or the tree) of an organisation; it
// says whether a generate after it may render only part of the files.
type edit struct {
	name  string
	apply func(t *testing.T, r *rand.Rand, dir string) expect
}

type expect int

const (
	skip    expect = iota // the edit could not be made
	partial               // a partial render covers it
	full                  // it needs a full render
	none                  // it needs no render at all
)

// TestIncrementalEqualsFull proves that generate's partial renders leave
// exactly the tree a full render leaves: after each of a random sequence of
// edits (a service's field changed, a service added or removed, its digest
// released, a Jsonnet library edited, an environment edited, a generated
// file hand-edited or deleted, nothing), one tree is generated with the run
// cache, the other with none, and every file of the two, the lock included,
// must be the same bytes.
func TestIncrementalEqualsFull(t *testing.T) {
	seed := uint64(1)
	steps := 16
	if testing.Short() {
		steps = 6
	}
	t.Setenv(cacheDirEnv, t.TempDir())
	r := rand.New(rand.NewPCG(seed, 18))
	inc, ref := t.TempDir(), t.TempDir()
	for _, dir := range []string{inc, ref} {
		if err := synthetic.Write(dir, 10); err != nil {
			t.Fatal(err)
		}
		write(t, dir, "specs/lib/defaults.libsonnet", jsonnetLib)
		write(t, dir, "specs/services/jsvc.jsonnet", jsonnetService)
	}
	generate(t, inc, false)
	partials := 0
	for step := range steps {
		e := edits[r.IntN(len(edits))]
		if step < len(edits) {
			e = edits[step] // every kind at least once, releases twice
		}
		want := e.apply(t, r, inc)
		if want == skip {
			continue
		}
		copySub(t, inc, ref, spec.Dir)
		out := generate(t, inc, true)
		got := full
		switch {
		case strings.Contains(out, "services rendered"):
			got = partial
			partials++
		case strings.Contains(out, "as in the last run"):
			got = none
		}
		if got != want {
			t.Errorf("step %d (%s): rendered %s, want %s:\n%s", step, e.name, got, want, out)
		}
		t.Logf("step %d: %s, rendered %s", step, e.name, got)
		os.Remove((&command{root: ref}).cacheFile())
		generate(t, ref, false)
		same(t, fmt.Sprintf("step %d (%s)", step, e.name), inc, ref)
	}
	if partials == 0 {
		t.Fatal("no step rendered partly")
	}
	// A fresh tree, generated from nothing, is the same again.
	fresh := t.TempDir()
	copySub(t, inc, fresh, spec.Dir)
	generate(t, fresh, false)
	same(t, "fresh", inc, fresh)
}

var edits = []edit{
	{"service field", func(t *testing.T, r *rand.Rand, dir string) expect {
		name := pick(t, r, dir, ".yaml")
		changes := [][2]string{
			{"objective: 99.9,", "objective: 99.95,"},
			{"port: 8080", "port: 9090"},
			{"replicas: {prod: 4}", "replicas: {prod: 5, dev: 2}"},
			{"secrets: [api-key, signing-key]", "secrets: [api-key]"},
			{"team: team-a", "team: team-b"},
			{"buckets: [{name: files, versioning: true, expireDays: 365}]\n", ""},
			{"database: {storageGB: 20, backup: {schedule: \"0 3 * * *\", maxAge: 26h}}\n", ""},
			{"flags: [{name: new-flow, enabledIn: [dev, staging]}]", "flags: [{name: new-flow, enabledIn: [prod]}]"},
		}
		data := read(t, dir, name)
		for _, i := range r.Perm(len(changes)) {
			if c := changes[i]; strings.Contains(data, c[0]) {
				write(t, dir, name, strings.Replace(data, c[0], c[1], 1))
				return partial
			}
		}
		return skip
	}},
	{"service drops its database, a secret and its flags", func(t *testing.T, r *rand.Rand, dir string) expect {
		// Files of a service that stays go: they are orphans, not the
		// files of a service out of scope.
		name := pick(t, r, dir, ".yaml")
		data := read(t, dir, name)
		for _, drop := range []string{
			"database: {storageGB: 20, backup: {schedule: \"0 3 * * *\", maxAge: 26h}}\n",
			"flags: [{name: new-flow, enabledIn: [dev, staging]}]\n",
		} {
			data = strings.Replace(data, drop, "", 1)
		}
		data = strings.Replace(data, "secrets: [api-key, signing-key]", "secrets: [api-key]", 1)
		if data == read(t, dir, name) {
			return skip
		}
		write(t, dir, name, data)
		return partial
	}},
	{"service added", func(t *testing.T, r *rand.Rand, dir string) expect {
		from := pick(t, r, dir, ".yaml")
		old := strings.TrimSuffix(filepath.Base(from), ".yaml")
		name := fmt.Sprintf("new-%03d", r.IntN(1000))
		if _, err := os.Stat(filepath.Join(dir, "specs/services", name+".yaml")); err == nil {
			return skip
		}
		write(t, dir, "specs/services/"+name+".yaml", strings.ReplaceAll(read(t, dir, from), old, name))
		return partial
	}},
	{"service removed", func(t *testing.T, r *rand.Rand, dir string) expect {
		name := pick(t, r, dir, ".yaml")
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		// Its digests go with it: a record naming it would be a mistake.
		for _, env := range []string{"dev", "staging", "prod", "sandbox"} {
			rel := "specs/releases/" + env + ".yaml"
			if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
				svc := strings.TrimSuffix(filepath.Base(name), ".yaml")
				write(t, dir, rel, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(svc)+`: .*\n`).ReplaceAllString(string(data), ""))
			}
		}
		return partial
	}},
	{"service released", release(false)},
	{"service released again", release(true)},
	{"jsonnet library", func(t *testing.T, r *rand.Rand, dir string) expect {
		data := read(t, dir, "specs/lib/defaults.libsonnet")
		port := regexp.MustCompile(`port: \d+`)
		edited := port.ReplaceAllString(data, fmt.Sprintf("port: %d", 8000+r.IntN(999)))
		if edited == data {
			return skip
		}
		write(t, dir, "specs/lib/defaults.libsonnet", edited)
		return partial
	}},
	{"environment", func(t *testing.T, r *rand.Rand, dir string) expect {
		data := read(t, dir, "specs/environments/staging.yaml")
		edited := regexp.MustCompile(`replicas: \d+`).ReplaceAllString(data, fmt.Sprintf("replicas: %d", 2+r.IntN(3)))
		if edited == data {
			return skip
		}
		write(t, dir, "specs/environments/staging.yaml", edited)
		return full
	}},
	{"hand edit", func(t *testing.T, r *rand.Rand, dir string) expect {
		name := "environments/dev/flux/apps/" + strings.TrimSuffix(filepath.Base(pick(t, r, dir, ".yaml")), ".yaml") + "/kustomization.yaml"
		write(t, dir, name, read(t, dir, name)+"# edited by hand\n")
		return full
	}},
	{"generated file deleted", func(t *testing.T, r *rand.Rand, dir string) expect {
		name := "dashboards/" + strings.TrimSuffix(filepath.Base(pick(t, r, dir, ".yaml")), ".yaml") + ".json"
		if os.Remove(filepath.Join(dir, name)) != nil {
			return skip
		}
		return full
	}},
	{"nothing", func(t *testing.T, r *rand.Rand, dir string) expect { return none }},
}

// generate runs generate in dir and returns what it printed.
func (e expect) String() string { return [...]string{"nothing", "partly", "in full", "nothing"}[e] }

func generate(t *testing.T, dir string, verbose bool) string {
	t.Helper()
	args := []string{"-C", dir, "generate"}
	if verbose {
		args = append(args, "--verbose")
	}
	code, stdout, stderr := run(t, args...)
	if code != ExitOK {
		t.Fatalf("generate in %s: exit %d\n%s%s", dir, code, stdout, stderr)
	}
	return stdout
}

// same fails unless the trees a and b hold the same files, byte for byte.
func same(t *testing.T, what, a, b string) {
	t.Helper()
	sa, sb := snapshot(t, a), snapshot(t, b)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range sa {
			if !yield(k) {
				return
			}
		}
	}) {
		if data, ok := sb[name]; !ok {
			t.Errorf("%s: %s is in the incrementally generated tree only", what, name)
		} else if data != sa[name] {
			t.Errorf("%s: %s differs from a full render", what, name)
		}
	}
	for name := range sb {
		if _, ok := sa[name]; !ok {
			t.Errorf("%s: %s is missing from the incrementally generated tree", what, name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// pick returns a random service spec of dir with that extension, as a
// slash path from dir.
func pick(t *testing.T, r *rand.Rand, dir, ext string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "specs/services"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ext) {
			names = append(names, "specs/services/"+e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no service left")
	}
	return names[r.IntN(len(names))]
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copySub makes dst's folder sub exactly src's.
func copySub(t *testing.T, src, dst, sub string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dst, sub)); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dst, sub), os.DirFS(filepath.Join(src, sub))); err != nil {
		t.Fatal(err)
	}
}

// release gives a random service a new digest in a random environment's
// release record: a partial render's work when the record exists (always,
// when again is set and there is one), a shared change when it is new.
func release(again bool) func(t *testing.T, r *rand.Rand, dir string) expect {
	return func(t *testing.T, r *rand.Rand, dir string) expect {
		envs := []string{"dev", "staging", "prod", "sandbox"}
		if again {
			if have, _ := filepath.Glob(filepath.Join(dir, "specs/releases/*.yaml")); len(have) > 0 {
				envs = []string{strings.TrimSuffix(filepath.Base(have[0]), ".yaml")}
			}
		}
		env := envs[r.IntN(len(envs))]
		svc := strings.TrimSuffix(filepath.Base(pick(t, r, dir, ".yaml")), ".yaml")
		rel := "specs/releases/" + env + ".yaml"
		digests := map[string]string{}
		want := full // a new record is a shared change
		if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			want = partial
			for _, l := range strings.Split(string(data), "\n") {
				if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(k, "#") {
					digests[k] = v
				}
			}
		}
		digests[svc] = fmt.Sprintf("sha256:%064x", r.Uint64())
		write(t, dir, rel, string(spec.EncodeRelease(env, digests)))
		return want
	}
}

// TestIncrementalDistrustsTamperedState: the lock in the tree may come from
// a pull request, and the run cache may be damaged or another tree's. Each
// case edits a service spec (so that its files are stale), tampers with one
// piece of the state a partial render would trust, and generates: the run
// must render in full and leave exactly what a full render leaves.
func TestIncrementalDistrustsTamperedState(t *testing.T) {
	t.Setenv(cacheDirEnv, t.TempDir())
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
	}{
		{"lock edited", func(t *testing.T, dir string) {
			// It claims another service's dashboard has other bytes.
			data := read(t, dir, engine.LockFile)
			i := strings.Index(data, `"dashboards/svc-0002.json"`)
			j := i + strings.Index(data[i:], `"sha256": "`) + len(`"sha256": "`)
			write(t, dir, engine.LockFile, data[:j]+strings.Repeat("0", 64)+data[j+64:])
		}},
		{"record cut short", func(t *testing.T, dir string) {
			file := (&command{root: dir}).cacheFile()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"record claims the edited spec unchanged", func(t *testing.T, dir string) {
			// Its fingerprint of svc-0001 becomes the edited spec's.
			c := &command{root: dir}
			if code := c.open(false); code != ExitOK {
				t.Fatal("open")
			}
			m, code := c.load()
			c.tree.Close()
			if code != ExitOK {
				t.Fatal("load")
			}
			in, _ := c.inputsOf(m)
			file := c.cacheFile()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			forged := regexp.MustCompile(`(?m)^svc-0001 [0-9a-f]{64}$`).ReplaceAllString(string(data), "svc-0001 "+in.services["svc-0001"])
			if forged == string(data) {
				t.Fatal("no fingerprint of svc-0001 in the record")
			}
			if err := os.WriteFile(file, []byte(forged), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"record of another tree", func(t *testing.T, dir string) {
			other := t.TempDir()
			copySub(t, dir, other, spec.Dir)
			generate(t, other, false)
			data, err := os.ReadFile((&command{root: other}).cacheFile())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile((&command{root: dir}).cacheFile(), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"file replaced with its size and times", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "dashboards/svc-0002.json")
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			data := []byte(read(t, dir, "dashboards/svc-0002.json"))
			data[len(data)/2] ^= 1
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"staging folder left", func(t *testing.T, dir string) {
			write(t, dir, engine.StagingDir+"/new-0", "left by a killed run\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, ref := t.TempDir(), t.TempDir()
			if err := synthetic.Write(dir, 3); err != nil {
				t.Fatal(err)
			}
			generate(t, dir, false)
			write(t, dir, "specs/services/svc-0001.yaml", strings.Replace(read(t, dir, "specs/services/svc-0001.yaml"), "objective: 99.9,", "objective: 99.95,", 1))
			tc.tamper(t, dir)
			out := generate(t, dir, true)
			if strings.Contains(out, "services rendered") {
				t.Errorf("rendered partly after the tampering:\n%s", out)
			}
			copySub(t, dir, ref, spec.Dir)
			generate(t, ref, false)
			same(t, tc.name, dir, ref)
		})
	}
}

// TestParseCache: a clean run keeps the specs' YAML trees beside its
// record, the next run parses only the spec that changed, and a damaged
// cache is no cache: the run parses every spec, and its output is the same.
func TestParseCache(t *testing.T) {
	t.Setenv(cacheDirEnv, t.TempDir())
	dir, ref := t.TempDir(), t.TempDir()
	if err := synthetic.Write(dir, 3); err != nil {
		t.Fatal(err)
	}
	generate(t, dir, false)
	file := (&command{root: dir}).cacheFile() + parsedSuffix
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no parse cache after a clean run: %v", err)
	}
	// The same file read twice gives the same cache: nothing was parsed.
	c := &command{root: dir}
	if code := c.open(false); code != ExitOK {
		t.Fatal("open")
	}
	if _, code := c.load(); code != ExitOK {
		t.Fatal("load")
	}
	c.tree.Close()
	if c.parsed.Changed() {
		t.Error("loading unchanged specs parsed some of them again")
	}
	for _, damage := range []string{"cut short", "none"} {
		write(t, dir, "specs/services/svc-0001.yaml", strings.Replace(read(t, dir, "specs/services/svc-0001.yaml"), "objective: 99.9,", "objective: 99.95,", 1))
		if damage == "cut short" {
			if err := os.WriteFile(file, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if out := generate(t, dir, true); !strings.Contains(out, "services rendered") {
			t.Errorf("%s: the edit was not rendered partly:\n%s", damage, out)
		}
		copySub(t, dir, ref, spec.Dir)
		generate(t, ref, false)
		same(t, damage, dir, ref)
		write(t, dir, "specs/services/svc-0001.yaml", strings.Replace(read(t, dir, "specs/services/svc-0001.yaml"), "objective: 99.95,", "objective: 99.9,", 1))
		generate(t, dir, false)
		if again, err := os.ReadFile(file); err != nil || len(again) < len(data)/2+1 {
			t.Errorf("%s: the parse cache was not written whole again (%d bytes, %v)", damage, len(again), err)
		}
	}
}

// TestRecordDelta: at eighty services an edit leaves its record as a
// delta beside the one written whole, which it does not touch; the next
// edit's delta replaces it, against the same record, and each output is a
// full render's. A damaged delta, or one left beside another record (a
// run killed after writing a record whole, before removing its delta), is
// no record: the run renders in full, and writes its record whole.
func TestRecordDelta(t *testing.T) {
	t.Setenv(cacheDirEnv, t.TempDir())
	dir, ref := t.TempDir(), t.TempDir()
	if err := synthetic.Write(dir, 80); err != nil {
		t.Fatal(err)
	}
	generate(t, dir, false)
	file := (&command{root: dir}).cacheFile()
	whole := func() []byte {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	delta := func() []byte {
		data, err := os.ReadFile(file + deltaSuffix)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if delta() != nil {
		t.Fatal("a full render left a delta")
	}
	// The files the full render wrote last are known as settled once a
	// second has passed (see engine.Known): a run then knows them anew,
	// and its record holds them. Edits after it change only what they
	// render.
	time.Sleep(1100 * time.Millisecond)
	generate(t, dir, false)
	first := whole()
	// objective steps through 99.91, 99.92, …: every edit changes the spec.
	objective := 90
	editAndGenerate := func(what, svc string, wantPartial bool) {
		t.Helper()
		name := "specs/services/" + svc + ".yaml"
		data := regexp.MustCompile(`objective: 99\.9[0-9]*,`).ReplaceAllString(read(t, dir, name), fmt.Sprintf("objective: 99.%d,", objective+1))
		objective++
		write(t, dir, name, data)
		out := generate(t, dir, true)
		if got := strings.Contains(out, "services rendered"); got != wantPartial {
			t.Errorf("%s: rendered partly: %t, want %t:\n%s", what, got, wantPartial, out)
		}
		copySub(t, dir, ref, spec.Dir)
		os.Remove((&command{root: ref}).cacheFile())
		generate(t, ref, false)
		same(t, what, dir, ref)
	}

	editAndGenerate("first edit", "svc-0001", true)
	d1 := delta()
	if d1 == nil || len(d1)*4 > len(first) {
		t.Fatalf("first edit: a delta of %d bytes beside a record of %d", len(d1), len(first))
	}
	if !bytes.Equal(whole(), first) {
		t.Fatal("first edit: the record written whole changed")
	}
	editAndGenerate("second edit", "svc-0002", true)
	if d2 := delta(); d2 == nil || bytes.Equal(d2, d1) || !bytes.Equal(whole(), first) {
		t.Fatalf("second edit: not a new delta against the same record (delta of %d bytes, the record whole the same: %t)", len(d2), bytes.Equal(whole(), first))
	}
	editAndGenerate("third edit, on the second's delta", "svc-0003", true)

	d := delta()
	d[len(d)/2] ^= 1
	if err := os.WriteFile(file+deltaSuffix, d, 0o644); err != nil {
		t.Fatal(err)
	}
	editAndGenerate("delta damaged", "svc-0004", false)
	if delta() != nil || bytes.Equal(whole(), first) {
		t.Fatal("after a full render: not a record written whole, alone")
	}
	// The first delta, beside the record written whole since.
	if err := os.WriteFile(file+deltaSuffix, d1, 0o644); err != nil {
		t.Fatal(err)
	}
	editAndGenerate("delta of another record", "svc-0005", false)
	editAndGenerate("after it", "svc-0006", true)
}

// TestCheckedBefore: after a clean run, the services whose specs did not
// change are not checked again, yet a mistake a new spec makes in one of
// them (a service named for another's database jobs' role) is reported as
// a run without the cache reports it; and an unchanged service is checked
// again once a shared spec changes.
func TestCheckedBefore(t *testing.T) {
	t.Setenv(cacheDirEnv, t.TempDir())
	dir := t.TempDir()
	if err := synthetic.Write(dir, 3); err != nil {
		t.Fatal(err)
	}
	generate(t, dir, false)
	// vouched counts the services checkedBefore vouches for now.
	vouched := func() int {
		t.Helper()
		c := &command{root: dir}
		if code := c.open(false); code != ExitOK {
			t.Fatal("open")
		}
		defer c.tree.Close()
		checked := c.checkedBefore(c.lastRunSoon())
		files, diags, err := spec.ReadFiles(c.tree)
		if err != nil || len(diags) > 0 {
			t.Fatal(err, diags)
		}
		c.files = files
		var names sync.Map
		if _, err := spec.LoadFilesWith(files, spec.Reuse{Checked: func(m *spec.Model, s *spec.Service) bool {
			if checked(m, s) {
				names.Store(s.Name, true)
			}
			return false
		}}); err != nil {
			t.Fatal(err)
		}
		n := 0
		names.Range(func(any, any) bool { n++; return true })
		return n
	}
	if n := vouched(); n != 3 {
		t.Fatalf("after a clean run, %d of 3 services vouched for", n)
	}
	env := "specs/environments/dev.yaml"
	was := read(t, dir, env)
	write(t, dir, env, was+"# a comment is a change\n")
	if n := vouched(); n != 0 {
		t.Fatalf("after a shared spec changed, %d services vouched for", n)
	}
	write(t, dir, env, was)

	mistake := func(dir string) string {
		t.Helper()
		code, stdout, stderr := run(t, "-C", dir, "generate")
		if code != ExitInput {
			t.Fatalf("generate: exit %d, want %d\n%s%s", code, ExitInput, stdout, stderr)
		}
		return stderr
	}
	write(t, dir, "specs/services/svc-0001-db.yaml", strings.ReplaceAll(read(t, dir, "specs/services/svc-0002.yaml"), "svc-0002", "svc-0001-db"))
	got := mistake(dir)
	if !strings.Contains(got, "svc-0001's database jobs would have the name of service svc-0001-db's role") {
		t.Errorf("the mistake in svc-0001, whose spec did not change, is not reported:\n%s", got)
	}
	t.Setenv(cacheDirEnv, t.TempDir())
	if want := mistake(dir); got != want {
		t.Errorf("with the cache:\n%s\nwithout:\n%s", got, want)
	}
}

// TestExecutableHashIsBuildID: the binary is named by its Go build ID, as
// `go tool buildid` reads it (its last part hashes the binary's content);
// a file that is no Go binary has none, and is hashed instead.
func TestExecutableHashIsBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid, which the go command that runs the tests has: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want || executableHash() != "go-build-id "+want {
		t.Errorf("goBuildID = %q, executableHash = %q; want the build ID %q", got, executableHash(), want)
	}
	text := filepath.Join(t.TempDir(), "not-a-binary")
	if err := os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := goBuildID(text); got != "" {
		t.Errorf("a script has the build ID %q", got)
	}
}

// TestPartialRenderMemory: a partial render lowers the soft memory limit to
// twice what it keeps live, never under 192 MiB nor over the limit it ran
// under, and lets it alone start the collector; not when GOMEMLIMIT, or
// GOGC for the collector, is set; a run ends with the limit it began with.
func TestPartialRenderMemory(t *testing.T) {
	was := debug.SetMemoryLimit(400 << 20)
	defer debug.SetMemoryLimit(was)
	for _, tc := range []struct {
		files int
		want  int64
	}{{100, 192 << 20}, {50_000, 192 << 20}, {81_000, 81_000 * 3 << 10}, {120_000, 120_000 * 3 << 10}, {1_000_000, 400 << 20}} {
		restore := partialRenderMemory(tc.files)
		if got := debug.SetMemoryLimit(-1); got != tc.want {
			t.Errorf("%d files: limit %d MiB, want %d MiB", tc.files, got>>20, tc.want>>20)
		}
		restore()
		if got := debug.SetMemoryLimit(-1); got != 400<<20 {
			t.Errorf("%d files: restored to %d MiB", tc.files, got>>20)
		}
	}
	// The limit alone starts the collector, until restored.
	restore := partialRenderMemory(81_000)
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("through a partial render GOGC is %d, want off", got)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("restored GOGC to %d", got)
	}
	t.Setenv("GOGC", "100")
	restore = partialRenderMemory(81_000)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GOGC became %d", got)
	}
	restore()
	t.Setenv("GOMEMLIMIT", "1GiB")
	partialRenderMemory(81_000)
	if got := debug.SetMemoryLimit(-1); got != 400<<20 {
		t.Errorf("with GOMEMLIMIT set, the limit became %d MiB", got>>20)
	}
}

// Main runs at runGCPercent unless GOGC is set, and leaves the collector
// and the memory limit as it found them.
func TestMainRestoresCollector(t *testing.T) {
	was := debug.SetGCPercent(123)
	defer debug.SetGCPercent(was)
	limit := debug.SetMemoryLimit(300 << 20)
	defer debug.SetMemoryLimit(limit)
	var out, errs bytes.Buffer
	Main([]string{"-C", t.TempDir(), "verify"}, &out, &errs)
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("after a run GOGC is %d, want 123", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Errorf("after a run the memory limit is %d MiB, want 300", got>>20)
	}
	runGC()
	if got := debug.SetGCPercent(123); got != runGCPercent {
		t.Errorf("runGC set GOGC %d, want %d", got, runGCPercent)
	}
	t.Setenv("GOGC", "50")
	runGC()
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("with GOGC set, runGC set GOGC %d", got)
	}
}
