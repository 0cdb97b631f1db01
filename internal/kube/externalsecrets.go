package kube

// External Secrets Operator's objects (external-secrets.io/v1). The
// project's Go API module is published only as a nested module that the
// module proxy does not serve.

// ExternalSecretsAPIVersion is the API version of every External Secrets
// object the generators write.
const ExternalSecretsAPIVersion = "external-secrets.io/v1"

// Policies of an ExternalSecret's target Secret.
const (
	CreationOwner  = "Owner"  // the ExternalSecret owns the Secret it makes
	DeletionRetain = "Retain" // a secret gone from the provider leaves the Secret as it was
)

// ExternalSecret copies values of a provider's secret into a Secret.
type ExternalSecret struct {
	APIVersion string             `json:"apiVersion" yaml:"apiVersion"`
	Kind       string             `json:"kind" yaml:"kind"`
	Metadata   ObjectMeta         `json:"metadata" yaml:"metadata"`
	Spec       ExternalSecretSpec `json:"spec" yaml:"spec"`
}

// NewExternalSecret is an ExternalSecret with its type filled in.
func NewExternalSecret(meta ObjectMeta, spec ExternalSecretSpec) *ExternalSecret {
	return &ExternalSecret{APIVersion: ExternalSecretsAPIVersion, Kind: "ExternalSecret", Metadata: meta, Spec: spec}
}

// ExternalSecretSpec copies single keys (Data) or whole JSON objects
// (DataFrom) of the store's secrets.
type ExternalSecretSpec struct {
	RefreshInterval string               `json:"refreshInterval,omitempty" yaml:"refreshInterval,omitempty"`
	SecretStoreRef  SecretStoreRef       `json:"secretStoreRef" yaml:"secretStoreRef"`
	Target          ExternalSecretTarget `json:"target" yaml:"target"`
	Data            []ExternalSecretData `json:"data,omitempty" yaml:"data,omitempty"`
	DataFrom        []ExternalSecretFrom `json:"dataFrom,omitempty" yaml:"dataFrom,omitempty"`
}

// SecretStoreRef names the store an ExternalSecret reads through.
type SecretStoreRef struct {
	Kind string `json:"kind" yaml:"kind"` // SecretStore or ClusterSecretStore
	Name string `json:"name" yaml:"name"`
}

// ClusterStore refers to the ClusterSecretStore name.
func ClusterStore(name string) SecretStoreRef {
	return SecretStoreRef{Kind: "ClusterSecretStore", Name: name}
}

// ExternalSecretTarget is the Secret an ExternalSecret makes.
type ExternalSecretTarget struct {
	Name           string `json:"name" yaml:"name"`
	CreationPolicy string `json:"creationPolicy,omitempty" yaml:"creationPolicy,omitempty"` // Owner, Orphan, Merge or None
	DeletionPolicy string `json:"deletionPolicy,omitempty" yaml:"deletionPolicy,omitempty"` // Delete, Merge or Retain
}

// ExternalSecretData copies one secret of the store into key SecretKey.
type ExternalSecretData struct {
	SecretKey string    `json:"secretKey" yaml:"secretKey"`
	RemoteRef RemoteRef `json:"remoteRef" yaml:"remoteRef"`
}

// ExternalSecretFrom copies every key of a JSON secret of the store.
type ExternalSecretFrom struct {
	Extract RemoteRef `json:"extract" yaml:"extract"`
}

// RemoteRef names a secret of the store.
type RemoteRef struct {
	Key string `json:"key" yaml:"key"`
}

// ClusterSecretStore is a store every namespace its conditions allow may
// read through.
type ClusterSecretStore struct {
	APIVersion string          `json:"apiVersion" yaml:"apiVersion"`
	Kind       string          `json:"kind" yaml:"kind"`
	Metadata   ObjectMeta      `json:"metadata" yaml:"metadata"`
	Spec       SecretStoreSpec `json:"spec" yaml:"spec"`
}

// NewClusterSecretStore is a ClusterSecretStore with its type filled in.
func NewClusterSecretStore(name string, spec SecretStoreSpec) *ClusterSecretStore {
	return &ClusterSecretStore{APIVersion: ExternalSecretsAPIVersion, Kind: "ClusterSecretStore", Metadata: ObjectMeta{Name: name}, Spec: spec}
}

type SecretStoreSpec struct {
	Provider   SecretStoreProvider `json:"provider" yaml:"provider"`
	Conditions []StoreCondition    `json:"conditions,omitempty" yaml:"conditions,omitempty"`
}

// StoreCondition limits which namespaces may read through a cluster store.
type StoreCondition struct {
	Namespaces []string `json:"namespaces,omitempty" yaml:"namespaces,omitempty"`
}

type SecretStoreProvider struct {
	AWS *AWSProvider `json:"aws,omitempty" yaml:"aws,omitempty"`
}

type AWSProvider struct {
	Service string  `json:"service" yaml:"service"` // SecretsManager or ParameterStore
	Region  string  `json:"region" yaml:"region"`
	Auth    AWSAuth `json:"auth" yaml:"auth"`
}

type AWSAuth struct {
	JWT *AWSJWTAuth `json:"jwt,omitempty" yaml:"jwt,omitempty"`
}

// AWSJWTAuth authenticates with a token of a ServiceAccount whose IRSA
// role annotation names the role to assume.
type AWSJWTAuth struct {
	ServiceAccountRef *ServiceAccountRef `json:"serviceAccountRef" yaml:"serviceAccountRef"`
}

type ServiceAccountRef struct {
	Name      string  `json:"name" yaml:"name"`
	Namespace *string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
}
