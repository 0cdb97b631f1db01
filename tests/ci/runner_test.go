package ci_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/bins"
)

// The runner executes a job of a generated workflow as GitHub's runner
// would, on this machine: in a fresh copy of the repository, each `run:`
// step in order with `bash --noprofile --norc -eo pipefail`, in its working
// directory, with the workflow's, job's and step's `env:`, GITHUB_OUTPUT,
// GITHUB_ENV and GITHUB_PATH carried from step to step; the first step that
// fails fails the job. A `uses:` step runs through a local stand-in
// (standIns): the setup actions check that the toolchain already here is the
// one they would install. A job with a step no stand-in covers cannot run
// offline, and says which.

// workflowFile is the part of a workflow the runner reads.
type workflowFile struct {
	Env      map[string]string `yaml:"env"`
	Defaults struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Jobs yaml.Node `yaml:"jobs"` // a mapping: job order is file order
}

type job struct {
	ID       string
	Name     string            `yaml:"name"`
	If       string            `yaml:"if"`
	Needs    any               `yaml:"needs"`
	Env      map[string]string `yaml:"env"`
	Strategy yaml.Node         `yaml:"strategy"`
	Timeout  int               `yaml:"timeout-minutes"`
	Defaults struct {
		Run struct {
			WorkingDirectory string `yaml:"working-directory"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Steps []step `yaml:"steps"`
}

type step struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	With             map[string]any    `yaml:"with"`
	Run              string            `yaml:"run"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

func readWorkflow(t *testing.T, root, path string) (*workflowFile, []job) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	var w workflowFile
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if w.Defaults.Run.Shell != "bash" {
		t.Fatalf("%s: defaults.run.shell is %q; the runner runs bash, as the generated workflows ask", path, w.Defaults.Run.Shell)
	}
	var jobs []job
	for i := 0; i+1 < len(w.Jobs.Content); i += 2 {
		var j job
		if err := w.Jobs.Content[i+1].Decode(&j); err != nil {
			t.Fatalf("%s: job %s: %v", path, w.Jobs.Content[i].Value, err)
		}
		j.ID = w.Jobs.Content[i].Value
		jobs = append(jobs, j)
	}
	return &w, jobs
}

// run is one job's run: its workspace, its environment and what its steps
// told the runner.
type run struct {
	t         *testing.T
	root      string // the repository the copy is made from
	workspace string
	temp      string
	env       map[string]string // the runner's environment, GITHUB_ENV included
	path      []string          // GITHUB_PATH entries, newest first
	outputs   map[string]map[string]string
	event     event
	log       io.Writer
	// replace gives, per step script, the environment that narrows it (see
	// TestGeneratedCI): nil runs every step as written.
	replace map[string][]string
}

// event is the pull request the runs pretend to be for.
type event struct {
	baseSHA, headSHA string
}

// offline says why a job cannot run here, or "" when every step can.
func offline(j job) string {
	if len(j.Strategy.Content) > 0 {
		return "it has a matrix"
	}
	for _, s := range j.Steps {
		if s.Uses == "" {
			continue
		}
		if _, ok := standIns[action(s.Uses)]; !ok {
			return fmt.Sprintf("step %q uses %s, which has no local stand-in", s.Name, action(s.Uses))
		}
	}
	return ""
}

// action is a uses: reference without its pin.
func action(uses string) string {
	a, _, _ := strings.Cut(uses, "@")
	return a
}

// exec runs the job's steps in order; the first failure fails t.
func (r *run) exec(w *workflowFile, j job) {
	t := r.t
	timeout := time.Duration(j.Timeout) * time.Minute
	if timeout == 0 {
		timeout = 360 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for i, s := range j.Steps {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("step %d", i+1)
		}
		if s.If != "" && !r.condition(s.If) {
			fmt.Fprintf(r.log, "== %s: skipped (if: %s)\n", name, s.If)
			continue
		}
		env := map[string]string{}
		for _, layer := range []map[string]string{w.Env, j.Env, s.Env} {
			for k, v := range layer {
				env[k] = r.expand(v)
			}
		}
		start := time.Now()
		fmt.Fprintf(r.log, "== %s\n", name)
		var err error
		if s.Uses != "" {
			with := map[string]string{}
			for k, v := range s.With {
				with[k] = r.expand(fmt.Sprint(v))
			}
			err = standIns[action(s.Uses)](r, with)
		} else {
			dir := s.WorkingDirectory
			if dir == "" {
				dir = j.Defaults.Run.WorkingDirectory
			}
			err = r.script(ctx, s, r.expand(dir), env)
		}
		fmt.Fprintf(r.log, "== %s: %s\n", name, time.Since(start).Round(time.Second))
		if err != nil {
			t.Fatalf("job %q (%s), step %q failed: %v\n(the job's log is %s)", j.ID, j.Name, name, err, r.logPath())
		}
	}
}

func (r *run) logPath() string {
	if f, ok := r.log.(*os.File); ok {
		return f.Name()
	}
	return "above"
}

// script runs a run: step as GitHub runs `shell: bash`.
func (r *run) script(ctx context.Context, s step, dir string, env map[string]string) error {
	file := filepath.Join(r.temp, "step.sh")
	if err := os.WriteFile(file, []byte(s.Run), 0o644); err != nil {
		return err
	}
	files := map[string]string{}
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"} {
		f := filepath.Join(r.temp, strings.ToLower(k))
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
		files[k] = f
	}
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", file)
	cmd.Dir = filepath.Join(r.workspace, dir)
	cmd.Env = r.environ(env, files, r.replace[s.Run])
	var tail tailWriter
	cmd.Stdout = io.MultiWriter(r.log, &tail)
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v; its last lines:\n%s", err, tail.String())
	}
	return r.collect(s.ID, files)
}

