package workloads

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/webhooks/recording"
)

// TransformPod strips a pod to the fields the manager's pod readers need, so
// that caching every pod in the cluster stays cheap. Install it as the
// cache's transform for pods:
//
//	cache.Options{ByObject: map[client.Object]cache.ByObject{
//		&corev1.Pod{}: {Transform: workloads.TransformPod},
//	}}
//
// It keeps identity, labels (the binding-status reconciler selects pods by
// them), the recording annotations (the recording-status reconciler counts
// the pods they name; every other annotation is dropped), deletionTimestamp, every security context with the container names
// and images, the phase, and just enough of each container's state for
// MayRun. Objects that are not pods pass through unchanged.
//
// Anything else reading pods through the manager's cache sees the stripped
// pods too; read from the API server (mgr.GetAPIReader) when you need more.
func TransformPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return &corev1.Pod{
		TypeMeta:   pod.TypeMeta,
		ObjectMeta: slimMeta(pod.ObjectMeta),
		Spec:       slimSpec(pod.Spec),
		Status: corev1.PodStatus{
			Phase:                      pod.Status.Phase,
			InitContainerStatuses:      slimStatuses(pod.Status.InitContainerStatuses),
			ContainerStatuses:          slimStatuses(pod.Status.ContainerStatuses),
			EphemeralContainerStatuses: slimStatuses(pod.Status.EphemeralContainerStatuses),
		},
	}, nil
}

func slimMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:              m.Name,
		Namespace:         m.Namespace,
		UID:               m.UID,
		ResourceVersion:   m.ResourceVersion,
		DeletionTimestamp: m.DeletionTimestamp,
		Labels:            m.Labels,
		Annotations:       recordingAnnotations(m.Annotations),
	}
}

// recordingAnnotations keeps only the recording annotations and the
// deprecated AppArmor annotations (a use of an AppArmorProfile); nil when
// there are none, as most pods have.
func recordingAnnotations(in map[string]string) map[string]string {
	var out map[string]string
	for k, v := range in {
		if recording.IsAnnotationKey(k) || strings.HasPrefix(k, appArmorAnnotationPrefix) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

func slimSpec(s corev1.PodSpec) corev1.PodSpec {
	out := corev1.PodSpec{
		SecurityContext: s.SecurityContext,
		InitContainers:  slimContainers(s.InitContainers),
		Containers:      slimContainers(s.Containers),
	}
	for i := range s.EphemeralContainers {
		c := &s.EphemeralContainers[i].EphemeralContainerCommon
		out.EphemeralContainers = append(out.EphemeralContainers, corev1.EphemeralContainer{
			EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: c.Name, Image: c.Image, SecurityContext: c.SecurityContext,
			},
		})
	}
	return out
}

func slimContainers(cs []corev1.Container) []corev1.Container {
	if cs == nil {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i := range cs {
		out[i] = corev1.Container{Name: cs[i].Name, Image: cs[i].Image, SecurityContext: cs[i].SecurityContext}
	}
	return out
}

// slimStatuses keeps which state each container is in. Termination messages
// can be kilobytes per container, and MayRun only asks whether a container
// terminated.
func slimStatuses(ss []corev1.ContainerStatus) []corev1.ContainerStatus {
	if ss == nil {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(ss))
	for i := range ss {
		out[i] = corev1.ContainerStatus{Name: ss[i].Name, State: slimState(ss[i].State)}
	}
	return out
}

func slimState(s corev1.ContainerState) corev1.ContainerState {
	var out corev1.ContainerState
	if s.Waiting != nil {
		out.Waiting = &corev1.ContainerStateWaiting{Reason: s.Waiting.Reason}
	}
	if s.Running != nil {
		out.Running = &corev1.ContainerStateRunning{StartedAt: s.Running.StartedAt}
	}
	if s.Terminated != nil {
		t := s.Terminated
		out.Terminated = &corev1.ContainerStateTerminated{ExitCode: t.ExitCode, Reason: t.Reason, FinishedAt: t.FinishedAt}
	}
	return out
}
