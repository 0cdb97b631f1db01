package workflows

import "github.com/rhysd/actionlint"

// ruleDeployCache: no cache in a workflow that deploys or releases. A cache
// is written by any run of any branch, pull requests included; restoring it
// where production is built or applied lets that code in.
type ruleDeployCache struct{ actionlint.RuleBase }

func newRuleDeployCache() *ruleDeployCache {
	return &ruleDeployCache{actionlint.NewRuleBase("deploy-cache", "Checks deploy and release workflows restore no cache")}
}

// cachingSetups are actions that cache when their cache input is set.
var cachingSetups = map[string]bool{"actions/setup-node": true, "actions/setup-python": true, "actions/setup-java": true, "actions/setup-dotnet": true}

func (r *ruleDeployCache) VisitWorkflowPre(w *actionlint.Workflow) error {
	if !deliveryWorkflow(w) {
		return nil
	}
	for _, j := range sortedJobs(w) {
		for _, s := range j.Steps {
			name, a, ok := action(s)
			if !ok {
				continue
			}
			switch {
			case name == "actions/cache" || name == "actions/cache/restore" || name == "actions/cache/save":
				r.Errorf(a.Uses.Pos, "%s in a deploy or release workflow: a cache that any branch can write reaches what ships; remove it", name)
			case name == "actions/setup-go":
				if v, ok := input(a, "cache"); !ok {
					r.Error(a.Uses.Pos, "actions/setup-go caches by default; set cache: false in deploy and release workflows")
				} else if v.Value != "false" {
					r.Errorf(v.Pos, "actions/setup-go with cache: %s in a deploy or release workflow; set cache: false", v.Value)
				}
			case cachingSetups[name]:
				if v, ok := input(a, "cache"); ok && v.Value != "" && v.Value != "false" {
					r.Errorf(v.Pos, "%s with cache: %s in a deploy or release workflow; remove the cache", name, v.Value)
				}
			case name == "docker/build-push-action":
				for _, in := range []string{"cache-from", "cache-to"} {
					if v, ok := input(a, in); ok && v.Value != "" {
						r.Errorf(v.Pos, "docker/build-push-action with %s in a deploy or release workflow; build released images without a cache", in)
					}
				}
			}
		}
	}
	return nil
}
