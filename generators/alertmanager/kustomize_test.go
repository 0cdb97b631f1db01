package alertmanager_test

import (
	"encoding/base64"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	kustomizetypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/groundwork-dev/groundwork/generators/alertmanager"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The ExternalSecret of external-secrets.io/v1, for strict decoding,
// written for this test from the project's API (apis/externalsecrets/v1,
// externalsecret_types.go), whose Go module the module proxy does not
// serve. It has every field of the spec, so that only a field the API
// lacks fails; those the generator never writes are typed any.
type esExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		SecretStoreRef struct {
			Name string `json:"name,omitempty"`
			Kind string `json:"kind,omitempty"`
		} `json:"secretStoreRef,omitempty"`
		Target struct {
			Name           string `json:"name,omitempty"`
			CreationPolicy string `json:"creationPolicy,omitempty"`
			DeletionPolicy string `json:"deletionPolicy,omitempty"`
			Template       any    `json:"template,omitempty"`
			Immutable      bool   `json:"immutable,omitempty"`
		} `json:"target,omitempty"`
		RefreshPolicy   string           `json:"refreshPolicy,omitempty"`
		RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`
		Data            []any            `json:"data,omitempty"`
		DataFrom        []struct {
			Extract *esRemoteRef `json:"extract,omitempty"`
			Find    any          `json:"find,omitempty"`
			Rewrite []any        `json:"rewrite,omitempty"`
			// SourceRef points at another store or a generator.
			SourceRef any `json:"sourceRef,omitempty"`
		} `json:"dataFrom,omitempty"`
	} `json:"spec,omitempty"`
	Status any `json:"status,omitempty"`
}

type esRemoteRef struct {
	Key                string `json:"key"`
	MetadataPolicy     string `json:"metadataPolicy,omitempty"`
	Property           string `json:"property,omitempty"`
	Version            string `json:"version,omitempty"`
	ConversionStrategy string `json:"conversionStrategy,omitempty"`
	DecodingStrategy   string `json:"decodingStrategy,omitempty"`
}

// The ExternalSecret decodes strictly as external-secrets.io/v1, with
// values its CRD allows, and copies the environment's Alertmanager secret,
// whole, into the receivers Secret in the monitoring namespace through
// the cluster's store, hourly.
func TestExternalSecret(t *testing.T) {
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			var es esExternalSecret
			if err := yaml.UnmarshalStrict(o.file(t, e, alertmanager.ExternalSecretFile), &es); err != nil {
				t.Errorf("%s/%s: %v", o.name, e.Name, err)
				continue
			}
			sp := es.Spec
			for _, c := range []struct {
				what, got string
				allowed   []string
			}{
				{"apiVersion", es.APIVersion, []string{"external-secrets.io/v1"}},
				{"kind", es.Kind, []string{"ExternalSecret"}},
				{"namespace", es.Namespace, []string{spec.MonitoringNamespace}},
				{"name", es.Name, []string{spec.AlertmanagerReceiversSecret}},
				{"secretStoreRef.kind", sp.SecretStoreRef.Kind, []string{"ClusterSecretStore"}},
				{"secretStoreRef.name", sp.SecretStoreRef.Name, []string{"aws-secrets-manager"}},
				{"target.name", sp.Target.Name, []string{spec.AlertmanagerReceiversSecret}},
				{"target.creationPolicy", sp.Target.CreationPolicy, []string{"Owner", "Orphan", "Merge", "None"}},
				{"target.deletionPolicy", sp.Target.DeletionPolicy, []string{"Delete", "Merge", "Retain"}},
			} {
				if !slices.Contains(c.allowed, c.got) {
					t.Errorf("%s/%s: %s is %q, want one of %v", o.name, e.Name, c.what, c.got, c.allowed)
				}
			}
			if sp.RefreshInterval == nil || sp.RefreshInterval.Hours() != 1 {
				t.Errorf("%s/%s: refreshInterval %v, want 1h", o.name, e.Name, sp.RefreshInterval)
			}
			if len(sp.DataFrom) != 1 || sp.DataFrom[0].Extract == nil || sp.DataFrom[0].Extract.Key != spec.AlertmanagerSecretName(e) || len(sp.Data) != 0 {
				t.Errorf("%s/%s: want one dataFrom extracting %s, got %+v", o.name, e.Name, spec.AlertmanagerSecretName(e), sp.DataFrom)
			}
		}
	}
}

// The kustomization decodes strictly as kustomize's own type, and krusty
// (kustomize's library, which Flux's kustomize-controller builds with)
// builds the folder into exactly the configuration Secret, named as
// kube-prometheus-stack is told, holding the configuration unchanged
// under the key the operator reads, and the ExternalSecret, both in the
// monitoring namespace.
func TestKustomizeBuild(t *testing.T) {
	for _, o := range loadOrgs(t) {
		for _, e := range o.m.Environments {
			t.Run(o.name+"/"+e.Name, func(t *testing.T) {
				var k kustomizetypes.Kustomization
				if err := yaml.UnmarshalStrict(o.file(t, e, alertmanager.KustomizationFile), &k); err != nil {
					t.Fatal(err)
				}
				fs := filesys.MakeFsInMemory()
				for _, name := range []string{alertmanager.ConfigKey, alertmanager.ExternalSecretFile, alertmanager.KustomizationFile} {
					if err := fs.WriteFile("/app/"+name, o.file(t, e, name)); err != nil {
						t.Fatal(err)
					}
				}
				res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/app")
				if err != nil {
					t.Fatalf("kustomize build: %v", err)
				}
				var ids []string
				for _, r := range res.Resources() {
					ids = append(ids, r.GetKind()+" "+r.GetNamespace()+"/"+r.GetName())
					if r.GetKind() != "Secret" {
						continue
					}
					data := r.GetDataMap()
					if len(data) != 1 {
						t.Errorf("the Secret has keys %v, want %s alone", data, alertmanager.ConfigKey)
					}
					got, err := base64.StdEncoding.DecodeString(data[alertmanager.ConfigKey])
					if err != nil {
						t.Fatal(err)
					}
					if string(got) != string(o.file(t, e, alertmanager.ConfigKey)) {
						t.Errorf("the Secret's %s is not the generated configuration:\n%s", alertmanager.ConfigKey, got)
					}
				}
				slices.Sort(ids)
				want := []string{
					"ExternalSecret " + spec.MonitoringNamespace + "/" + spec.AlertmanagerReceiversSecret,
					"Secret " + spec.MonitoringNamespace + "/" + spec.AlertmanagerConfigSecret,
				}
				if !slices.Equal(ids, want) {
					t.Errorf("built %v, want %v", ids, want)
				}
			})
		}
	}
}
