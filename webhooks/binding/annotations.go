package binding

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The deprecated seccomp and AppArmor annotations still matter at CREATE:
// the API server refuses a pod whose annotation and field disagree, and it
// copies a container's AppArmor annotation into an empty field. So an
// AppArmor annotation counts as the container's own value, and an annotation
// next to a field we write is rewritten to agree with it.

const localhostPrefix = "localhost/"

// describe returns the target's current value of f, "" when unset.
func describe(pod *corev1.Pod, t target, f field) string {
	if d := readSlot(pod, t).describe(f); d != "" {
		return d
	}
	if ann, ok := appArmorAnnotation(pod, t, f); ok {
		return describeAppArmorAnnotation(ann)
	}
	return ""
}

// holds reports whether the target already carries value in f.
func holds(pod *corev1.Pod, t target, f field, value string) bool {
	s := readSlot(pod, t)
	if s.holds(f, value) {
		return true
	}
	ann, ok := appArmorAnnotation(pod, t, f)
	return ok && s.describe(f) == "" && ann == localhostPrefix+value
}

// appArmorAnnotation returns a container's AppArmor annotation when f is
// the AppArmor field.
func appArmorAnnotation(pod *corev1.Pod, t target, f field) (string, bool) {
	if f != apparmorField || len(pod.Annotations) == 0 {
		return "", false
	}
	ann, ok := pod.Annotations[corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix+t.name]
	return ann, ok
}

func describeAppArmorAnnotation(ann string) string {
	switch ann {
	case corev1.DeprecatedAppArmorBetaProfileRuntimeDefault:
		return string(corev1.AppArmorProfileTypeRuntimeDefault)
	case corev1.DeprecatedAppArmorBetaProfileNameUnconfined:
		return string(corev1.AppArmorProfileTypeUnconfined)
	}
	if name, ok := strings.CutPrefix(ann, localhostPrefix); ok {
		return name
	}
	return ann
}

// syncAnnotation rewrites the deprecated annotation for the field o wrote,
// when the pod has one. Bindings write containers only, so a pod-level
// annotation is left as it is: the container's field wins over it.
func syncAnnotation(pod *corev1.Pod, o outcome) {
	key := annotationKey(o.target, o.field)
	if _, ok := pod.Annotations[key]; key != "" && ok {
		pod.Annotations[key] = localhostPrefix + o.value
	}
}

func annotationKey(t target, f field) string {
	switch f {
	case seccompField:
		return corev1.SeccompContainerAnnotationKeyPrefix + t.name
	case apparmorField:
		return corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + t.name
	}
	return ""
}
