// Package terraform_test checks the hand-written Terraform modules under
// modules/: formatting, conventions, and `terraform validate` against the real
// providers.
//
// The AWS modules are initialised and validated against hashicorp/aws. Set
// GROUNDWORK_TF_PROVIDER_MIRROR to the root of an unpacked filesystem mirror
// (the directory that contains registry.terraform.io/) to run offline;
// without it Terraform installs providers from the registry.
//
// The github module needs integrations/github, which is not mirrored, so it
// is only format-checked (which parses it) and checked for conventions.
package terraform_test

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/tftest"
)

// expectedModules must all exist. Modules found beyond these are checked too.
var expectedModules = []string{"backup", "cluster", "database", "github", "iam", "network", "secrets", "storage"}

// requiredFiles are the files every module must have.
var requiredFiles = []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"}

func TestModules(t *testing.T) {
	tf := tftest.Binary(t)
	root := modulesRoot(t)
	modules := discoverModules(t, root)

	t.Run("layout", func(t *testing.T) {
		for _, name := range expectedModules {
			if _, ok := modules[name]; !ok {
				t.Errorf("module %s is missing: expected %s", name, filepath.Join(root, name))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(modules)) {
			for _, f := range requiredFiles {
				if _, err := os.Stat(filepath.Join(root, name, f)); err != nil {
					t.Errorf("module %s: missing %s", name, f)
				}
			}
		}
	})

	t.Run("no_local_artifacts", func(t *testing.T) {
		checkNoArtifacts(t, root)
	})

	t.Run("fmt", func(t *testing.T) {
		out, err := tftest.Run(t, tf, root, tftest.Env(t), "fmt", "-check", "-recursive", "-diff", "-no-color", root)
		if err != nil {
			t.Fatalf("terraform fmt -check -recursive %s failed (run `terraform fmt -recursive modules/`): %v\n%s", root, err, out)
		}
	})

	t.Run("conventions", func(t *testing.T) {
		for _, name := range slices.Sorted(maps.Keys(modules)) {
			name := name
			t.Run(name, func(t *testing.T) {
				checkConventions(t, filepath.Join(root, name))
			})
		}
	})

	t.Run("validate", func(t *testing.T) {
		mirror := tftest.Mirror(t)
		for _, name := range slices.Sorted(maps.Keys(modules)) {
			if modules[name] != kindAWS {
				continue
			}
			name := name
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(root, name)
				work := filepath.Join(t.TempDir(), name)
				tftest.Copy(t, dir, work)
				tftest.Validate(t, tf, work, dir, mirror)
			})
		}
	})

	t.Run("github", func(t *testing.T) {
		dir := filepath.Join(root, "github")
		if _, ok := modules["github"]; !ok {
			t.Fatalf("module github is missing")
		}
		// fmt parses every file: a syntax error fails here, not only style.
		out, err := tftest.Run(t, tf, dir, tftest.Env(t), "fmt", "-check", "-diff", "-no-color", dir)
		if err != nil {
			t.Fatalf("terraform fmt -check %s failed: %v\n%s", dir, err, out)
		}
		versions, err := os.ReadFile(filepath.Join(dir, "versions.tf"))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?s)required_providers\s*\{.*github\s*=\s*\{[^}]*source\s*=\s*"integrations/github"`).Match(versions) {
			t.Errorf("%s: required_providers must declare github = { source = \"integrations/github\" }", filepath.Join(dir, "versions.tf"))
		}
		if regexp.MustCompile(`source\s*=\s*"hashicorp/aws"`).Match(versions) {
			t.Errorf("%s: the github module must not need hashicorp/aws", filepath.Join(dir, "versions.tf"))
		}
	})
}

// --- discovery --------------------------------------------------------------

type moduleKind int

const (
	kindAWS moduleKind = iota
	kindGitHub
)

var githubSource = regexp.MustCompile(`source\s*=\s*"integrations/github"`)

// discoverModules returns every directory of root holding .tf files, with
// whether it needs the (unmirrored) github provider.
func discoverModules(t *testing.T, root string) map[string]moduleKind {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
	modules := map[string]moduleKind{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		if len(files) == 0 {
			continue
		}
		kind := kindAWS
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if githubSource.Match(b) {
				kind = kindGitHub
			}
		}
		modules[e.Name()] = kind
	}
	return modules
}

func modulesRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", "modules"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		t.Fatalf("modules directory not found at %s", root)
	}
	return root
}

// --- static checks --------------------------------------------------------------

func checkNoArtifacts(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case d.IsDir() && name == ".terraform":
			t.Errorf("%s: .terraform directories must not live in modules/ (remove it)", path)
			return filepath.SkipDir
		case name == ".terraform.lock.hcl",
			strings.HasSuffix(name, ".tfstate"), strings.Contains(name, ".tfstate."),
			strings.HasSuffix(name, ".tfplan"):
			t.Errorf("%s: lock, state and plan files must not live in modules/ (remove it)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var (
	blockHeader    = regexp.MustCompile(`(?m)^(variable|output) "([^"]+)" \{`)
	typeAttr       = regexp.MustCompile(`(?m)^  type\s*=`)
	descrAttr      = regexp.MustCompile(`(?m)^  description\s*=\s*"[^"]`)
	requiredTFAttr = regexp.MustCompile(`required_version\s*=\s*">= 1\.6"`)
)

// checkConventions enforces what the modules promise their callers: typed and
// described variables, described outputs, a README listing all of them, and
// the Terraform version floor.
func checkConventions(t *testing.T, dir string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatalf("reading README.md: %v", err)
	}
	for _, file := range []string{"variables.tf", "outputs.tf"} {
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("reading %s: %v", file, err)
		}
		blocks := topLevelBlocks(string(src))
		if file == "outputs.tf" && len(blocks) == 0 {
			t.Errorf("%s declares no outputs", file)
		}
		for _, b := range blocks {
			if b.kind == "variable" && !typeAttr.MatchString(b.body) {
				t.Errorf("%s: variable %q has no type", file, b.name)
			}
			if !descrAttr.MatchString(b.body) {
				t.Errorf("%s: %s %q has no description", file, b.kind, b.name)
			}
			if !bytes.Contains(readme, []byte("| `"+b.name+"` |")) {
				t.Errorf("README.md does not list %s `%s` in its table", b.kind, b.name)
			}
		}
	}
	versions, err := os.ReadFile(filepath.Join(dir, "versions.tf"))
	if err != nil {
		t.Fatalf("reading versions.tf: %v", err)
	}
	if !requiredTFAttr.Match(versions) {
		t.Errorf("versions.tf must set required_version = \">= 1.6\"")
	}
}

type block struct{ kind, name, body string }

// topLevelBlocks finds `variable`/`output` blocks and their bodies by brace
// matching, skipping braces inside quoted strings.
func topLevelBlocks(src string) []block {
	var out []block
	for _, m := range blockHeader.FindAllStringSubmatchIndex(src, -1) {
		start := m[1]
		depth, i := 1, start
		for i < len(src) && depth > 0 {
			switch src[i] {
			case '{':
				depth++
			case '}':
				depth--
			case '"':
				for i++; i < len(src) && src[i] != '"'; i++ {
					if src[i] == '\\' {
						i++
					}
				}
			}
			i++
		}
		out = append(out, block{kind: src[m[2]:m[3]], name: src[m[4]:m[5]], body: src[start : i-1]})
	}
	return out
}
