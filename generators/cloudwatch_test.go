package generators_test

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/generators"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The CloudWatch exporter's identity, from the Terraform root to the pod:
// in every environment, the role the iam module makes for it
// (cloudwatch_exporter) is the one its HelmRelease's ServiceAccount names,
// trusted for that ServiceAccount in the release's namespace, and reads in
// the environment's region.
func TestCloudWatchExporterIdentity(t *testing.T) {
	m, err := spec.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := generators.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Environments {
		tf := out.File(spec.TerraformDir(e) + "/main.tf")
		hr := out.File(spec.FluxDir(e) + "/infrastructure/" + spec.CloudWatchExporterName + "/helmrelease.yaml")
		if tf == nil || hr == nil {
			t.Fatalf("%s: no main.tf or no exporter HelmRelease", e.Name)
		}
		f, diags := hclsyntax.ParseConfig(tf.Data, tf.Path, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var role map[string]any
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "module" || len(b.Labels) != 1 || b.Labels[0] != "iam" {
				continue
			}
			attr := b.Body.Attributes["cloudwatch_exporter"]
			if attr == nil {
				t.Fatalf("%s: module iam has no cloudwatch_exporter", e.Name)
			}
			v, diags := attr.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("%s: cloudwatch_exporter is not literal: %v", e.Name, diags)
			}
			role = map[string]any{}
			for k, x := range v.AsValueMap() {
				if x.Type().IsTupleType() {
					var ss []string
					for _, y := range x.AsValueSlice() {
						ss = append(ss, y.AsString())
					}
					role[k] = ss
				} else {
					role[k] = x.AsString()
				}
			}
		}
		var rel struct {
			Metadata struct {
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
			Spec struct {
				Values struct {
					ServiceAccount struct {
						Name        string            `yaml:"name"`
						Annotations map[string]string `yaml:"annotations"`
					} `yaml:"serviceAccount"`
				} `yaml:"values"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal(hr.Data, &rel); err != nil {
			t.Fatal(err)
		}
		sa := rel.Spec.Values.ServiceAccount
		if got, want := sa.Annotations["eks.amazonaws.com/role-arn"], spec.RoleARN(e, role["role_name"].(string)); got != want {
			t.Errorf("%s: the exporter's ServiceAccount assumes %s, Terraform makes %s", e.Name, got, want)
		}
		if role["namespace"] != rel.Metadata.Namespace || role["service_account"] != sa.Name {
			t.Errorf("%s: the role trusts %s/%s, the exporter runs as %s/%s", e.Name, role["namespace"], role["service_account"], rel.Metadata.Namespace, sa.Name)
		}
		if rs, _ := role["regions"].([]string); len(rs) != 1 || rs[0] != e.Region {
			t.Errorf("%s: the role reads CloudWatch in %v, the environment is in %s", e.Name, role["regions"], e.Region)
		}
	}
}