// environ is the process environment of a step: the runner's, the PATH
// additions, then the step's env and the runner's files.
func (r *run) environ(env, files map[string]string, extra []string) []string {
	all := map[string]string{}
	for k, v := range r.env {
		all[k] = v
	}
	all["PATH"] = strings.Join(append(slices.Clone(r.path), r.env["PATH"]), string(os.PathListSeparator))
	for k, v := range env {
		all[k] = v
	}
	for k, v := range files {
		all[k] = v
	}
	out := make([]string, 0, len(all)+len(extra))
	for k, v := range all {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return append(out, extra...)
}

// collect reads what a step wrote to its output, env and path files.
func (r *run) collect(id string, files map[string]string) error {
	outs, err := readKV(files["GITHUB_OUTPUT"])
	if err != nil {
		return err
	}
	if id != "" {
		r.outputs[id] = outs
	}
	envs, err := readKV(files["GITHUB_ENV"])
	if err != nil {
		return err
	}
	for k, v := range envs {
		r.env[k] = v
	}
	data, err := os.ReadFile(files["GITHUB_PATH"])
	if err != nil {
		return err
	}
	for _, p := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if p != "" {
			r.path = append([]string{p}, r.path...)
		}
	}
	return nil
}

// readKV reads NAME=value lines and NAME<<DELIMITER blocks.
func readKV(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if k, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(k, "=") {
			var v []string
			for sc.Scan() && sc.Text() != delim {
				v = append(v, sc.Text())
			}
			out[k] = strings.Join(v, "\n")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	return out, sc.Err()
}

var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand evaluates the expressions the runnable steps use; any other fails
// the test, naming it, rather than running a step with a wrong value.
func (r *run) expand(s string) string {
	return expression.ReplaceAllStringFunc(s, func(m string) string {
		e := expression.FindStringSubmatch(m)[1]
		switch {
		case e == "runner.temp":
			return r.temp
		case e == "github.workspace":
			return r.workspace
		case e == "github.sha", e == "github.event.pull_request.head.sha":
			return r.event.headSHA
		case e == "github.event.pull_request.base.sha":
			return r.event.baseSHA
		case strings.HasPrefix(e, "steps.") && strings.Contains(e, ".outputs."):
			id, name, _ := strings.Cut(strings.TrimPrefix(e, "steps."), ".outputs.")
			return r.outputs[id][name]
		}
		r.t.Fatalf("the runner cannot evaluate ${{ %s }} offline; teach expand what it means on a pull request", e)
		return ""
	})
}

// condition evaluates the if: conditions of the runnable steps and jobs,
// for a pull request from a branch of the repository itself.
func (r *run) condition(c string) bool {
	switch strings.TrimSpace(c) {
	case "github.event.pull_request.head.repo.full_name == github.repository",
		"github.event_name == 'pull_request'", "success()", "always()":
		return true
	case "failure()", "cancelled()":
		return false
	}
	r.t.Fatalf("the runner cannot evaluate if: %s offline", c)
	return false
}

// tailWriter keeps the last lines written, for a failure message.
type tailWriter struct{ lines []string }

func (w *tailWriter) Write(p []byte) (int, error) {
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l == "" {
			continue
		}
		if n := len(w.lines); n > 0 && !strings.HasSuffix(w.lines[n-1], "\n") {
			w.lines[n-1] += l
		} else {
			w.lines = append(w.lines, l)
		}
	}
	if len(w.lines) > 60 {
		w.lines = w.lines[len(w.lines)-60:]
	}
	return len(p), nil
}

func (w *tailWriter) String() string { return strings.Join(w.lines, "") }

