package binding

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Bound reports whether pod carries what b writes, where b writes it: ref
// (the Reference of b's profile) in the field of b's kind, on a container
// (init and ephemeral included) with b's image (compared as ImageKey does),
// or on any container for "*", and b's podSelector matches the pod. It is
// the question the binding-status reconciler asks about admitted pods.
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
	want := ImageKey(b.Spec.Image)
	return slices.ContainsFunc(targets(pod, nil), func(t target) bool {
		return (want == AnyImage || t.image == want) && holds(pod, t, f, ref)
	})
}

// UsesImage reports whether a container of pod (init and ephemeral
// included) runs image, compared as bindings compare images.
func UsesImage(pod *corev1.Pod, image string) bool {
	want := ImageKey(image)
	return slices.ContainsFunc(targets(pod, nil), func(t target) bool { return t.image == want })
}
