package workflows

import "github.com/rhysd/actionlint"

// ruleSecretsInherit: no `secrets: inherit`. A called workflow gets the
// secrets it names, not every secret of the repository.
type ruleSecretsInherit struct {
	actionlint.RuleBase
	raw *rawIndex
}

func newRuleSecretsInherit(raw *rawIndex) *ruleSecretsInherit {
	return &ruleSecretsInherit{actionlint.NewRuleBase("secrets-inherit", "Checks no job passes secrets: inherit"), raw}
}

func (r *ruleSecretsInherit) VisitJobPre(j *actionlint.Job) error {
	c := j.WorkflowCall
	if c == nil || !c.InheritSecrets {
		return nil
	}
	pos := j.Pos
	if c.Uses != nil {
		pos = c.Uses.Pos
		if p := r.raw.secrets[*c.Uses.Pos]; p != nil {
			pos = p
		}
	}
	r.Errorf(pos, "job %q passes every secret of the repository with secrets: inherit; pass the secrets the workflow needs by name", j.ID.Value)
	return nil
}
