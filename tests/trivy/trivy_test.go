// Package trivy_test scans what Groundwork generates, and what it stands
// on, with Trivy's misconfiguration checks (`trivy config`), as a security
// reviewer's or an auditor's scanner would: the Terraform of every
// environment, of the GitHub settings and of modules/, what Flux syncs into
// every cluster, and the Dockerfiles of backend/. Every finding fails the
// test unless it is fixed or left on purpose: in .trivyignore.yaml at the
// repository root, each entry with its paths and why, or, for what an
// environment's spec chooses, inline where generators/terraform writes it.
package trivy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// ignoreFile holds every finding left on purpose.
const ignoreFile = ".trivyignore.yaml"

// offline are the flags that keep Trivy off the network (it runs as well
// with none, e.g. under `unshare -n`): the checks are those embedded in the
// pinned binary, never a bundle downloaded since, which would change the
// findings under the same commit; the cache is the test's own, so no bundle
// a by-hand run left in ~/.cache is used either; and neither the version
// check nor telemetry runs (Trivy skips its request only with both flags).
func offline(cache string) []string {
	return []string{"--skip-check-update", "--cache-dir", cache, "--skip-version-check", "--disable-telemetry"}
}

// targets are the folders scanned, relative to the repository root. Each
// environment's root and Flux tree is scanned on its own: Trivy skips a
// folder named dev, proc or sys at the top of what it scans (they are
// system folders when it scans a root file system), so scanning
// environments/ whole would leave out an environment named dev.
func targets(t *testing.T, root string) []string {
	t.Helper()
	out := []string{"modules", "terraform/github", "backend/cmd"}
	for _, kind := range []string{"terraform", "flux"} {
		dirs, err := filepath.Glob(filepath.Join(root, "environments", "*", kind))
		if err != nil {
			t.Fatal(err)
		}
		if len(dirs) == 0 {
			t.Fatalf("no environments/*/%s to scan", kind)
		}
		for _, d := range dirs {
			rel, err := filepath.Rel(root, d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, filepath.ToSlash(rel))
		}
	}
	slices.Sort(out)
	return out
}

// configData is Rego data for the checks: the registry that the platform's
// images come from (specs/platform.yaml registry) is the one trusted
// registry of KSV-0125, whose default trusts only ECR, ACR and GCR. An
// image from anywhere else is still reported.
func configData(t *testing.T, root string) string {
	t.Helper()
	m, err := spec.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ := strings.Cut(m.Platform.Registry, "/")
	data, err := yaml.Marshal(map[string]any{"ksv0125": map[string]any{"trusted_registries": []string{host}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trusted-registries.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// report is the part of Trivy's JSON report the test reads.
type report struct {
	Results []struct {
		Target         string `json:"Target"`
		MisconfSummary *struct {
			Successes int `json:"Successes"`
			Failures  int `json:"Failures"`
		} `json:"MisconfSummary"`
		Misconfigurations []struct {
			ID            string `json:"ID"`
			Title         string `json:"Title"`
			Severity      string `json:"Severity"`
			Message       string `json:"Message"`
			Resolution    string `json:"Resolution"`
			Status        string `json:"Status"`
			CauseMetadata struct {
				Resource  string `json:"Resource"`
				StartLine int    `json:"StartLine"`
			} `json:"CauseMetadata"`
		} `json:"Misconfigurations"`
	} `json:"Results"`
}

// The generated Terraform and Kubernetes files, modules/ and backend's
// Dockerfiles pass Trivy's misconfiguration checks but those left on
// purpose, offline, with the checks of the pinned Trivy.
func TestTrivyConfig(t *testing.T) {
	bin := bins.Trivy.Path(t)
	root := bins.Root()
	checkIgnoreFile(t, filepath.Join(root, ignoreFile))
	data := configData(t, root)
	cache := t.TempDir()
	for _, target := range targets(t, root) {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"config", "--quiet", "--exit-code", "1", "--format", "json",
				"--ignorefile", ignoreFile, "--config-data", data}, offline(cache)...)
			args = append(args, target)
			cmd := exec.Command(bin, args...)
			cmd.Dir = root
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			var r report
			if jerr := json.Unmarshal(out, &r); jerr != nil {
				t.Fatalf("trivy %s: %v; its report does not parse: %v\n%s", strings.Join(args, " "), err, jerr, stderr.String())
			}
			checked, found := 0, 0
			for _, res := range r.Results {
				if s := res.MisconfSummary; s != nil {
					checked += s.Successes + s.Failures
				}
				for _, m := range res.Misconfigurations {
					if m.Status != "FAIL" {
						continue
					}
					found++
					where := filepath.ToSlash(filepath.Join(target, res.Target))
					if m.CauseMetadata.StartLine > 0 {
						where = fmt.Sprintf("%s:%d", where, m.CauseMetadata.StartLine)
					}
					what := m.Severity
					if m.CauseMetadata.Resource != "" {
						what += ", " + m.CauseMetadata.Resource
					}
					t.Errorf("%s: %s %s (%s): %s; %s", where, m.ID, m.Title, what, m.Message, m.Resolution)
				}
			}
			switch {
			case found > 0:
				t.Logf("fix each finding, or add it to %s with the paths it applies to and a statement that says why", ignoreFile)
			case err != nil:
				t.Errorf("trivy %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
			case checked == 0:
				// A folder Trivy skipped, or found nothing it scans in.
				t.Errorf("trivy ran no check on %s", target)
			}
		})
	}
}

// checkIgnoreFile holds every entry of the ignore file to what it is for:
// a finding left on purpose in named files, and why. An entry without
// paths would ignore its check everywhere, one without a statement would
// not say why.
func checkIgnoreFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Misconfigurations []struct {
			ID        string   `yaml:"id"`
			Paths     []string `yaml:"paths"`
			Statement string   `yaml:"statement"`
		} `yaml:"misconfigurations"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", ignoreFile, err)
	}
	if len(f.Misconfigurations) == 0 {
		t.Fatalf("%s: no misconfigurations", ignoreFile)
	}
	seen := map[string]bool{}
	for i, m := range f.Misconfigurations {
		at := fmt.Sprintf("%s: misconfigurations[%d] (%s)", ignoreFile, i, m.ID)
		if m.ID == "" {
			t.Errorf("%s: no id", at)
		}
		if seen[m.ID] {
			t.Errorf("%s: a second entry for %s; give the first one these paths", at, m.ID)
		}
		seen[m.ID] = true
		if strings.TrimSpace(m.Statement) == "" {
			t.Errorf("%s: no statement saying why", at)
		}
		if len(m.Paths) == 0 {
			t.Errorf("%s: no paths, so it would ignore %s everywhere", at, m.ID)
		}
		for _, p := range m.Paths {
			if strings.Trim(p, "*/") == "" {
				t.Errorf("%s: path %q matches every file", at, p)
			}
		}
	}
}
