package terraform_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-dev/groundwork/internal/tftest"
)

// The CloudWatch exporter's role of modules/iam, planned offline: it reads
// CloudWatch's metric statistics, the one call the exporter's static jobs
// make, on "*" (CloudWatch's metric reads have no resource type) in exactly
// the environment's region, and nothing else; its ServiceAccount alone may
// assume it; and the guardrails pass it, and refuse it once the region is
// no longer pinned.
func TestCloudWatchExporterRole(t *testing.T) {
	tf := tftest.Binary(t)
	mirror := tftest.Mirror(t)
	plan := planIAM(t, tf, mirror, "", `
  eks_oidc_provider_arn = "arn:aws:iam::111111111111:oidc-provider/`+oidcIssuer+`"
  eks_oidc_issuer       = "`+oidcIssuer+`"

  cloudwatch_exporter = {
    role_name       = "acme-prod-cloudwatch"
    namespace       = "monitoring"
    service_account = "cloudwatch-exporter"
    regions         = ["eu-west-1"]
  }
`)
	var policy policyDoc
	found := false
	for _, r := range resourceChanges(t, plan) {
		if r.Type != "aws_iam_role_policy" || r.Name != "cloudwatch_exporter" {
			continue
		}
		text, ok := r.Change.After["policy"].(string)
		if !ok {
			t.Fatalf("%s: the policy is not known at plan time", r.Address)
		}
		if err := json.Unmarshal([]byte(text), &policy); err != nil {
			t.Fatal(err)
		}
		found = true
	}
	if !found {
		t.Fatal("the plan has no aws_iam_role_policy.cloudwatch_exporter")
	}
	docs := []policyDoc{policy}

	if got := allowedActions(docs); !slices.Equal(got, []string{"cloudwatch:GetMetricStatistics"}) {
		t.Errorf("the CloudWatch exporter's role is allowed %v, want exactly cloudwatch:GetMetricStatistics", got)
	}
	for _, a := range []string{"cloudwatch:ListMetrics", "tag:GetResources", "cloudwatch:GetMetricData", "cloudwatch:PutMetricData", "cloudwatch:DescribeAlarms", "logs:GetLogEvents"} {
		if allowed(docs, a, "*") {
			t.Errorf("the CloudWatch exporter's role may %s", a)
		}
	}
	for _, st := range policy.Statement {
		if st.Effect != "Allow" {
			continue
		}
		var cond map[string]map[string]stringOrList
		if err := json.Unmarshal(st.Condition, &cond); err != nil {
			t.Fatalf("condition of %+v: %v", st, err)
		}
		if got := cond["StringEquals"]["aws:RequestedRegion"]; !slices.Equal(got, []string{"eu-west-1"}) {
			t.Errorf("the CloudWatch read is not pinned to eu-west-1: condition %s", st.Condition)
		}
	}

	trust := roleTrust(t, plan, "acme-prod-cloudwatch")
	if !strings.Contains(trust, `"`+oidcIssuer+`:sub":"system:serviceaccount:monitoring:cloudwatch-exporter"`) {
		t.Errorf("the CloudWatch exporter's role is not trusted by exactly its ServiceAccount: %s", trust)
	}

	if d := guardrailDenials(t, plan); len(d) != 0 {
		t.Errorf("guardrails deny the plan of modules/iam with the CloudWatch exporter:\n%s", strings.Join(d, "\n"))
	}
	// The same statement in every region is refused.
	unpinned := strings.ReplaceAll(string(plan), `"aws:RequestedRegion"`, `"aws:SourceIp"`)
	if d := guardrailDenials(t, []byte(unpinned)); !slices.ContainsFunc(d, func(m string) bool { return strings.Contains(m, "in every region") }) {
		t.Errorf("guardrails pass a CloudWatch read that is not pinned to a region: %v", d)
	}
}
