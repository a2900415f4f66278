package spod

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/ociartifact"
)

// ConditionOCIArtifactPullSecrets is True when every Secret the SPOD's
// security.ociArtifactPullSecrets names holds registry credentials the
// daemon can use, False (with a Warning Event) when one does not, and
// absent when the SPOD names none.
const ConditionOCIArtifactPullSecrets = "OCIArtifactPullSecrets"

// Reasons of ConditionOCIArtifactPullSecrets.
const (
	ReasonPullSecretsUsable     = "PullSecretsUsable"
	ReasonPullSecretNotFound    = "PullSecretNotFound"
	ReasonPullSecretInvalid     = "PullSecretInvalid"
	ReasonPullSecretsUnreadable = "PullSecretsUnreadable"
)

const ociPullSecretsVolumeName = "oci-pull-secrets"

// ociPullSecretsVolume projects the .dockerconfigjson of each Secret the
// SPOD names to <name>/config.json (ociartifact.PullSecrets' layout), so
// daemons use registry credentials without permission to read Secrets
// (the operator's namespace also holds the webhook's TLS key). Each is
// optional: a missing Secret must not keep every daemon pod from starting,
// which would stop profile installation on every node; the manager
// reports it in ConditionOCIArtifactPullSecrets instead, and the kubelet
// adds the file when the Secret appears.
func ociPullSecretsVolume(refs []v1.PullSecretReference) (corev1.Volume, bool) {
	if len(refs) == 0 {
		return corev1.Volume{}, false
	}
	sources := make([]corev1.VolumeProjection, 0, len(refs))
	for _, ref := range refs {
		sources = append(sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
			LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Optional: ptr.To(true),
			Items: []corev1.KeyToPath{{Key: ociartifact.DockerConfigJSONKey, Path: ref.Name + "/" + ociartifact.DockerConfigFile}},
		}})
	}
	// Read by root only: the daemon runs as root, nothing else in the pod
	// needs passwords.
	return corev1.Volume{Name: ociPullSecretsVolumeName, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{Sources: sources, DefaultMode: ptr.To[int32](0o400)},
	}}, true
}

// ociPullSecretsMount is the daemon container's flag and mount for the
// volume, when the SPOD names Secrets.
func ociPullSecretsMount(s v1.SPODSpec) ([]string, []corev1.VolumeMount) {
	if _, ok := ociPullSecretsVolume(s.Security.OCIArtifactPullSecrets); !ok {
		return nil, nil
	}
	return []string{"--oci-pull-secrets-dir=" + ociartifact.PullSecretsDir},
		[]corev1.VolumeMount{{Name: ociPullSecretsVolumeName, MountPath: ociartifact.PullSecretsDir, ReadOnly: true}}
}

// PullSecretsCondition judges the Secrets the SPOD names, given those
// found (a name missing from found does not exist): nil when it names
// none. The message names Secrets and registry hosts, never credentials.
func PullSecretsCondition(spod *v1.SecurityProfilesOperatorDaemon, found map[string]*corev1.Secret) *metav1.Condition {
	refs := spod.Spec.Security.OCIArtifactPullSecrets
	if len(refs) == 0 {
		return nil
	}
	c := &metav1.Condition{Type: ConditionOCIArtifactPullSecrets, Status: metav1.ConditionTrue,
		Reason: ReasonPullSecretsUsable, ObservedGeneration: spod.Generation}
	var usable, problems []string
	for _, ref := range refs {
		hosts, reason, problem := judgePullSecret(found[ref.Name])
		if problem != "" {
			c.Status, c.Reason = metav1.ConditionFalse, worse(c.Reason, reason)
			problems = append(problems, fmt.Sprintf("Secret %s/%s %s", spod.Namespace, ref.Name, problem))
			continue
		}
		usable = append(usable, fmt.Sprintf("%s (%s)", ref.Name, strings.Join(hosts, ", ")))
	}
	if len(problems) > 0 {
		c.Message = fmt.Sprintf("spec.security.ociArtifactPullSecrets: %s; the daemons pull from its registries without it until it is fixed (the DaemonSet needs no change)",
			strings.Join(problems, "; "))
		return c
	}
	c.Message = "the daemons pull OCI base profiles with the credentials of " + strings.Join(usable, ", ")
	return c
}

// judgePullSecret says what is wrong with one Secret, if anything, and
// else the registry hosts it has credentials for.
func judgePullSecret(s *corev1.Secret) (hosts []string, reason, problem string) {
	if s == nil {
		return nil, ReasonPullSecretNotFound, "does not exist"
	}
	if s.Type != corev1.SecretTypeDockerConfigJson {
		return nil, ReasonPullSecretInvalid, fmt.Sprintf("is of type %q, not %s (create it with kubectl create secret docker-registry)", s.Type, corev1.SecretTypeDockerConfigJson)
	}
	data, ok := s.Data[ociartifact.DockerConfigJSONKey]
	if !ok {
		return nil, ReasonPullSecretInvalid, "has no key " + ociartifact.DockerConfigJSONKey
	}
	hosts, err := ociartifact.CheckDockerConfig(data)
	if err != nil {
		return nil, ReasonPullSecretInvalid, "is unusable: its " + ociartifact.DockerConfigJSONKey + " " + err.Error()
	}
	return hosts, "", ""
}

// worse keeps NotFound over Invalid: a missing Secret is the likelier
// first thing to fix.
func worse(current, next string) string {
	if current == ReasonPullSecretNotFound {
		return current
	}
	return next
}

// pullSecretsCondition reads the Secrets the SPOD names from the API
// server (not a cache: the manager caches only Secrets' metadata, so no
// password sits in its memory longer than this check) and judges them.
func (r *Reconciler) pullSecretsCondition(ctx context.Context, spod *v1.SecurityProfilesOperatorDaemon) *metav1.Condition {
	refs := spod.Spec.Security.OCIArtifactPullSecrets
	if len(refs) == 0 || r.Secrets == nil {
		return PullSecretsCondition(spod, nil)
	}
	found := map[string]*corev1.Secret{}
	for _, ref := range refs {
		s := &corev1.Secret{}
		err := r.Secrets.Get(ctx, types.NamespacedName{Namespace: spod.Namespace, Name: ref.Name}, s)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return &metav1.Condition{Type: ConditionOCIArtifactPullSecrets, Status: metav1.ConditionUnknown,
				Reason: ReasonPullSecretsUnreadable, ObservedGeneration: spod.Generation,
				Message: fmt.Sprintf("reading Secret %s/%s: %v", spod.Namespace, ref.Name, err)}
		default:
			found[ref.Name] = s
		}
	}
	return PullSecretsCondition(spod, found)
}
