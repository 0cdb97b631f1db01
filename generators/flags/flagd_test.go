package flags

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groundwork-dev/groundwork/internal/bins"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

const repoRoot = "../.."

// flagdCore finds Node and flagd's evaluator pinned in tools/npm.
func flagdCore(t *testing.T) (node, root string) {
	t.Helper()
	node, _ = bins.NPM(t, "@openfeature/flagd-core", "@openfeature/flagd-core/package.json")
	return node, bins.Root()
}

// evalCase is one evaluation, and the value it must give.
type evalCase struct {
	File    string         `json:"file"`
	Flag    string         `json:"flag"`
	Type    string         `json:"type"`
	Context map[string]any `json:"context"`
	want    any
	why     string
}

type evalResult struct {
	Value     any    `json:"value"`
	Variant   string `json:"variant"`
	Reason    string `json:"reason"`
	ErrorCode string `json:"errorCode"`
}

// evaluate runs flagd-core on files and cases, and fails t if it rejects a
// file or logs a problem.
func evaluate(t *testing.T, files map[string]string, cases []evalCase) []evalResult {
	t.Helper()
	node, root := flagdCore(t)
	req, err := json.Marshal(map[string]any{"files": files, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "evaluate.cjs"), root)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("flagd-core: %v\n%s", err, stderr.String())
	}
	var res struct {
		Problems []string     `json:"problems"`
		Results  []evalResult `json:"results"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("flagd-core output: %v\n%s", err, out)
	}
	for _, p := range res.Problems {
		t.Errorf("flagd-core: %s", p)
	}
	if len(res.Results) != len(cases) {
		t.Fatalf("flagd-core gave %d results for %d cases", len(res.Results), len(cases))
	}
	return res.Results
}

// rolloutKeys is how many targeting keys a fractional rollout is sampled
// with, and rolloutSlack how far (in percentage points) the share of a
// variant may stray from its weight.
const (
	rolloutKeys  = 2000
	rolloutSlack = 4.0
)

// checkFlags evaluates every flag of every generated flagd file of m in
// every environment with flagd's evaluator, and checks the value the spec
// gives: the environment's default with no context, each rule's variant for
// a context that matches it, and each rollout's shares over many keys.
func checkFlags(t *testing.T, m *spec.Model, files []engine.File) {
	t.Helper()
	contents := map[string]string{}
	for _, f := range files {
		contents[f.Path] = string(f.Data)
	}
	var cases []evalCase
	type rollout struct {
		env, svc, flag string
		weights        map[string]int
		first, n       int
		values         map[string]any
	}
	var rollouts []rollout
	for _, e := range m.Environments {
		for _, s := range m.Services {
			if len(s.Flags) == 0 {
				continue
			}
			file := spec.FlagsFile(e, s)
			if _, ok := contents[file]; !ok {
				t.Errorf("%s: not generated", file)
				continue
			}
			for _, f := range s.Flags {
				values := f.VariantValues()
				at := fmt.Sprintf("%s %s %s", e.Name, s.Name, f.Name)
				cases = append(cases, evalCase{File: file, Flag: f.Name, Type: f.FlagType(), Context: map[string]any{},
					want: values[f.DefaultVariant(e.Name)], why: at + " with no context"})
				fe := f.Environments[e.Name]
				if fe == nil {
					continue
				}
				for i, r := range fe.Rules {
					for _, v := range r.In {
						// The first rule that matches v wins.
						want := ""
						for _, r2 := range fe.Rules[:i+1] {
							if slices.Contains(r2.In, v) {
								want, _ = f.VariantOf(r2.Variant)
								break
							}
						}
						cases = append(cases, evalCase{File: file, Flag: f.Name, Type: f.FlagType(),
							Context: map[string]any{r.Attribute: v, "targetingKey": "someone"},
							want:    values[want], why: fmt.Sprintf("%s with %s=%s (rule %d)", at, r.Attribute, v, i)})
					}
				}
				if len(fe.Rollout) > 0 {
					ro := rollout{env: e.Name, svc: s.Name, flag: f.Name, weights: fe.Rollout, first: len(cases), n: rolloutKeys, values: values}
					for k := range rolloutKeys {
						cases = append(cases, evalCase{File: file, Flag: f.Name, Type: f.FlagType(),
							Context: map[string]any{"targetingKey": fmt.Sprintf("customer-%d", k)}, want: nil})
					}
					rollouts = append(rollouts, ro)
				}
			}
		}
	}
	results := evaluate(t, contents, cases)
	for i, c := range cases {
		if c.why == "" {
			continue // a rollout sample, checked below
		}
		r := results[i]
		if r.ErrorCode != "" {
			t.Errorf("%s: flagd-core error %s", c.why, r.ErrorCode)
			continue
		}
		if diff := cmp.Diff(c.want, r.Value); diff != "" {
			t.Errorf("%s: flagd-core gives %v (variant %s, %s), the spec says %v", c.why, r.Value, r.Variant, r.Reason, c.want)
		}
	}
	for _, ro := range rollouts {
		total := 0
		for _, w := range ro.weights {
			total += w
		}
		got := map[string]int{}
		for _, r := range results[ro.first : ro.first+ro.n] {
			if r.ErrorCode != "" || r.Reason != "TARGETING_MATCH" {
				t.Errorf("%s %s %s rollout: %+v", ro.env, ro.svc, ro.flag, r)
				continue
			}
			got[r.Variant]++
			if !cmp.Equal(r.Value, ro.values[r.Variant]) {
				t.Errorf("%s %s %s rollout: variant %s has value %v, want %v", ro.env, ro.svc, ro.flag, r.Variant, r.Value, ro.values[r.Variant])
			}
		}
		for _, v := range slices.Sorted(maps.Keys(ro.values)) {
			want := 100 * float64(ro.weights[v]) / float64(total)
			share := 100 * float64(got[v]) / float64(ro.n)
			if math.Abs(share-want) > rolloutSlack || (want == 0 && got[v] > 0) {
				t.Errorf("%s %s %s rollout: %s for %.1f%% of keys, the spec says %.1f%%", ro.env, ro.svc, ro.flag, v, share, want)
			}
		}
	}
}

// TestSampleFlagsWithFlagd evaluates the sample organisation's flags, the
// files committed in environments/<env>/flags, with flagd's own evaluator.
func TestSampleFlagsWithFlagd(t *testing.T) {
	m, err := spec.Load(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generator{}.Generate(engine.NewInput(m))
	if err != nil {
		t.Fatal(err)
	}
	// The committed files are the rendered ones: every file on disk is
	// evaluated (make verify keeps them equal byte for byte).
	onDisk, _ := filepath.Glob(filepath.Join(repoRoot, "environments", "*", "flags", "*.flagd.json"))
	rendered := map[string]bool{}
	for _, f := range files {
		rendered[f.Path] = true
	}
	for _, p := range onDisk {
		rel, _ := filepath.Rel(repoRoot, p)
		if !rendered[filepath.ToSlash(rel)] {
			t.Errorf("%s is on disk but not generated (run make generate)", rel)
		}
	}
	checkFlags(t, m, files)

	// What the sample promises, written out: new-checkout on in dev and
	// staging, off in sandbox but for partner globex, 10% in prod.
	want := map[string]map[string]any{
		"dev":     {"new-checkout": true, "receipt-format": "detailed"},
		"staging": {"new-checkout": true, "receipt-format": "plain"},
		"prod":    {"new-checkout": false, "receipt-format": "plain"},
		"sandbox": {"new-checkout": false, "receipt-format": "plain"},
	}
	api := m.Service("api")
	var cases []evalCase
	for _, env := range slices.Sorted(maps.Keys(want)) {
		for _, flag := range slices.Sorted(maps.Keys(want[env])) {
			typ := "boolean"
			if flag == "receipt-format" {
				typ = "string"
			}
			cases = append(cases, evalCase{File: spec.FlagsFile(m.Environment(env), api), Flag: flag, Type: typ, Context: map[string]any{}, want: want[env][flag], why: env + " " + flag})
		}
	}
	cases = append(cases, evalCase{File: spec.FlagsFile(m.Environment("sandbox"), api), Flag: "new-checkout", Type: "boolean",
		Context: map[string]any{"partner": "globex"}, want: true, why: "sandbox new-checkout for globex"})
	contents := map[string]string{}
	for _, f := range files {
		contents[f.Path] = string(f.Data)
	}
	for i, r := range evaluate(t, contents, cases) {
		if !cmp.Equal(r.Value, cases[i].want) {
			t.Errorf("%s: got %v, want %v", cases[i].why, r.Value, cases[i].want)
		}
	}
}

// TestEveryTypeWithFlagd covers what the sample does not: string, number
// and object flags, per-environment values, several rules and rollouts
// of more than two variants.
func TestEveryTypeWithFlagd(t *testing.T) {
	m := typesModel()
	// The alerting model is not needed, nor buildable from this bare model.
	files, err := Generator{}.Generate(engine.Input{Spec: m})
	if err != nil {
		t.Fatal(err)
	}
	checkFlags(t, m, files)
}

// TestFlagdRejectsBrokenFiles proves the check can fail: a file flagd's
// schema refuses is reported, not evaluated to defaults.
func TestFlagdRejectsBrokenFiles(t *testing.T) {
	broken := `{"flags": {"x": {"state": "ON", "variants": {"on": true}, "defaultVariant": "on"}}}`
	node, root := flagdCore(t)
	req, _ := json.Marshal(map[string]any{"files": map[string]string{"x": broken}, "cases": []evalCase{{File: "x", Flag: "x", Type: "boolean"}}})
	cmd := exec.Command(node, filepath.Join("testdata", "evaluate.cjs"), root)
	cmd.Stdin = bytes.NewReader(req)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Problems []string }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) == 0 {
		t.Fatalf("flagd-core accepted a file with state ON: %s", out)
	}
}

func fv(v any) spec.FlagValue { return spec.FlagValue{V: v, Set: true} }

func typesModel() *spec.Model {
	src := func(p string) *spec.Source { return &spec.Source{Path: p} }
	var envs []*spec.Environment
	for _, n := range []string{"dev", "prod"} {
		envs = append(envs, &spec.Environment{Name: n, Source: src("specs/environments/" + n + ".yaml")})
	}
	s := &spec.Service{Name: "shop", Source: src("specs/services/shop.yaml"), Flags: []*spec.Flag{
		{Name: "plain", Default: fv(true)},
		{Name: "theme", Type: spec.FlagString, Variants: map[string]spec.FlagValue{"light": fv("light"), "dark": fv("dark"), "auto": fv("auto")},
			Default: fv("light"),
			Environments: map[string]*spec.FlagEnvironment{
				"dev":  {Value: fv("dark")},
				"prod": {Rollout: map[string]int{"light": 50, "dark": 25, "auto": 25}},
			}},
		{Name: "page-size", Type: spec.FlagNumber, Variants: map[string]spec.FlagValue{"small": fv(10.0), "large": fv(100.0)},
			Environments: map[string]*spec.FlagEnvironment{
				"prod": {Value: fv("large"), Rules: []*spec.FlagRule{
					{Attribute: "partner", In: []string{"globex", "initech"}, Variant: fv("small")},
					{Attribute: "partner", In: []string{"globex", "umbrella"}, Variant: fv("large")},
					{Attribute: "plan", In: []string{"free"}, Variant: fv("small")},
				}},
			}},
		{Name: "limits", Type: spec.FlagObject, Variants: map[string]spec.FlagValue{
			"strict": fv(map[string]any{"qty": 10.0, "currencies": []any{"EUR"}}),
			"loose":  fv(map[string]any{"qty": 100.0, "currencies": []any{"EUR", "USD"}}),
		}, Default: fv("strict"), Environments: map[string]*spec.FlagEnvironment{
			"dev": {Value: fv("loose"), Rules: []*spec.FlagRule{{Attribute: "partner", In: []string{"globex"}, Variant: fv("strict")}}, Rollout: map[string]int{"strict": 0, "loose": 100}},
		}},
		{Name: "dark-launch", EnabledIn: []string{"dev"}, Environments: map[string]*spec.FlagEnvironment{
			"prod": {Rules: []*spec.FlagRule{{Attribute: "partner", In: []string{"globex"}, Variant: fv(true)}}, Rollout: map[string]int{"on": 1, "off": 3}},
		}},
	}}
	return &spec.Model{Environments: envs, Services: []*spec.Service{s}}
}
