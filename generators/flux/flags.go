package flux

import (
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// How a service's flags reach its pods. The service evaluates flagd's file
// format in process (backend/flags), from a ConfigMap mounted as a folder:
// the kubelet refreshes a mounted ConfigMap when it changes (a subPath
// mount would not be), and the provider reloads the file, so a flag flips
// without a restart. In process rather than the operator's flagd sidecar:
// no second container to run, secure and keep up in every pod (Pod
// Security restricted), no admission webhook on the path of every rollout,
// no network hop per evaluation, and the file the service reads is
// byte for byte the file flagd's evaluator is tested on
// (environments/<env>/flags). The FeatureFlag carries the same flags for
// the OpenFeature operator, so `kubectl get featureflags -A` shows what
// each cluster serves, and its FeatureFlagSource lets a workload in another
// language opt into the flagd sidecar with two annotations.
const (
	openFeatureAPIVersion = "core.openfeature.dev/v1beta1"
	flagsVolume           = "flags"
)

// FeatureFlag is the OpenFeature operator's FeatureFlag (v1beta1): a flagd
// flag set as a Kubernetes object. The operator's Go API module cannot be
// resolved here, so these are its fields, checked against its CRD by
// featureflag_schema_test.go.
type FeatureFlag struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              FeatureFlagSpec `json:"spec"`
}

// FeatureFlagSpec holds the flag set.
type FeatureFlagSpec struct {
	FlagSpec FlagSpec `json:"flagSpec"`
}

// FlagSpec is flagd's flags object; the CRD has no per-flag metadata.
type FlagSpec struct {
	Flags map[string]FeatureFlagFlag `json:"flags"`
}

// FeatureFlagFlag is one flag of a FeatureFlag.
type FeatureFlagFlag struct {
	State          string         `json:"state"`
	Variants       map[string]any `json:"variants"`
	DefaultVariant string         `json:"defaultVariant"`
	Targeting      any            `json:"targeting,omitempty"`
}

// FeatureFlagSource says where an injected flagd sidecar reads flags from.
type FeatureFlagSource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              FeatureFlagSourceSpec `json:"spec"`
}

// FeatureFlagSourceSpec lists the sources of a FeatureFlagSource.
type FeatureFlagSourceSpec struct {
	Sources []FlagSource `json:"sources"`
}

// FlagSource is one source: a FeatureFlag, read through the Kubernetes API.
type FlagSource struct {
	Source   string `json:"source"`
	Provider string `json:"provider"`
}

// flags adds the service's flags to its folder: the flagd file as a
// ConfigMap, the FeatureFlag and its FeatureFlagSource.
func (g *envGen) flags(f *folder, v svc) error {
	if len(v.Flags) == 0 {
		return nil
	}
	doc := spec.Flagd(v.Service, g.e.Name)
	data, err := spec.MarshalFlagd(doc)
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	f.add("configmap-flags.yaml", &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: meta(spec.FlagsConfigMap(v.Service), v.ns, v.labels),
		Data:       map[string]string{spec.FlagsFileKey: string(data)},
	})
	ff := &FeatureFlag{
		TypeMeta:   typeMeta(openFeatureAPIVersion, "FeatureFlag"),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec:       FeatureFlagSpec{FlagSpec: FlagSpec{Flags: map[string]FeatureFlagFlag{}}},
	}
	for key, fl := range doc.Flags {
		ff.Spec.FlagSpec.Flags[key] = FeatureFlagFlag{State: fl.State, Variants: fl.Variants, DefaultVariant: fl.DefaultVariant, Targeting: fl.Targeting}
	}
	f.add("featureflag.yaml", ff)
	f.add("featureflagsource.yaml", &FeatureFlagSource{
		TypeMeta:   typeMeta(openFeatureAPIVersion, "FeatureFlagSource"),
		ObjectMeta: meta(v.Name, v.ns, v.labels),
		Spec:       FeatureFlagSourceSpec{Sources: []FlagSource{{Source: v.ns + "/" + v.Name, Provider: "kubernetes"}}},
	})
	return nil
}

// mountFlags mounts the flags ConfigMap read-only into the container and
// names the file in FLAGS_FILE.
func mountFlags(v svc, pod *corev1.PodSpec) {
	if len(v.Flags) == 0 {
		return
	}
	pod.Volumes = append(pod.Volumes, corev1.Volume{Name: flagsVolume, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: spec.FlagsConfigMap(v.Service)}},
	}})
	c := &pod.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: flagsVolume, MountPath: spec.FlagsMountDir, ReadOnly: true})
	c.Env = append(c.Env, corev1.EnvVar{Name: spec.FlagsFileEnv, Value: path.Join(spec.FlagsMountDir, spec.FlagsFileKey)})
	sortEnv(c.Env)
}
