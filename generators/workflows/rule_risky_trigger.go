package workflows

import "github.com/rhysd/actionlint"

// ruleRiskyTrigger: no pull_request_target or workflow_run. Both run with
// the base repository's secrets and a write token, on events that code from
// forks controls.
type ruleRiskyTrigger struct{ actionlint.RuleBase }

func newRuleRiskyTrigger() *ruleRiskyTrigger {
	return &ruleRiskyTrigger{actionlint.NewRuleBase("risky-trigger", "Checks no workflow runs on pull_request_target or workflow_run")}
}

func (r *ruleRiskyTrigger) VisitWorkflowPre(w *actionlint.Workflow) error {
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || we.Hook == nil {
			continue
		}
		switch we.Hook.Value {
		case "pull_request_target":
			r.Error(we.Hook.Pos, "pull_request_target runs with the base repository's secrets and write token on events from forks; use pull_request")
		case "workflow_run":
			r.Error(we.Hook.Pos, "workflow_run runs with the base repository's secrets and write token after workflows that forks can trigger; use needs: or a reusable workflow")
		}
	}
	return nil
}
