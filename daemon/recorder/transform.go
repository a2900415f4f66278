package recorder

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/webhooks/recording"
)

// TransformPod keeps what the recorder reads of a pod: identity,
// generateName (profile names), the recording annotations, the names of
// its containers (a recording must name one) and restart policies, the
// phase and each container's ids (current and last) and whether it
// terminated. The daemon caches only its
// node's pods, and this keeps even those small.
func TransformPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	var annotations map[string]string
	for k, v := range pod.Annotations {
		if recording.IsAnnotationKey(k) {
			if annotations == nil {
				annotations = map[string]string{}
			}
			annotations[k] = v
		}
	}
	return &corev1.Pod{
		TypeMeta: pod.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID, GenerateName: pod.GenerateName,
			ResourceVersion: pod.ResourceVersion, DeletionTimestamp: pod.DeletionTimestamp,
			Annotations: annotations,
		},
		Spec: corev1.PodSpec{
			NodeName:            pod.Spec.NodeName,
			RestartPolicy:       pod.Spec.RestartPolicy,
			Containers:          slimContainers(pod.Spec.Containers),
			InitContainers:      slimContainers(pod.Spec.InitContainers),
			EphemeralContainers: slimEphemeral(pod.Spec.EphemeralContainers),
		},
		Status: corev1.PodStatus{
			Phase:                      pod.Status.Phase,
			ContainerStatuses:          slimStatuses(pod.Status.ContainerStatuses),
			InitContainerStatuses:      slimStatuses(pod.Status.InitContainerStatuses),
			EphemeralContainerStatuses: slimStatuses(pod.Status.EphemeralContainerStatuses),
		},
	}, nil
}

func slimContainers(cs []corev1.Container) []corev1.Container {
	if cs == nil {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i := range cs {
		out[i].Name, out[i].RestartPolicy = cs[i].Name, cs[i].RestartPolicy
	}
	return out
}

func slimEphemeral(cs []corev1.EphemeralContainer) []corev1.EphemeralContainer {
	if cs == nil {
		return nil
	}
	out := make([]corev1.EphemeralContainer, len(cs))
	for i := range cs {
		out[i].Name = cs[i].Name
	}
	return out
}

func slimStatuses(ss []corev1.ContainerStatus) []corev1.ContainerStatus {
	if ss == nil {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(ss))
	for i, s := range ss {
		out[i] = corev1.ContainerStatus{Name: s.Name, ContainerID: s.ContainerID, RestartCount: s.RestartCount}
		if t := s.LastTerminationState.Terminated; t != nil {
			out[i].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{
				ExitCode: t.ExitCode, ContainerID: t.ContainerID,
			}
		}
		if s.State.Terminated != nil {
			out[i].State.Terminated = &corev1.ContainerStateTerminated{
				ExitCode: s.State.Terminated.ExitCode, ContainerID: s.State.Terminated.ContainerID,
			}
		}
		if s.State.Running != nil {
			out[i].State.Running = &corev1.ContainerStateRunning{}
		}
	}
	return out
}
