package flux_test

import (
	"encoding/json"
	"path"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The partner chain, on the objects as kustomize-controller builds them:
// in every environment a partner is admitted to, the service's pods read
// the partners file the ConfigMap holds and the keys file the
// ExternalSecret fills from the secret `groundwork partner key issue`
// writes, and the Ingress publishes the partner routes only. Where no
// partner is admitted, none of it exists.
func TestPartnerChain(t *testing.T) {
	m := load(t, repoRoot)
	root := writeTree(t, render(t, m))
	admitted := 0
	for _, e := range m.Environments {
		objs := buildEnv(t, root, m, e)
		for _, s := range m.Services {
			partners := m.PartnersOf(e, s)
			ns := spec.Namespace(s)
			var cm corev1.ConfigMap
			hasCM := objs.get(t, "ConfigMap", ns, spec.PartnersConfigMap(s), &cm)
			var ing networkingv1.Ingress
			hasIngress := objs.get(t, "Ingress", ns, s.Name+"-"+spec.PartnerIngress, &ing)
			es := objs.externalSecret(t, ns, spec.PartnerKeysK8sSecret(s))
			if len(partners) == 0 {
				if hasCM || hasIngress || es != nil {
					t.Errorf("%s/%s: partner objects exist where no partner is admitted", e.Name, s.Name)
				}
				continue
			}
			admitted++
			if !hasCM || !hasIngress || es == nil {
				t.Fatalf("%s/%s: partners ConfigMap %v, Ingress %v, keys ExternalSecret %v; want all three", e.Name, s.Name, hasCM, hasIngress, es != nil)
			}

			// The partners file: the contract with backend/partners.
			var file struct {
				Environment string `json:"environment"`
				KeyPrefix   string `json:"keyPrefix"`
				Partners    map[string]struct {
					Scopes    []string       `json:"scopes"`
					RateLimit spec.RateLimit `json:"rateLimit"`
				} `json:"partners"`
			}
			if err := json.Unmarshal([]byte(cm.Data[path.Base(spec.PartnersFile)]), &file); err != nil {
				t.Fatalf("%s/%s: partners file: %v", e.Name, s.Name, err)
			}
			if file.Environment != e.Name || file.KeyPrefix != spec.PartnerKeyPrefix(e) || len(file.Partners) != len(partners) {
				t.Errorf("%s/%s: partners file %+v", e.Name, s.Name, file)
			}
			for _, p := range partners {
				got := file.Partners[p.Name]
				want := slices.Sorted(slices.Values(p.AccessTo(s).Scopes))
				if !slices.Equal(got.Scopes, want) || got.RateLimit != p.RateLimit {
					t.Errorf("%s/%s: partner %s is %+v; want scopes %v, limit %+v", e.Name, s.Name, p.Name, got, want, p.RateLimit)
				}
			}

			// The keys: the secret the command writes, under the file name
			// the service reads.
			if len(es.Spec.Data) != 1 || es.Spec.Data[0].RemoteRef.Key != spec.PartnerKeysSecretName(e, s) ||
				es.Spec.Data[0].SecretKey != path.Base(spec.PartnerKeysFile) || es.Spec.Target.Name != spec.PartnerKeysK8sSecret(s) {
				t.Errorf("%s/%s: keys ExternalSecret %+v", e.Name, s.Name, es.Spec)
			}

			// The pods mount both where the env vars say.
			var d appsv1.Deployment
			if !objs.get(t, "Deployment", ns, s.Name, &d) {
				t.Fatalf("%s/%s: no Deployment", e.Name, s.Name)
			}
			pod := d.Spec.Template.Spec
			c := pod.Containers[0]
			mounts := map[string]string{}
			for _, vm := range c.VolumeMounts {
				mounts[vm.Name] = vm.MountPath
			}
			for _, v := range pod.Volumes {
				switch {
				case v.ConfigMap != nil && v.ConfigMap.Name == cm.Name:
					if mounts[v.Name] != path.Dir(spec.PartnersFile) {
						t.Errorf("%s/%s: partners ConfigMap mounted at %q", e.Name, s.Name, mounts[v.Name])
					}
				case v.Secret != nil && v.Secret.SecretName == es.Spec.Target.Name:
					if mounts[v.Name] != path.Dir(spec.PartnerKeysFile) || v.Secret.Optional == nil || !*v.Secret.Optional {
						t.Errorf("%s/%s: keys Secret mounted at %q, optional %v; want %s, optional (no key issued yet must not stop the pods)",
							e.Name, s.Name, mounts[v.Name], v.Secret.Optional, path.Dir(spec.PartnerKeysFile))
					}
				default:
					continue
				}
				delete(mounts, v.Name)
			}
			for name, at := range mounts {
				if at == path.Dir(spec.PartnersFile) || at == path.Dir(spec.PartnerKeysFile) {
					t.Errorf("%s/%s: volume %s at %s is not the partners ConfigMap or keys Secret", e.Name, s.Name, name, at)
				}
			}
			if v := envValue(c, spec.PartnersFileEnv); v == nil || v.Value != spec.PartnersFile {
				t.Errorf("%s/%s: %s = %v", e.Name, s.Name, spec.PartnersFileEnv, v)
			}
			if v := envValue(c, spec.PartnerKeysEnv); v == nil || v.Value != spec.PartnerKeysFile {
				t.Errorf("%s/%s: %s = %v", e.Name, s.Name, spec.PartnerKeysEnv, v)
			}
			if v := envValue(c, spec.DemoDataEnv); (v != nil) != e.DemoData {
				t.Errorf("%s/%s: %s = %v with demoData %v", e.Name, s.Name, spec.DemoDataEnv, v, e.DemoData)
			}

			// Only the partner routes are published, to the service's port.
			rules := ing.Spec.Rules
			if len(rules) != 1 || rules[0].Host != spec.PartnerHost(e, s) || len(rules[0].HTTP.Paths) != 1 {
				t.Fatalf("%s/%s: Ingress rules %+v", e.Name, s.Name, rules)
			}
			p := rules[0].HTTP.Paths[0]
			if p.Path != s.PartnerAPI.BasePath || *p.PathType != networkingv1.PathTypePrefix || p.Backend.Service.Name != s.Name || p.Backend.Service.Port.Name != "http" {
				t.Errorf("%s/%s: Ingress path %+v", e.Name, s.Name, p)
			}
			if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != e.Ingress.Class || len(ing.Spec.TLS) != 1 {
				t.Errorf("%s/%s: Ingress class %v, TLS %v", e.Name, s.Name, ing.Spec.IngressClassName, ing.Spec.TLS)
			}
		}
	}
	if admitted == 0 {
		t.Fatal("no environment admits a partner; the sample admits globex to sandbox")
	}
}
