package workflows

import "github.com/rhysd/actionlint"

// ruleOIDCEnvironment: a job that can ask for a cloud token (id-token:
// write) runs in a GitHub environment. Cloud roles trust one environment's
// OIDC subject, and the environment's protection rules gate the job. Only
// job permissions are checked: a write granted at the top level is already
// top-permissions' finding.
type ruleOIDCEnvironment struct{ actionlint.RuleBase }

func newRuleOIDCEnvironment() *ruleOIDCEnvironment {
	return &ruleOIDCEnvironment{actionlint.NewRuleBase("oidc-environment", "Checks every job with id-token: write names an environment:")}
}

func (r *ruleOIDCEnvironment) VisitJobPre(j *actionlint.Job) error {
	if j.Environment != nil {
		return nil
	}
	p := j.Permissions
	if p == nil {
		return nil
	}
	var pos *actionlint.Pos
	if p.All != nil && p.All.Value == "write-all" {
		pos = p.All.Pos
	}
	if s, ok := p.Scopes["id-token"]; ok && s.Value != nil && s.Value.Value == "write" {
		pos = s.Name.Pos
	}
	if pos != nil {
		r.Errorf(pos, "job %q can ask for a cloud token (id-token: write) but names no environment:; cloud roles trust one GitHub environment, whose rules gate the job", j.ID.Value)
	}
	return nil
}