// standIns run a uses: step here. A setup action checks that the tool it
// would install is here at the version it names, and puts it on PATH.
var standIns = map[string]func(r *run, with map[string]string) error{
	"actions/checkout": func(r *run, with map[string]string) error {
		// The workspace already holds the fresh copy (see freshCopy):
		// checking out is what made it.
		return nil
	},
	"actions/setup-go": func(r *run, with map[string]string) error {
		file := with["go-version-file"]
		if file == "" {
			return fmt.Errorf("the stand-in for setup-go reads go-version-file, and the step has none")
		}
		data, err := os.ReadFile(filepath.Join(r.workspace, file))
		if err != nil {
			return err
		}
		m := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(data)
		if m == nil {
			return fmt.Errorf("%s has no go line", file)
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			return fmt.Errorf("go is not on PATH: setup-go would install go %s", m[1])
		}
		out, err := exec.Command(gobin, "env", "GOVERSION").Output()
		if err != nil {
			return err
		}
		have := strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
		if versionLess(have, string(m[1])) {
			return fmt.Errorf("go %s is older than the go %s of %s, which setup-go would install", have, m[1], file)
		}
		r.path = append([]string{filepath.Dir(gobin)}, r.path...)
		return nil
	},
	"hashicorp/setup-terraform": func(r *run, with map[string]string) error {
		if with["terraform_wrapper"] != "false" {
			return fmt.Errorf("the stand-in for setup-terraform runs terraform without its wrapper only")
		}
		tf, err := exec.LookPath("terraform")
		if err != nil {
			return fmt.Errorf("terraform is not on PATH: setup-terraform would install %s", with["terraform_version"])
		}
		out, err := exec.Command(tf, "version", "-json").Output()
		if err != nil {
			return err
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if err := json.Unmarshal(out, &v); err != nil {
			return err
		}
		if want := with["terraform_version"]; want != "" && v.Version != want {
			return fmt.Errorf("terraform here is %s; the workflow pins %s", v.Version, want)
		}
		r.path = append([]string{filepath.Dir(tf)}, r.path...)
		// Offline, providers come from the mirror the tests use, as they
		// would come from the registry on GitHub.
		if mirror := os.Getenv("GROUNDWORK_TF_PROVIDER_MIRROR"); mirror != "" {
			cfg := filepath.Join(r.temp, "terraform.rc")
			text := fmt.Sprintf("disable_checkpoint = true\nprovider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
			if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
				return err
			}
			r.env["TF_CLI_CONFIG_FILE"] = cfg
		}
		return nil
	},
	"actions/upload-artifact": func(r *run, with map[string]string) error {
		if _, err := os.Stat(with["path"]); err != nil && with["if-no-files-found"] == "error" {
			return fmt.Errorf("nothing to upload at %s: %v", with["path"], err)
		}
		return nil
	},
}

// versionLess compares dotted versions numerically.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// freshCopy makes dir a clone of the repository as it would be committed:
// every tracked file and every untracked one that is not ignored, as one
// commit, and nothing else (no bin/, no node_modules, no .terraform). It
// returns the commit.
func freshCopy(t *testing.T, root, dir string) string {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		fi, err := os.Lstat(src)
		if err != nil {
			continue // deleted in the worktree
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, dst); err != nil {
				t.Fatal(err)
			}
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
				t.Fatal(err)
			}
		}
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "--no-verify", "-m", "the tree under test")
	return strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=groundwork", "GIT_AUTHOR_EMAIL=ci@example.invalid",
		"GIT_COMMITTER_NAME=groundwork", "GIT_COMMITTER_EMAIL=ci@example.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runnerEnv is the environment a hosted runner gives a job, on this
// machine: the system folders on PATH (where the README's Debian packages
// are) and none of the variables that point the tests at tools built
// elsewhere (PROMTOOL, AMTOOL, KUBE_SCORE, TRIVY, NODE), nor Go's bin
// folder, where a tool installed by hand would hide one that make does not
// build.
func runnerEnv(workspace, temp string) map[string]string {
	env := map[string]string{
		"PATH":              "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"CI":                "true",
		"GITHUB_ACTIONS":    "true",
		"GITHUB_WORKSPACE":  workspace,
		"GITHUB_EVENT_NAME": "pull_request",
		"RUNNER_TEMP":       temp,
		"RUNNER_OS":         "Linux",
		"HOME":              os.Getenv("HOME"),
		// A run under make test must not run this test again.
		"GROUNDWORK_CI_RUNNER": "1",
	}
	// Caches and proxies: where this machine keeps what GitHub's runner
	// would download.
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GONOSUMDB", "GOPRIVATE", "GOTOOLCHAIN",
		"GROUNDWORK_TF_PROVIDER_MIRROR", "npm_config_cache", "TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env
}

func newRun(t *testing.T, workspace string, ev event, log io.Writer) *run {
	temp := filepath.Join(filepath.Dir(workspace), filepath.Base(workspace)+".temp")
	if err := os.RemoveAll(temp); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(temp, 0o755); err != nil {
		t.Fatal(err)
	}
	return &run{
		t:         t,
		root:      bins.Root(),
		workspace: workspace,
		temp:      temp,
		env:       runnerEnv(workspace, temp),
		outputs:   map[string]map[string]string{},
		event:     ev,
		log:       log,
	}
}
