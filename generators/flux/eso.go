package flux

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The few External Secrets (external-secrets.io/v1) fields this package
// writes. The project's Go API module is published only as a nested module
// that the module proxy does not serve, so these are written here by hand,
// field names as the v1 CRDs name them; the tests decode every generated
// object strictly against a second, independent copy of the schema.

const esoAPIVersion = "external-secrets.io/v1"

type clusterSecretStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              secretStoreSpec `json:"spec"`
}

type secretStoreSpec struct {
	Provider   secretStoreProvider `json:"provider"`
	Conditions []storeCondition    `json:"conditions,omitempty"`
}

// storeCondition limits which namespaces may read through a cluster store.
type storeCondition struct {
	Namespaces []string `json:"namespaces,omitempty"`
}

type secretStoreProvider struct {
	AWS *awsProvider `json:"aws,omitempty"`
}

type awsProvider struct {
	Service string  `json:"service"` // SecretsManager or ParameterStore
	Region  string  `json:"region"`
	Auth    awsAuth `json:"auth"`
}

type awsAuth struct {
	JWT *awsJWTAuth `json:"jwt,omitempty"`
}

// awsJWTAuth authenticates with a token of a ServiceAccount whose IRSA
// role annotation names the role to assume.
type awsJWTAuth struct {
	ServiceAccountRef *serviceAccountRef `json:"serviceAccountRef"`
}

type serviceAccountRef struct {
	Name      string  `json:"name"`
	Namespace *string `json:"namespace,omitempty"`
}

type externalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              externalSecretSpec `json:"spec"`
}

type externalSecretSpec struct {
	SecretStoreRef  secretStoreRef       `json:"secretStoreRef"`
	Target          externalSecretTarget `json:"target"`
	RefreshInterval *metav1.Duration     `json:"refreshInterval,omitempty"`
	Data            []externalSecretData `json:"data"`
}

type secretStoreRef struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // SecretStore or ClusterSecretStore
}

type externalSecretTarget struct {
	Name           string `json:"name"`
	CreationPolicy string `json:"creationPolicy,omitempty"` // Owner, Orphan, Merge or None
	DeletionPolicy string `json:"deletionPolicy,omitempty"` // Delete, Merge or Retain
}

type externalSecretData struct {
	SecretKey string    `json:"secretKey"`
	RemoteRef remoteRef `json:"remoteRef"`
}

type remoteRef struct {
	Key string `json:"key"`
}
