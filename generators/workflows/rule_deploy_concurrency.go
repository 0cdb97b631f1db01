package workflows

import "github.com/rhysd/actionlint"

// ruleDeployConcurrency: in a workflow that deploys or releases, every job
// that delivers is in a concurrency group, and no group cancels a run in
// progress: a deploy stopped half-way leaves an environment half-applied
// and its state locked.
type ruleDeployConcurrency struct{ actionlint.RuleBase }

func newRuleDeployConcurrency() *ruleDeployConcurrency {
	return &ruleDeployConcurrency{actionlint.NewRuleBase("deploy-concurrency", "Checks deploy and release jobs are in concurrency groups that never cancel in progress")}
}

func (r *ruleDeployConcurrency) VisitWorkflowPre(w *actionlint.Workflow) error {
	if !deliveryWorkflow(w) {
		return nil
	}
	r.cancels(w.Concurrency)
	for _, j := range sortedJobs(w) {
		if delivers(j) && j.Concurrency == nil && w.Concurrency == nil {
			r.Errorf(j.Pos, "job %q deploys but is in no concurrency group, so two runs can apply at once; add concurrency: {group: ..., cancel-in-progress: false}", j.ID.Value)
		}
		r.cancels(j.Concurrency)
	}
	return nil
}

func (r *ruleDeployConcurrency) cancels(c *actionlint.Concurrency) {
	if c == nil || c.CancelInProgress == nil {
		return
	}
	b := c.CancelInProgress
	if b.Value || b.Expression != nil {
		pos := b.Pos
		if pos == nil {
			pos = c.Pos
		}
		r.Error(pos, "cancel-in-progress in a deploy or release workflow can stop an apply half-way; set cancel-in-progress: false")
	}
}
