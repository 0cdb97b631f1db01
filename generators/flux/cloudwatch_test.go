package flux_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// yaceConfig is YACE's configuration file as its v0.67.0 loader reads it
// (pkg/config), spelt here apart from the generator's, decoded strictly.
type yaceConfig struct {
	APIVersion string `yaml:"apiVersion"`
	StsRegion  string `yaml:"sts-region"`
	Discovery  any    `yaml:"discovery"`
	Static     []struct {
		Name       string   `yaml:"name"`
		Namespace  string   `yaml:"namespace"`
		Regions    []string `yaml:"regions"`
		Roles      []any    `yaml:"roles"`
		CustomTags []any    `yaml:"customTags"`
		Dimensions []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"dimensions"`
		Metrics []struct {
			Name       string   `yaml:"name"`
			Statistics []string `yaml:"statistics"`
			Period     int64    `yaml:"period"`
			Length     int64    `yaml:"length"`
			Delay      int64    `yaml:"delay"`
			NilToZero  *bool    `yaml:"nilToZero"`
		} `yaml:"metrics"`
	} `yaml:"static"`
	CustomNamespace any `yaml:"customNamespace"`
}

// yaceSeries is the name YACE gives a CloudWatch metric's statistic, and
// yaceLabel the label of a dimension, with labels-snake-case off: its rules
// as v0.67.0's pkg/promutil writes them (BuildMetricName, PromString,
// createPrometheusLabels), spelt here apart from spec.RDSFreeStorage.
func yaceSeries(namespace, metric, statistic string) string {
	snake := func(s string) string {
		var b strings.Builder
		var prev rune
		for _, c := range s {
			switch {
			case strings.ContainsRune(" ,\t/\\.-:=@<>()", c):
				b.WriteRune('_')
			case unicode.IsUpper(c) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
				b.WriteRune('_')
				b.WriteRune(unicode.ToLower(c))
			default:
				b.WriteRune(unicode.ToLower(c))
			}
			prev = c
		}
		return b.String()
	}
	ns := snake(strings.ToLower(strings.TrimPrefix(namespace, "/")))
	if !strings.HasPrefix(ns, "aws") {
		ns = "aws_" + ns
	}
	return ns + "_" + snake(metric) + "_" + snake(statistic)
}

func yaceLabel(dimension string) string { return "dimension_" + dimension }

var chartVersionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// The CloudWatch exporter of every environment of the sample organisation,
// as kustomize-controller builds it: a HelmRelease pinned to one chart
// version of prometheus-community's repository, in the monitoring
// namespace, whose ServiceAccount carries the environment's CloudWatch
// role and whose configuration reads, in the environment's region, exactly
// the metric the storage alert watches of exactly the environment's RDS
// instances; and YACE names that metric and its dimension as the storage
// alert selects them. An organisation without a database has no exporter.
func TestCloudWatchExporter(t *testing.T) {
	m := load(t, repoRoot)
	root := writeTree(t, render(t, m))
	cw := spec.RDSFreeStorage
	if got := yaceSeries(cw.Namespace, cw.Name, cw.Statistic); got != cw.Series {
		t.Errorf("YACE names %s %s %s %s, not %s", cw.Namespace, cw.Name, cw.Statistic, got, cw.Series)
	}
	if got := yaceLabel(cw.Dimension); got != cw.Label {
		t.Errorf("YACE labels dimension %s %s, not %s", cw.Dimension, got, cw.Label)
	}
	for _, e := range m.Environments {
		t.Run(e.Name, func(t *testing.T) {
			objs := buildEnv(t, root, m, e)
			var hr helmv2.HelmRelease
			if !objs.get(t, "HelmRelease", spec.MonitoringNamespace, spec.CloudWatchExporterName, &hr) {
				t.Fatalf("no HelmRelease %s/%s", spec.MonitoringNamespace, spec.CloudWatchExporterName)
			}
			chart := hr.Spec.Chart.Spec
			if chart.Chart != "prometheus-yet-another-cloudwatch-exporter" || !chartVersionRE.MatchString(chart.Version) {
				t.Errorf("chart %s version %q: want prometheus-community's YACE chart at one exact version", chart.Chart, chart.Version)
			}
			var repo sourcev1.HelmRepository
			if !objs.get(t, "HelmRepository", spec.MonitoringNamespace, chart.SourceRef.Name, &repo) || repo.Spec.URL != "https://prometheus-community.github.io/helm-charts" {
				t.Errorf("the chart comes from %q, not prometheus-community's repository", repo.Spec.URL)
			}

			var values struct {
				FullnameOverride string         `json:"fullnameOverride"`
				Config           string         `json:"config"`
				ExtraArgs        map[string]any `json:"extraArgs"`
				ServiceAccount   struct {
					Create                       bool              `json:"create"`
					Name                         string            `json:"name"`
					AutomountServiceAccountToken bool              `json:"automountServiceAccountToken"`
					Annotations                  map[string]string `json:"annotations"`
				} `json:"serviceAccount"`
				ServiceMonitor struct {
					Enabled bool              `json:"enabled"`
					Labels  map[string]string `json:"labels"`
				} `json:"serviceMonitor"`
				PodSecurityContext map[string]any `json:"podSecurityContext"`
				SecurityContext    struct {
					ReadOnlyRootFilesystem   bool `json:"readOnlyRootFilesystem"`
					AllowPrivilegeEscalation bool `json:"allowPrivilegeEscalation"`
					Capabilities             struct {
						Drop []string `json:"drop"`
					} `json:"capabilities"`
				} `json:"securityContext"`
				Resources      map[string]any `json:"resources"`
				TestConnection bool           `json:"testConnection"`
			}
			dec := json.NewDecoder(bytes.NewReader(hr.Spec.Values.Raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&values); err != nil {
				t.Fatalf("values: %v", err)
			}
			sa := values.ServiceAccount
			wantRole := spec.RoleARN(e, spec.CloudWatchExporterRoleName(m.Platform, e))
			if !sa.Create || sa.Name != spec.CloudWatchExporterServiceAccount || !sa.AutomountServiceAccountToken || sa.Annotations["eks.amazonaws.com/role-arn"] != wantRole {
				t.Errorf("ServiceAccount %+v: want %s with the role %s and its token mounted", sa, spec.CloudWatchExporterServiceAccount, wantRole)
			}
			if values.FullnameOverride != spec.CloudWatchExporterName || !values.ServiceMonitor.Enabled || values.ServiceMonitor.Labels["release"] != "kube-prometheus-stack" || values.TestConnection {
				t.Errorf("values: fullnameOverride %q, serviceMonitor %v, testConnection %v", values.FullnameOverride, values.ServiceMonitor.Enabled, values.TestConnection)
			}
			if values.ExtraArgs["labels-snake-case"] != false {
				t.Errorf("extraArgs %v: labels-snake-case must stay false, or the dimension's label is not %s", values.ExtraArgs, cw.Label)
			}
			if values.PodSecurityContext["runAsNonRoot"] != true || !values.SecurityContext.ReadOnlyRootFilesystem || values.SecurityContext.AllowPrivilegeEscalation ||
				!slices.Equal(values.SecurityContext.Capabilities.Drop, []string{"ALL"}) || values.Resources["limits"] == nil {
				t.Errorf("the exporter's pod is not locked down: %+v %+v %v", values.PodSecurityContext, values.SecurityContext, values.Resources)
			}

			var cfg yaceConfig
			yd := yaml.NewDecoder(strings.NewReader(values.Config))
			yd.KnownFields(true)
			if err := yd.Decode(&cfg); err != nil {
				t.Fatalf("config: %v\n%s", err, values.Config)
			}
			if cfg.APIVersion != "v1alpha1" || cfg.StsRegion != e.Region || cfg.Discovery != nil || cfg.CustomNamespace != nil {
				t.Errorf("config: apiVersion %q, sts-region %q (want %s), discovery %v, customNamespace %v: only static jobs need no discovery rights",
					cfg.APIVersion, cfg.StsRegion, e.Region, cfg.Discovery, cfg.CustomNamespace)
			}
			var want, got []string
			for _, s := range m.Services {
				if s.Database != nil {
					want = append(want, spec.DatabaseIdentifier(m.Platform, e, s))
				}
			}
			for _, j := range cfg.Static {
				if j.Namespace != cw.Namespace || !slices.Equal(j.Regions, []string{e.Region}) || len(j.Roles) > 0 || len(j.Dimensions) != 1 || j.Dimensions[0].Name != cw.Dimension {
					t.Errorf("static job %s: namespace %s, regions %v, roles %v, dimensions %+v", j.Name, j.Namespace, j.Regions, j.Roles, j.Dimensions)
					continue
				}
				got = append(got, j.Dimensions[0].Value)
				if len(j.Metrics) != 1 || j.Metrics[0].Name != cw.Name || !slices.Equal(j.Metrics[0].Statistics, []string{cw.Statistic}) ||
					j.Metrics[0].Period <= 0 || j.Metrics[0].Length < j.Metrics[0].Period || j.Metrics[0].NilToZero != nil {
					t.Errorf("static job %s reads %+v, want %s %s only", j.Name, j.Metrics, cw.Name, cw.Statistic)
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("the exporter reads instances %v, want exactly %s's %v", got, e.Name, want)
			}

			// The storage alert of each database selects the series YACE
			// exports of its own instance.
			am := alerting.New(m)
			for _, s := range m.Services {
				if s.Database == nil {
					continue
				}
				id := spec.DatabaseIdentifier(m.Platform, e, s)
				sel := yaceSeries(cw.Namespace, cw.Name, cw.Statistic) + "{" + yaceLabel(cw.Dimension) + `="` + id + `"}`
				n := 0
				for _, a := range am.Alerts(s) {
					for _, r := range a.RulesIn(e) {
						if strings.Contains(r.Expr, cw.Series) {
							n++
							if !strings.Contains(r.Expr, sel) {
								t.Errorf("%s in %s: %s does not select %s", a.Name, e.Name, r.Expr, sel)
							}
						}
					}
				}
				if n != 2 {
					t.Errorf("%s in %s: %d rules read the exporter's series, want the storage alert's two (its threshold, its signal's absence)", s.Name, e.Name, n)
				}
			}
		})
	}

	// Without a database, no exporter.
	var none spec.Model = *m
	none.Services = slices.DeleteFunc(slices.Clone(m.Services), func(s *spec.Service) bool { return s.Database != nil })
	for _, f := range render(t, &none).Files {
		if strings.Contains(f.Path, "/"+spec.CloudWatchExporterName+"/") {
			t.Errorf("an organisation without a database gets %s", f.Path)
		}
	}
}
