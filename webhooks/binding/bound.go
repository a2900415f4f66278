package binding

import (
	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Bound reports whether pod carries what b writes, where b writes it: ref
// (the Reference of b's profile) in the field of b's kind, on a container
// with b's image, or in the pod's security context for "*", and b's
// podSelector matches the pod. It is the question the binding-status
// reconciler asks about admitted pods.
//
// It does not ask whether b won against other bindings: a pod carrying the
// value is bound by every binding that writes it.
func Bound(pod *corev1.Pod, b *v1.ProfileBinding, ref string) bool {
	f, ok := fieldOf(b.Spec.ProfileRef.Kind)
	if !ok || ref == "" {
		return false
	}
	if selected, err := selects(b, pod); err != nil || !selected {
		return false
	}
	if b.Spec.Image == AnyImage {
		return holds(pod, podTarget, f, ref)
	}
	bound := false
	forEachContainer(pod, func(t target, c *corev1.Container) {
		bound = bound || (c.Image == b.Spec.Image && holds(pod, t, f, ref))
	})
	return bound
}
