package binding

import (
	corev1 "k8s.io/api/core/v1"
)

// target is where a binding writes: one container, or the pod.
type target struct {
	// init selects spec.initContainers instead of spec.containers.
	init bool
	// index into that list; -1 is the pod's own security context.
	index int
	name  string
}

var podTarget = target{index: -1}

func (t target) isPod() bool { return t.index < 0 }

// String names the target as the warnings do ("container web", "pod").
func (t target) String() string {
	switch {
	case t.isPod():
		return "pod"
	case t.init:
		return "init container " + t.name
	default:
		return "container " + t.name
	}
}

// forEachContainer calls fn for every init container and container, in the
// order the pod lists them. Ephemeral containers cannot exist at CREATE.
func forEachContainer(pod *corev1.Pod, fn func(target, *corev1.Container)) {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		fn(target{init: true, index: i, name: c.Name}, c)
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		fn(target{index: i, name: c.Name}, c)
	}
}

func containerAt(pod *corev1.Pod, t target) *corev1.Container {
	if t.init {
		return &pod.Spec.InitContainers[t.index]
	}
	return &pod.Spec.Containers[t.index]
}

// readSlot returns the target's security-context fields without creating
// anything.
func readSlot(pod *corev1.Pod, t target) slot {
	if t.isPod() {
		return podSlot(pod.Spec.SecurityContext)
	}
	return containerSlot(containerAt(pod, t).SecurityContext)
}

// writableSlot returns the target's security-context fields, creating the
// security context when the pod has none.
func writableSlot(pod *corev1.Pod, t target) slot {
	if t.isPod() {
		if pod.Spec.SecurityContext == nil {
			pod.Spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		return podSlot(pod.Spec.SecurityContext)
	}
	c := containerAt(pod, t)
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	return containerSlot(c.SecurityContext)
}
