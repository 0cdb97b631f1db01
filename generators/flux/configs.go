package flux

// hasConfigs reports whether the environment has a configs layer: the
// ClusterSecretStore is there for services that declare secrets.
func (g *envGen) hasConfigs() bool { return len(g.servicesWith(hasSecrets)) > 0 }

// configs makes configs/: objects whose kinds the infrastructure layer's
// charts install. They cannot sit beside those charts: Flux validates a
// layer by a server-side dry run of all its objects before applying any,
// and a kind whose CRD is not installed yet fails that run, so the chart
// that would install it would never be applied.
func (g *envGen) configs() error {
	if !g.hasConfigs() {
		return nil
	}
	users := g.servicesWith(hasSecrets)
	f := g.folder(layerConfigs, g.envOrigin("region"))
	f.origins = append(f.origins, serviceOrigins(users, "secrets")...)
	namespaces := make([]string, len(users))
	for i, s := range users {
		namespaces[i] = serviceNamespace(s)
	}
	f.add("clustersecretstore.yaml", &clusterSecretStore{
		TypeMeta:   typeMeta(esoAPIVersion, "ClusterSecretStore"),
		ObjectMeta: meta(secretStoreName, "", nil),
		Spec: secretStoreSpec{
			Provider: secretStoreProvider{AWS: &awsProvider{
				Service: "SecretsManager",
				Region:  g.e.Region,
				Auth: awsAuth{JWT: &awsJWTAuth{ServiceAccountRef: &serviceAccountRef{
					Name:      externalSecretsSA,
					Namespace: ptr(externalSecretsNS),
				}}},
			}},
			// Only the namespaces of services that declare secrets may
			// read through the store.
			Conditions: []storeCondition{{Namespaces: namespaces}},
		},
	})
	return f.done(g)
}
