package spod

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestRestrictEnv(t *testing.T) {
	has := func(env []corev1.EnvVar) bool {
		return slices.ContainsFunc(env, func(e corev1.EnvVar) bool { return e.Name == "RESTRICT_TO_NAMESPACE" && e.Value == "team-a" })
	}
	spod := Default("spo")
	for _, tc := range []struct {
		name string
		p    Params
		want bool
	}{
		{name: "hands the namespace to the daemon and the webhook server when restricted", p: Params{RestrictNamespace: "team-a"}, want: true},
		{name: "sets nothing when not restricted", p: Params{}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			daemon := DaemonSet(spod, tc.p).Spec.Template.Spec.Containers[0].Env
			webhook := WebhookDeployment(spod, tc.p).Spec.Template.Spec.Containers[0].Env
			if has(daemon) != tc.want || has(webhook) != tc.want {
				t.Errorf("daemon env %v, webhook env %v; want RESTRICT_TO_NAMESPACE: %v", daemon, webhook, tc.want)
			}
		})
	}
}
