package binding

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podView is the part of a pod the decisions read: its metadata, and each
// container's name, image and security context. Decoding only these skips
// the reflection and allocations of every other field of a Container (a
// large struct), which made decoding the biggest cost of a pod with many
// containers. The patch is built from the decisions, so nothing needs the
// rest of the pod.
type podView struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		InitContainers      []containerView `json:"initContainers"`
		Containers          []containerView `json:"containers"`
		EphemeralContainers []containerView `json:"ephemeralContainers"`
	} `json:"spec"`
}

type containerView struct {
	Name            string                  `json:"name"`
	Image           string                  `json:"image"`
	SecurityContext *corev1.SecurityContext `json:"securityContext"`
}

// decodePod decodes raw into a Pod that holds only what podView reads.
func decodePod(raw []byte) (*corev1.Pod, error) {
	var v podView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decoding pod: %w", err)
	}
	pod := &corev1.Pod{ObjectMeta: v.ObjectMeta}
	pod.Spec.InitContainers = containersOf(v.Spec.InitContainers)
	pod.Spec.Containers = containersOf(v.Spec.Containers)
	if n := len(v.Spec.EphemeralContainers); n > 0 {
		pod.Spec.EphemeralContainers = make([]corev1.EphemeralContainer, n)
		for i, c := range v.Spec.EphemeralContainers {
			e := &pod.Spec.EphemeralContainers[i]
			e.Name, e.Image, e.SecurityContext = c.Name, c.Image, c.SecurityContext
		}
	}
	return pod, nil
}

func containersOf(views []containerView) []corev1.Container {
	if len(views) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(views))
	for i := range views {
		// Field by field: a composite literal would copy the whole
		// (large) Container once more per container.
		out[i].Name, out[i].Image, out[i].SecurityContext = views[i].Name, views[i].Image, views[i].SecurityContext
	}
	return out
}
