package workflows

import "github.com/rhysd/actionlint"

// rulePersistCredentials: actions/checkout leaves the job's token in
// .git/config, where every later step (and anything it runs) can read it.
// Only a job that pushes keeps it.
type rulePersistCredentials struct{ actionlint.RuleBase }

func newRulePersistCredentials() *rulePersistCredentials {
	return &rulePersistCredentials{actionlint.NewRuleBase("persist-credentials", "Checks checkout sets persist-credentials: false unless the job pushes")}
}

func (r *rulePersistCredentials) VisitJobPre(j *actionlint.Job) error {
	if pushes(j) {
		return nil
	}
	for _, s := range j.Steps {
		name, a, ok := action(s)
		if !ok || name != "actions/checkout" {
			continue
		}
		if v, ok := input(a, "persist-credentials"); !ok || v.Value != "false" {
			r.Errorf(a.Uses.Pos, "actions/checkout keeps the token in .git/config for every later step, and job %q does not push; set persist-credentials: false", j.ID.Value)
		}
	}
	return nil
}
