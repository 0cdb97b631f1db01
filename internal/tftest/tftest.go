// Package tftest runs the real Terraform CLI in tests: it finds the binary
// (failing with how to install it; under -short, skipping), installs providers from a filesystem
// mirror when GROUNDWORK_TF_PROVIDER_MIRROR names one (the registry
// otherwise), and validates configurations in copies, so that no .terraform
// folder or lock file lands in the tree.
package tftest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/internal/bins"
)

const installHelp = `terraform was not found on PATH.

These tests run the Terraform CLI (>= 1.6). Install it:
  - https://developer.hashicorp.com/terraform/install (single binary; put it on PATH), or
  - Debian/Ubuntu: add apt.releases.hashicorp.com and "apt-get install terraform", or
  - macOS: "brew tap hashicorp/tap && brew install hashicorp/tap/terraform".
To validate without network access, also set GROUNDWORK_TF_PROVIDER_MIRROR to the
root of an unpacked provider mirror (the directory containing registry.terraform.io/).`

// mirrorEnv names the provider mirror root; see the package comment.
const mirrorEnv = "GROUNDWORK_TF_PROVIDER_MIRROR"

// commandTimeout bounds each terraform invocation; a registry install of the
// AWS provider on a slow link is the slowest case.
const commandTimeout = 10 * time.Minute

// --- terraform invocation -----------------------------------------------------

// Binary finds terraform on PATH, failing the test with how to install it
// when it is missing or too old: a validator is never silently skipped,
// except under -short, which skips every test that needs it.
func Binary(t testing.TB) string {
	t.Helper()
	bins.SkipShort(t, "terraform")
	path, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal(installHelp)
	}
	out, err := exec.Command(path, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("parsing `terraform version -json`: %v\n%s", err, out)
	}
	if !atLeast(v.Version, 1, 6) {
		t.Fatalf("terraform %s at %s is too old: the modules need >= 1.6.\n\n%s", v.Version, path, installHelp)
	}
	t.Logf("using terraform %s at %s", v.Version, path)
	return path
}

// atLeast reports whether version "X.Y.Z[-pre]" is >= major.minor.
func atLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// Mirror returns the absolute mirror root, or "" to use the registry.
func Mirror(t testing.TB) string {
	t.Helper()
	mirror := os.Getenv(mirrorEnv)
	if mirror == "" {
		t.Logf("%s is not set: providers are installed from the registry (needs network access)", mirrorEnv)
		return ""
	}
	abs, err := filepath.Abs(mirror)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(abs, "registry.terraform.io")); err != nil || !fi.IsDir() {
		t.Fatalf("%s=%s does not look like a provider mirror root: %s/registry.terraform.io is missing", mirrorEnv, mirror, abs)
	}
	return abs
}

// baseEnv is the environment for a terraform child process. With cliConfig
// set it points TF_CLI_CONFIG_FILE there; without, it keeps the user's CLI
// configuration unless that names a file that does not exist (which makes
// every terraform command warn).
func baseEnv(t testing.TB, cliConfig string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "TF_CLI_CONFIG_FILE":
			if cliConfig != "" {
				continue
			}
			if _, err := os.Stat(v); err != nil {
				continue
			}
		case k == "TF_DATA_DIR", k == "TF_PLUGIN_CACHE_DIR", k == "TF_WORKSPACE",
			k == "TF_CLI_ARGS", strings.HasPrefix(k, "TF_CLI_ARGS_"),
			strings.HasPrefix(k, "TF_VAR_"):
			// Per-test values are set by the caller; the rest would change
			// what the commands do.
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	if cliConfig != "" {
		env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig)
	}
	return env
}

// Run runs terraform in dir and returns its stdout, then its stderr.
func Run(t testing.TB, tf, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s", commandTimeout)
	}
	out := stdout.String()
	if s := stderr.String(); s != "" {
		out += "\n[stderr]\n" + s
	}
	return out, err
}

// --- validate -----------------------------------------------------------------

type diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Range    *struct {
		Filename string `json:"filename"`
		Start    struct {
			Line   int `json:"line"`
			Column int `json:"column"`
		} `json:"start"`
	} `json:"range"`
}

