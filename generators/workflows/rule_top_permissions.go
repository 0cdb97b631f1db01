package workflows

import (
	"slices"

	"github.com/rhysd/actionlint"
)

// ruleTopPermissions: the workflow's own permissions are empty or
// read-only; a job that needs to write says so itself, so that a new job
// starts with nothing.
type ruleTopPermissions struct{ actionlint.RuleBase }

func newRuleTopPermissions() *ruleTopPermissions {
	return &ruleTopPermissions{actionlint.NewRuleBase("top-permissions", "Checks top-level permissions are present and read-only")}
}

func (r *ruleTopPermissions) VisitWorkflowPre(w *actionlint.Workflow) error {
	p := w.Permissions
	if p == nil {
		r.Error(filePos, "the workflow has no top-level permissions:, so jobs get the repository's default token; set permissions: {} or contents: read, and grant writes on the jobs that need them")
		return nil
	}
	if p.All != nil && p.All.Value != "read-all" {
		r.Errorf(p.All.Pos, "top-level permissions: %s; use {} or read scopes, and grant writes on the jobs that need them", p.All.Value)
	}
	names := make([]string, 0, len(p.Scopes))
	for n := range p.Scopes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := p.Scopes[n]
		if s.Value != nil && s.Value.Value != "read" && s.Value.Value != "none" {
			r.Errorf(s.Name.Pos, "top-level permissions grant %s: %s to every job; grant it on the job that needs it", s.Name.Value, s.Value.Value)
		}
	}
	return nil
}
