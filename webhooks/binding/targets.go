package binding

import (
	corev1 "k8s.io/api/core/v1"
)

// containerKind is which list of the pod spec a container is in.
type containerKind int

const (
	regularContainer containerKind = iota
	initContainer
	ephemeralContainer
)

// target is a container a binding may write to.
type target struct {
	kind  containerKind
	index int // into the list of its kind
	name  string
	// image is the container's ImageKey, computed once per request.
	image string
}

// String names the target as the warnings do ("container web").
func (t target) String() string {
	switch t.kind {
	case initContainer:
		return "init container " + t.name
	case ephemeralContainer:
		return "ephemeral container " + t.name
	default:
		return "container " + t.name
	}
}

// targets returns the containers of pod that this admission decides, in the
// order the pod lists them: at CREATE (old is nil) every init, regular and
// ephemeral container; when ephemeral containers are added (old is the pod
// before), only the ephemeral containers old does not have, because the API
// server refuses any change to the others. Image keys are computed once per
// distinct image, so a pod costs one parse per image, not per container.
func targets(pod, old *corev1.Pod) []target {
	keys := map[string]string{}
	key := func(image string) string {
		k, ok := keys[image]
		if !ok {
			k = ImageKey(image)
			keys[image] = k
		}
		return k
	}
	var out []target
	if old == nil {
		out = make([]target, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers)+len(pod.Spec.EphemeralContainers))
		for i, c := range pod.Spec.InitContainers {
			out = append(out, target{kind: initContainer, index: i, name: c.Name, image: key(c.Image)})
		}
		for i, c := range pod.Spec.Containers {
			out = append(out, target{kind: regularContainer, index: i, name: c.Name, image: key(c.Image)})
		}
	}
	existing := make(map[string]bool, len(oldEphemeral(old)))
	for _, c := range oldEphemeral(old) {
		existing[c.Name] = true
	}
	for i, c := range pod.Spec.EphemeralContainers {
		if !existing[c.Name] {
			out = append(out, target{kind: ephemeralContainer, index: i, name: c.Name, image: key(c.Image)})
		}
	}
	return out
}

func oldEphemeral(old *corev1.Pod) []corev1.EphemeralContainer {
	if old == nil {
		return nil
	}
	return old.Spec.EphemeralContainers
}

// containerAt returns the target's container. An ephemeral container's
// common part has the same fields as a Container, which lets every
// decision treat the three kinds alike.
func containerAt(pod *corev1.Pod, t target) *corev1.Container {
	switch t.kind {
	case initContainer:
		return &pod.Spec.InitContainers[t.index]
	case ephemeralContainer:
		return (*corev1.Container)(&pod.Spec.EphemeralContainers[t.index].EphemeralContainerCommon)
	default:
		return &pod.Spec.Containers[t.index]
	}
}

// readSlot returns the target's security-context fields without creating
// anything.
func readSlot(pod *corev1.Pod, t target) slot {
	return containerSlot(containerAt(pod, t).SecurityContext)
}

// writableSlot returns the target's security-context fields, creating the
// security context when the container has none.
func writableSlot(pod *corev1.Pod, t target) slot {
	c := containerAt(pod, t)
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	return containerSlot(c.SecurityContext)
}
