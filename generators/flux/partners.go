package flux

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/groundwork-dev/groundwork/backend/partners"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// How partners reach a service (specs/partners). Who may call, with which
// scopes and limits, comes from the specs as a ConfigMap; the keys come
// from Secrets Manager, where `groundwork partner key issue` writes their
// hashes, through an ExternalSecret. Both are mounted as folders, which the
// kubelet refreshes in place (a subPath mount would not be), and the
// service re-reads them, so that admitting a partner or revoking a key
// needs no restart. Only the partner API's base path is published, by an
// Ingress on the environment's ingress class.
const (
	partnersVolume    = "partners"
	partnerKeysVolume = "partner-keys"
	// partnerKeysRefresh bounds how long a revoked key keeps working: the
	// ExternalSecret's refresh, plus the kubelet's sync of the mounted
	// Secret (about a minute), plus the service's poll.
	partnerKeysRefresh = "1m"
)

// partners adds what lets the environment's partners call service v: the
// partners ConfigMap, the keys' ExternalSecret and the Ingress.
func (g *envGen) partners(f *folder, v svc) error {
	admitted := g.m.PartnersOf(g.e, v.Service)
	if len(admitted) == 0 {
		return nil
	}
	// The file is written with the type the service parses it into.
	doc := partners.File{Environment: g.e.Name, KeyPrefix: spec.PartnerKeyPrefix(g.e), Partners: map[string]partners.Partner{}}
	for _, p := range admitted {
		f.origins = append(f.origins, engine.Origin{Spec: p.Source.Path, Fields: []string{"access", "environments", "rateLimit"}})
		doc.Partners[p.Name] = partners.Partner{
			Scopes:    slices.Sorted(slices.Values(p.AccessTo(v.Service).Scopes)),
			RateLimit: partners.RateLimit{PerMinute: p.RateLimit.PerMinute, Burst: p.RateLimit.Burst},
		}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("partners: %w", err)
	}
	f.origins = append(f.origins, g.envOrigin("ingress", "production"))
	f.add("configmap-partners.yaml", &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: meta(spec.PartnersConfigMap(v.Service), v.ns, v.labels),
		Data:       map[string]string{path.Base(spec.PartnersFile): string(data) + "\n"},
	})
	name := spec.PartnerKeysK8sSecret(v.Service)
	f.add("externalsecret-partner-keys.yaml", kube.NewExternalSecret(kube.ObjectMeta{Name: name, Namespace: v.ns, Labels: v.labels}, kube.ExternalSecretSpec{
		SecretStoreRef:  kube.ClusterStore(spec.SecretStore),
		Target:          kube.ExternalSecretTarget{Name: name, CreationPolicy: kube.CreationOwner, DeletionPolicy: kube.DeletionRetain},
		RefreshInterval: partnerKeysRefresh,
		Data: []kube.ExternalSecretData{{
			SecretKey: path.Base(spec.PartnerKeysFile),
			RemoteRef: kube.RemoteRef{Key: spec.PartnerKeysSecretName(g.e, v.Service)},
		}},
	}))
	f.add("ingress-partners.yaml", g.partnerIngress(v))
	return nil
}

// partnerIngress publishes the partner API's base path, and nothing else
// of the service (not its health, metrics or internal routes), at
// https://<service>.<domain>.
func (g *envGen) partnerIngress(v svc) *networkingv1.Ingress {
	host := spec.PartnerHost(g.e, v.Service)
	prefix := networkingv1.PathTypePrefix
	om := meta(v.Name+"-"+spec.PartnerIngress, v.ns, v.labels)
	if g.e.Ingress.Class == "alb" {
		// The AWS Load Balancer Controller makes an internal ALB unless
		// told otherwise; partners call from the internet, over HTTPS
		// only, with the ACM certificate it finds for the TLS host.
		om.Annotations = map[string]string{
			"alb.ingress.kubernetes.io/scheme":       "internet-facing",
			"alb.ingress.kubernetes.io/target-type":  "ip",
			"alb.ingress.kubernetes.io/listen-ports": `[{"HTTPS":443}]`,
			"alb.ingress.kubernetes.io/ssl-policy":   "ELBSecurityPolicy-TLS13-1-2-2021-06",
		}
	}
	return &networkingv1.Ingress{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "Ingress"),
		ObjectMeta: om,
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr(g.e.Ingress.Class),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}}},
			Rules: []networkingv1.IngressRule{{
				Host: host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     v.PartnerAPI.BasePath,
						PathType: &prefix,
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: v.Name,
							Port: networkingv1.ServiceBackendPort{Name: httpPortName},
						}},
					}},
				}},
			}},
		},
	}
}

// mountPartners mounts the partners ConfigMap and the keys Secret
// read-only and names the files. The keys Secret is optional: until the
// first key is issued its Secrets Manager secret has no value, the
// ExternalSecret makes no Secret, and the service must still start (and
// refuse every key).
func (g *envGen) mountPartners(v svc, pod *corev1.PodSpec) {
	c := &pod.Containers[0]
	if g.e.DemoData && v.PartnerAPI != nil {
		c.Env = append(c.Env, corev1.EnvVar{Name: spec.DemoDataEnv, Value: "true"})
	}
	if len(g.m.PartnersOf(g.e, v.Service)) > 0 {
		pod.Volumes = append(pod.Volumes,
			corev1.Volume{Name: partnersVolume, VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: spec.PartnersConfigMap(v.Service)}},
			}},
			corev1.Volume{Name: partnerKeysVolume, VolumeSource: corev1.VolumeSource{
				Secret: &corev1.SecretVolumeSource{SecretName: spec.PartnerKeysK8sSecret(v.Service), Optional: ptr(true)},
			}},
		)
		c.VolumeMounts = append(c.VolumeMounts,
			corev1.VolumeMount{Name: partnersVolume, MountPath: path.Dir(spec.PartnersFile), ReadOnly: true},
			corev1.VolumeMount{Name: partnerKeysVolume, MountPath: path.Dir(spec.PartnerKeysFile), ReadOnly: true},
		)
		c.Env = append(c.Env,
			corev1.EnvVar{Name: spec.PartnersFileEnv, Value: spec.PartnersFile},
			corev1.EnvVar{Name: spec.PartnerKeysEnv, Value: spec.PartnerKeysFile},
		)
	}
	sortEnv(c.Env)
}
