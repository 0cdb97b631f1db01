package flux_test

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The External Secrets v1 schema for strict decoding, written for this test
// from the external-secrets.io/v1 API (apis/externalsecrets/v1 of
// external-secrets v2.x: externalsecret_types.go, secretstore_types.go,
// secretstore_aws_types.go, and apis/meta/v1), because that Go module is
// not served by the module proxy. It covers the fields of the kinds the
// generator writes, beyond those it uses, but only the AWS provider: any
// other provider key is unknown here. Fields whose contents the generator
// never writes are typed `any`: they may be present, their structure is
// not checked. Enumerations and required fields, which a JSON decode does
// not check, are checked by check().

func esGVK(kind string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: "external-secrets.io", Version: "v1", Kind: kind}
}

type esExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              esExternalSecretSpec `json:"spec,omitempty"`
	Status            any                  `json:"status,omitempty"`
}

type esExternalSecretSpec struct {
	SecretStoreRef  esSecretStoreRef `json:"secretStoreRef,omitempty"`
	Target          esTarget         `json:"target,omitempty"`
	RefreshPolicy   string           `json:"refreshPolicy,omitempty"`
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`
	Data            []esData         `json:"data,omitempty"`
	DataFrom        []any            `json:"dataFrom,omitempty"`
}

type esSecretStoreRef struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind,omitempty"`
}

type esTarget struct {
	Name           string `json:"name,omitempty"`
	CreationPolicy string `json:"creationPolicy,omitempty"`
	DeletionPolicy string `json:"deletionPolicy,omitempty"`
	Template       any    `json:"template,omitempty"`
	Immutable      bool   `json:"immutable,omitempty"`
}

type esData struct {
	SecretKey string      `json:"secretKey"`
	RemoteRef esRemoteRef `json:"remoteRef"`
	SourceRef any         `json:"sourceRef,omitempty"`
}

type esRemoteRef struct {
	Key                string `json:"key"`
	MetadataPolicy     string `json:"metadataPolicy,omitempty"`
	Property           string `json:"property,omitempty"`
	Version            string `json:"version,omitempty"`
	ConversionStrategy string `json:"conversionStrategy,omitempty"`
	DecodingStrategy   string `json:"decodingStrategy,omitempty"`
}

type esClusterSecretStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              esSecretStoreSpec `json:"spec,omitempty"`
	Status            any               `json:"status,omitempty"`
}

type esSecretStoreSpec struct {
	Controller      string        `json:"controller,omitempty"`
	Provider        *esProvider   `json:"provider"`
	RetrySettings   any           `json:"retrySettings,omitempty"`
	RefreshInterval int           `json:"refreshInterval,omitempty"`
	Conditions      []esCondition `json:"conditions,omitempty"`
}

type esCondition struct {
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	Namespaces        []string              `json:"namespaces,omitempty"`
	NamespaceRegexes  []string              `json:"namespaceRegexes,omitempty"`
}

type esProvider struct {
	AWS *esAWSProvider `json:"aws,omitempty"`
}

type esAWSProvider struct {
	Service           string            `json:"service"`
	Auth              esAWSAuth         `json:"auth,omitempty"`
	Role              string            `json:"role,omitempty"`
	Region            string            `json:"region"`
	AdditionalRoles   []string          `json:"additionalRoles,omitempty"`
	ExternalID        string            `json:"externalID,omitempty"`
	SessionTags       []any             `json:"sessionTags,omitempty"`
	SecretsManager    any               `json:"secretsManager,omitempty"`
	TransitiveTagKeys []string          `json:"transitiveTagKeys,omitempty"`
	SessionTagsPolicy string            `json:"sessionTagsPolicy,omitempty"`
	CustomSessionTags map[string]string `json:"customSessionTags,omitempty"`
	Prefix            string            `json:"prefix,omitempty"`
}

type esAWSAuth struct {
	SecretRef any       `json:"secretRef,omitempty"`
	JWTAuth   *esAWSJWT `json:"jwt,omitempty"`
}

type esAWSJWT struct {
	ServiceAccountRef *esServiceAccountSelector `json:"serviceAccountRef,omitempty"`
}

type esServiceAccountSelector struct {
	Name      string   `json:"name"`
	Namespace *string  `json:"namespace,omitempty"`
	Audiences []string `json:"audiences,omitempty"`
}

func oneOf(field, v string, allowed ...string) error {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("%s: %q is not one of %v", field, v, allowed)
}

func (x *esExternalSecret) check() []error {
	s := x.Spec
	errs := []error{
		oneOf("spec.secretStoreRef.kind", s.SecretStoreRef.Kind, "SecretStore", "ClusterSecretStore"),
		oneOf("spec.target.creationPolicy", s.Target.CreationPolicy, "Owner", "Orphan", "Merge", "None"),
		oneOf("spec.target.deletionPolicy", s.Target.DeletionPolicy, "Delete", "Merge", "Retain"),
		oneOf("spec.refreshPolicy", s.RefreshPolicy, "CreatedOnce", "Periodic", "OnChange"),
	}
	if s.SecretStoreRef.Name == "" {
		errs = append(errs, fmt.Errorf("spec.secretStoreRef.name is empty"))
	}
	if len(s.Data) == 0 && len(s.DataFrom) == 0 {
		errs = append(errs, fmt.Errorf("spec has neither data nor dataFrom"))
	}
	for i, d := range s.Data {
		if d.SecretKey == "" || d.RemoteRef.Key == "" {
			errs = append(errs, fmt.Errorf("spec.data[%d]: secretKey and remoteRef.key are required", i))
		}
	}
	return nonNil(errs)
}

func (x *esClusterSecretStore) check() []error {
	p := x.Spec.Provider
	if p == nil || p.AWS == nil {
		return []error{fmt.Errorf("spec.provider.aws is missing")}
	}
	errs := []error{oneOf("spec.provider.aws.service", p.AWS.Service, "SecretsManager", "ParameterStore")}
	if p.AWS.Service == "" || p.AWS.Region == "" {
		errs = append(errs, fmt.Errorf("spec.provider.aws: service and region are required"))
	}
	if j := p.AWS.Auth.JWTAuth; j != nil && (j.ServiceAccountRef == nil || j.ServiceAccountRef.Name == "") {
		errs = append(errs, fmt.Errorf("spec.provider.aws.auth.jwt.serviceAccountRef.name is required"))
	}
	return nonNil(errs)
}

func nonNil(errs []error) []error {
	return slices.DeleteFunc(errs, func(err error) bool { return err == nil })
}
