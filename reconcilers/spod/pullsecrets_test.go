package spod

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

func TestPullSecretsVolume(t *testing.T) {
	spod := Default(testParams.Namespace)
	spod.Spec.Security.OCIArtifactPullSecrets = []v1.PullSecretReference{{Name: "ghcr"}, {Name: "quay"}}
	ds := DaemonSet(spod, testParams)

	t.Run("each Secret's .dockerconfigjson is projected, optional and root-only, to <name>/config.json", func(t *testing.T) {
		want(t, volumeNames(ds), []string{"seccomp", "state", "sockets", "oci-pull-secrets"})
		vol := ds.Spec.Template.Spec.Volumes[3].Projected
		if vol == nil || ptr.Deref(vol.DefaultMode, 0) != 0o400 {
			t.Fatalf("oci-pull-secrets volume: %+v", ds.Spec.Template.Spec.Volumes[3])
		}
		var got []string
		for _, src := range vol.Sources {
			if src.Secret == nil || !ptr.Deref(src.Secret.Optional, false) || len(src.Secret.Items) != 1 {
				t.Fatalf("projection %+v", src)
			}
			got = append(got, src.Secret.Name+":"+src.Secret.Items[0].Key+"->"+src.Secret.Items[0].Path)
		}
		want(t, got, []string{"ghcr:.dockerconfigjson->ghcr/config.json", "quay:.dockerconfigjson->quay/config.json"})
	})
	t.Run("the daemon alone mounts it, read-only, and is told where", func(t *testing.T) {
		d := container(ds, ContainerDaemon)
		if !slices.Contains(d.Args, "--oci-pull-secrets-dir=/etc/spo/oci-pull-secrets") {
			t.Errorf("daemon args %v", d.Args)
		}
		if !slices.ContainsFunc(d.VolumeMounts, func(m corev1.VolumeMount) bool {
			return m.Name == "oci-pull-secrets" && m.MountPath == "/etc/spo/oci-pull-secrets" && m.ReadOnly
		}) {
			t.Errorf("daemon mounts %+v", d.VolumeMounts)
		}
	})
	t.Run("a SPOD naming no Secret renders neither volume nor flag", func(t *testing.T) {
		plain := DaemonSet(Default(testParams.Namespace), testParams)
		want(t, volumeNames(plain), []string{"seccomp", "state", "sockets"})
		for _, a := range container(plain, ContainerDaemon).Args {
			if strings.HasPrefix(a, "--oci-pull-secrets-dir") {
				t.Errorf("flag %s", a)
			}
		}
	})
}

func TestPullSecretsCondition(t *testing.T) {
	docker := func(name string, data []byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{corev1.DockerConfigJsonKey: data}}
	}
	good := docker("ghcr", ocitest.DockerConfigJSON("robot", "hunter2", "ghcr.io"))
	for _, tc := range []struct {
		sentence string
		names    []string
		found    []*corev1.Secret
		status   metav1.ConditionStatus // "" for no condition
		reason   string
		says     string
	}{{
		sentence: "a SPOD naming no Secret has no condition",
	}, {
		sentence: "usable Secrets make it True, naming the hosts they have credentials for",
		names:    []string{"ghcr"}, found: []*corev1.Secret{good},
		status: metav1.ConditionTrue, reason: ReasonPullSecretsUsable, says: "ghcr (ghcr.io)",
	}, {
		sentence: "a Secret that does not exist makes it False, naming the field and the Secret",
		names:    []string{"ghcr", "quay"}, found: []*corev1.Secret{good},
		status: metav1.ConditionFalse, reason: ReasonPullSecretNotFound,
		says: "spec.security.ociArtifactPullSecrets: Secret security-profiles-operator/quay does not exist",
	}, {
		sentence: "an Opaque Secret makes it False, saying how to create the right type",
		names:    []string{"opaque"}, found: []*corev1.Secret{{ObjectMeta: metav1.ObjectMeta{Name: "opaque"}, Type: corev1.SecretTypeOpaque}},
		status: metav1.ConditionFalse, reason: ReasonPullSecretInvalid, says: "kubectl create secret docker-registry",
	}, {
		sentence: "a docker config without credentials makes it False without quoting it",
		names:    []string{"empty"}, found: []*corev1.Secret{docker("empty", []byte(`{"auths":{"ghcr.io":{"email":"hunter2"}}}`))},
		status: metav1.ConditionFalse, reason: ReasonPullSecretInvalid, says: "Secret security-profiles-operator/empty is unusable: its .dockerconfigjson has an auths entry for ghcr.io that has no credentials",
	}, {
		sentence: "a missing Secret is the reason even when another one is invalid",
		names:    []string{"empty", "gone"}, found: []*corev1.Secret{docker("empty", []byte(`{}`))},
		status: metav1.ConditionFalse, reason: ReasonPullSecretNotFound, says: "empty is unusable: its .dockerconfigjson has no auths entry",
	}} {
		t.Run(tc.sentence, func(t *testing.T) {
			spod := Default(testParams.Namespace)
			spod.Generation = 4
			for _, n := range tc.names {
				spod.Spec.Security.OCIArtifactPullSecrets = append(spod.Spec.Security.OCIArtifactPullSecrets, v1.PullSecretReference{Name: n})
			}
			found := map[string]*corev1.Secret{}
			for _, s := range tc.found {
				found[s.Name] = s
			}
			c := PullSecretsCondition(spod, found)
			if tc.status == "" {
				if c != nil {
					t.Fatalf("got %+v, want no condition", c)
				}
				return
			}
			if c == nil || c.Status != tc.status || c.Reason != tc.reason || c.ObservedGeneration != 4 ||
				!strings.Contains(c.Message, tc.says) || strings.Contains(c.Message, "hunter2") {
				t.Fatalf("got %+v, want %s %s saying %q", c, tc.status, tc.reason, tc.says)
			}
		})
	}
}
