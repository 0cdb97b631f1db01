package workflows

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// ruleRunExpression: no ${{ }} inside a script. GitHub splices the value
// into the code before the shell (or github-script's JavaScript) reads it,
// so a branch name or a PR title can run commands; env: passes the same
// value as data.
type ruleRunExpression struct{ actionlint.RuleBase }

func newRuleRunExpression() *ruleRunExpression {
	return &ruleRunExpression{actionlint.NewRuleBase("run-expression", "Checks no ${{ }} is spliced into run: scripts or github-script scripts")}
}

func (r *ruleRunExpression) VisitStep(s *actionlint.Step) error {
	if run, ok := s.Exec.(*actionlint.ExecRun); ok && run.Run != nil && strings.Contains(run.Run.Value, "${{") {
		r.Error(run.Run.Pos, "${{ }} inside run: is spliced into the script; pass the value through env: and read it as \"$NAME\"")
	}
	if name, a, ok := action(s); ok && name == "actions/github-script" {
		if v, ok := input(a, "script"); ok && strings.Contains(v.Value, "${{") {
			r.Error(v.Pos, "${{ }} inside a github-script script is spliced into the code; pass the value through env: and read process.env")
		}
	}
	return nil
}
