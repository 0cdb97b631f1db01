package workflows

import (
	"cmp"
	"errors"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// Lint checks one workflow the way CI would: actionlint's own rules,
// shellcheck on every script, and one rule per hardening rule (rule_*.go).
// It returns the findings sorted by position; an error means the check
// could not run (shellcheck missing), never that the workflow is wrong.
func Lint(path string, content []byte) ([]*actionlint.Error, error) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		return nil, errors.New("install shellcheck: apt-get install -y shellcheck")
	}
	return lint(path, content, "shellcheck")
}

// lint is Lint with shellcheck run as the command named, or not at all when
// that is "" (`go test -short`, which needs no tool but Go).
func lint(path string, content []byte, shellcheck string) ([]*actionlint.Error, error) {
	raw := indexRaw(content)
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		Shellcheck: shellcheck,
		OnRulesCreated: func(rules []actionlint.Rule) []actionlint.Rule {
			return append(rules, hardeningRules(raw)...)
		},
	})
	if err != nil {
		return nil, err
	}
	errs, err := l.Lint(path, content, nil)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(errs, func(a, b *actionlint.Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Message, b.Message))
	})
	return errs, nil
}

// RuleNames lists the hardening rules, by the kind their findings carry.
func RuleNames() []string {
	var out []string
	for _, r := range hardeningRules(&rawIndex{}) {
		out = append(out, r.Name())
	}
	return out
}

// hardeningRules returns a fresh instance of every hardening rule for one
// workflow; raw holds what actionlint's syntax tree drops (comments).
func hardeningRules(raw *rawIndex) []actionlint.Rule {
	return []actionlint.Rule{
		newRulePinnedUses(raw),
		newRuleRunExpression(),
		newRuleTopPermissions(),
		newRuleRiskyTrigger(),
		newRuleSecretsInherit(raw),
		newRuleOIDCEnvironment(),
		newRuleDeployCache(),
		newRulePersistCredentials(),
		newRuleNamed(),
		newRuleDeployConcurrency(),
	}
}

// rawIndex is what the rules need from the workflow's text that
// actionlint's syntax tree does not keep, by the position of a `uses:` value.
type rawIndex struct {
	comments map[actionlint.Pos]string          // line comment after each uses: value
	secrets  map[actionlint.Pos]*actionlint.Pos // secrets: key of a job, by its uses: value
}

// indexRaw reads the workflow with yaml.v3, which keeps comments. A file
// that does not parse gives an empty index; actionlint reports why.
func indexRaw(content []byte) *rawIndex {
	idx := &rawIndex{comments: map[actionlint.Pos]string{}, secrets: map[actionlint.Pos]*actionlint.Pos{}}
	var doc yaml.Node
	if yaml.Unmarshal(content, &doc) != nil {
		return idx
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			var uses, secrets *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				switch k, v := n.Content[i], n.Content[i+1]; {
				case k.Value == "uses" && v.Kind == yaml.ScalarNode:
					uses = v
					idx.comments[posOf(v)] = v.LineComment
				case k.Value == "secrets":
					secrets = k
				}
			}
			if uses != nil && secrets != nil {
				p := posOf(secrets)
				idx.secrets[posOf(uses)] = &p
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	return idx
}

func posOf(n *yaml.Node) actionlint.Pos { return actionlint.Pos{Line: n.Line, Col: n.Column} }

// filePos is where findings about the whole file go.
var filePos = &actionlint.Pos{Line: 1, Col: 1}

var (
	gitPushRE        = regexp.MustCompile(`(^|[\s;&|(])git\s+(-\S+\s+)*push\b`)
	terraformApplyRE = regexp.MustCompile(`(^|[\s;&|(])terraform\s+(-\S+\s+)*apply\b`)
)

// action returns the action a step uses, without its ref, and the step's
// action exec; ok is false for run steps.
func action(s *actionlint.Step) (name string, a *actionlint.ExecAction, ok bool) {
	a, ok = s.Exec.(*actionlint.ExecAction)
	if !ok || a.Uses == nil {
		return "", nil, false
	}
	name, _, _ = strings.Cut(a.Uses.Value, "@")
	return strings.ToLower(name), a, true
}

// script returns a run step's script, or "".
func script(s *actionlint.Step) string {
	if r, ok := s.Exec.(*actionlint.ExecRun); ok && r.Run != nil {
		return r.Run.Value
	}
	return ""
}

// input returns the value of an action's input, if the step sets it.
func input(a *actionlint.ExecAction, name string) (*actionlint.String, bool) {
	in, ok := a.Inputs[name]
	if !ok || in.Value == nil {
		return nil, false
	}
	return in.Value, true
}

// pushes reports whether a job pushes to the repository from a script.
func pushes(j *actionlint.Job) bool {
	for _, s := range j.Steps {
		if gitPushRE.MatchString(script(s)) {
			return true
		}
	}
	return false
}

// delivers reports whether a job changes what runs somewhere: it applies
// Terraform, pushes to the repository (a release record), or runs in a
// deployment environment (any environment but a read-only "-plan" one).
func delivers(j *actionlint.Job) bool {
	if e := j.Environment; e != nil && e.Name != nil && !strings.HasSuffix(e.Name.Value, "-plan") {
		return true
	}
	for _, s := range j.Steps {
		if terraformApplyRE.MatchString(script(s)) {
			return true
		}
	}
	return pushes(j)
}

// sortedJobs walks jobs in the order of the file, so that findings come out
// in a stable order.
func sortedJobs(w *actionlint.Workflow) []*actionlint.Job {
	jobs := make([]*actionlint.Job, 0, len(w.Jobs))
	for _, j := range w.Jobs {
		jobs = append(jobs, j)
	}
	slices.SortFunc(jobs, func(a, b *actionlint.Job) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return jobs
}

// deliveryWorkflow reports whether any job of the workflow delivers.
func deliveryWorkflow(w *actionlint.Workflow) bool {
	for _, j := range w.Jobs {
		if delivers(j) {
			return true
		}
	}
	return false
}
