package workflows

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// ruleNamed: every workflow and job has a name, which is what the checks
// list, branch protection and notifications show.
type ruleNamed struct{ actionlint.RuleBase }

func newRuleNamed() *ruleNamed {
	return &ruleNamed{actionlint.NewRuleBase("named", "Checks every workflow and job has a name:")}
}

func (r *ruleNamed) VisitWorkflowPre(w *actionlint.Workflow) error {
	if w.Name == nil || strings.TrimSpace(w.Name.Value) == "" {
		r.Error(filePos, "the workflow has no name:")
	}
	return nil
}

func (r *ruleNamed) VisitJobPre(j *actionlint.Job) error {
	if j.Name == nil || strings.TrimSpace(j.Name.Value) == "" {
		r.Errorf(j.Pos, "job %q has no name:", j.ID.Value)
	}
	return nil
}