func (d diagnostic) String() string {
	loc := ""
	if d.Range != nil {
		loc = fmt.Sprintf("%s:%d:%d: ", d.Range.Filename, d.Range.Start.Line, d.Range.Start.Column)
	}
	s := fmt.Sprintf("%s%s: %s", loc, d.Severity, d.Summary)
	if d.Detail != "" {
		s += "\n    " + strings.ReplaceAll(d.Detail, "\n", "\n    ")
	}
	return s
}

// Init runs `terraform init` in work (a copy: init writes .terraform and a
// lock file into it) with providers from the mirror when one is set, and
// returns the environment for the commands that follow. dir names the
// source in messages.
func Init(t testing.TB, tf, work, dir, mirror string, initArgs ...string) []string {
	t.Helper()
	tmp := t.TempDir()
	cliConfig := ""
	if mirror != "" {
		cliConfig = filepath.Join(tmp, "terraform.tfrc")
		writeMirrorConfig(t, cliConfig, mirror)
	}
	env := append(baseEnv(t, cliConfig), "TF_DATA_DIR="+filepath.Join(tmp, "data"))
	if mirror == "" {
		// Terraform's plugin cache is not safe for concurrent inits; give each
		// parallel test its own.
		cache := filepath.Join(tmp, "plugin-cache")
		if err := os.MkdirAll(cache, 0o755); err != nil {
			t.Fatal(err)
		}
		env = append(env, "TF_PLUGIN_CACHE_DIR="+cache)
	}
	args := append([]string{"init", "-input=false", "-no-color"}, initArgs...)
	if out, err := Run(t, tf, work, env, args...); err != nil {
		hint := ""
		if mirror == "" {
			hint = fmt.Sprintf("\n(no registry access? set %s to an unpacked provider mirror root)", mirrorEnv)
		}
		t.Fatalf("terraform init in a copy of %s failed: %v%s\n%s", dir, err, hint, out)
	}
	return env
}

// Validate initialises work without a backend and runs `terraform validate
// -json`, failing on any error or warning.
func Validate(t testing.TB, tf, work, dir, mirror string) {
	t.Helper()
	env := Init(t, tf, work, dir, mirror, "-backend=false")
	out, err := Run(t, tf, work, env, "validate", "-json", "-no-color")
	var result struct {
		Valid        bool         `json:"valid"`
		ErrorCount   int          `json:"error_count"`
		WarningCount int          `json:"warning_count"`
		Diagnostics  []diagnostic `json:"diagnostics"`
	}
	stdout, _, _ := strings.Cut(out, "\n[stderr]\n")
	if jerr := json.Unmarshal([]byte(stdout), &result); jerr != nil {
		t.Fatalf("terraform validate -json in a copy of %s: %v; unparsable output (%v):\n%s", dir, err, jerr, out)
	}
	var msgs []string
	for _, d := range result.Diagnostics {
		msgs = append(msgs, d.String())
	}
	if !result.Valid || err != nil {
		t.Fatalf("terraform validate: %s is invalid (%d errors, %d warnings):\n%s", dir, result.ErrorCount, result.WarningCount, strings.Join(msgs, "\n"))
	}
	// Warnings are mostly deprecations: they turn into errors on the next
	// provider major, so they fail here while they are cheap to fix.
	if result.WarningCount > 0 {
		t.Fatalf("terraform validate: %s has %d warnings:\n%s", dir, result.WarningCount, strings.Join(msgs, "\n"))
	}

	if v, verr := Run(t, tf, work, env, "version", "-json"); verr == nil {
		var sel struct {
			Providers map[string]string `json:"provider_selections"`
		}
		if json.Unmarshal([]byte(strings.SplitN(v, "\n[stderr]\n", 2)[0]), &sel) == nil {
			t.Logf("validated with %v", sel.Providers)
		}
	}
}

func writeMirrorConfig(t testing.TB, path, mirror string) {
	t.Helper()
	cfg := fmt.Sprintf(`disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path    = %s
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`, strconv.Quote(mirror))
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Copy copies the Terraform sources of one folder, leaving behind any
// .terraform directory or lock file, whose hashes may not match the mirror.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Env is the environment for a terraform command that installs nothing
// (fmt, version).
func Env(t testing.TB) []string { return baseEnv(t, "") }
