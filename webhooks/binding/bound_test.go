package binding

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestBound(t *testing.T) {
	carrying := newPod(withSC(ctr("web", "nginx"), scWith(localhostSeccomp("operator/x.json"))), ctr("log", "fluentd"))
	podLevel := newPod(ctr("web", "nginx"))
	podLevel.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: localhostSeccomp("operator/x.json")}
	tests := map[string]struct {
		pod     *corev1.Pod
		binding *v1.ProfileBinding
		ref     string
		want    bool
	}{
		"counts a container with the image that carries the reference": {
			pod: carrying, binding: bind("b", "nginx", v1.BindingSeccompProfile, "x"), ref: "operator/x.json", want: true,
		},
		"does not count another container's reference": {
			pod: carrying, binding: bind("b", "fluentd", v1.BindingSeccompProfile, "x"), ref: "operator/x.json",
		},
		"does not count a different reference": {
			pod: carrying, binding: bind("b", "nginx", v1.BindingSeccompProfile, "y"), ref: "operator/y.json",
		},
		"does not count a pod the podSelector excludes": {
			pod: carrying, binding: withSelector(bind("b", "nginx", v1.BindingSeccompProfile, "x"), "app", "db"), ref: "operator/x.json",
		},
		"does not count anything while the reference is unknown": {
			pod: carrying, binding: bind("b", "nginx", v1.BindingSeccompProfile, "x"),
		},
		"counts * on any container that carries the reference": {
			pod: carrying, binding: bind("any", "*", v1.BindingSeccompProfile, "x"), ref: "operator/x.json", want: true,
		},
		"does not count * for a pod-level value, which * never writes": {
			pod: podLevel, binding: bind("any", "*", v1.BindingSeccompProfile, "x"), ref: "operator/x.json",
		},
		"counts an image however the binding spells it": {
			pod: carrying, binding: bind("b", "docker.io/library/nginx:latest", v1.BindingSeccompProfile, "x"), ref: "operator/x.json", want: true,
		},
		"counts an ephemeral container": {
			pod:     withEphemeral(newPod(ctr("web", "nginx")), withSC(ctr("debug", "busybox"), scWith(localhostSeccomp("operator/x.json")))),
			binding: bind("b", "busybox", v1.BindingSeccompProfile, "x"), ref: "operator/x.json", want: true,
		},
		"compares the field of the binding's kind": {
			pod: carrying, binding: bind("b", "nginx", v1.BindingAppArmorProfile, "operator/x.json"), ref: "operator/x.json",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Bound(tc.pod, tc.binding, tc.ref); got != tc.want {
				t.Errorf("Bound = %v, want %v", got, tc.want)
			}
		})
	}
}
