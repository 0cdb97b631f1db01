package flux

import (
	"path"
	"slices"

	"github.com/groundwork-dev/groundwork/internal/kube"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// configs makes configs/: objects whose kinds the infrastructure layer's
// charts install. They cannot sit beside those charts: Flux validates a
// layer by a server-side dry run of all its objects before applying any,
// and a kind whose CRD is not installed yet fails that run, so the chart
// that would install it would never be applied.
//
// Alertmanager's configuration is here too, in alertmanager/ (made by the
// alertmanager generator): its ExternalSecret needs the store.
func (g *envGen) configs() error {
	users := g.servicesWith(readsSecrets)
	f := g.folder(layerConfigs, g.envOrigin("region"))
	f.origins = append(f.origins, serviceOrigins(users, "database", "secrets")...)
	namespaces := []string{spec.MonitoringNamespace}
	for _, s := range users {
		namespaces = append(namespaces, serviceNamespace(s))
	}
	slices.Sort(namespaces)
	f.sub(path.Base(spec.AlertmanagerDir(g.e)))
	f.add("clustersecretstore.yaml", kube.NewClusterSecretStore(spec.SecretStore, kube.SecretStoreSpec{
		Provider: kube.SecretStoreProvider{AWS: &kube.AWSProvider{
			Service: "SecretsManager",
			Region:  g.e.Region,
			Auth: kube.AWSAuth{JWT: &kube.AWSJWTAuth{ServiceAccountRef: &kube.ServiceAccountRef{
				Name:      externalSecretsSA,
				Namespace: ptr(externalSecretsNS),
			}}},
		}},
		// Only the namespaces of services that declare secrets or have
		// a database (its connection), and Alertmanager's for its
		// receivers' keys, may read through it.
		Conditions: []kube.StoreCondition{{Namespaces: namespaces}},
	}))
	return f.done(g)
}
