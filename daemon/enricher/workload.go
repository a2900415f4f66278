package enricher

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/secprofiles/spo/daemon/containerid"
	"github.com/secprofiles/spo/webhooks/recording"
)

// Workload is the container an audit record came from, as the pod index
// knows it.
type Workload struct {
	Namespace, Pod, Container string
	// Recording keys (values of the pod's recording annotations for this
	// container); "" when the container is not recorded that way.
	SeccompKey  string // recording.PrefixLogs
	SELinuxKey  string // recording.PrefixAvcs
	AppArmorKey string // recording.PrefixBpfAppArmor
}

// PodIndex maps a container id (64 hex digits, no runtime:// prefix) to
// its workload. Implementations must be safe for concurrent use.
type PodIndex interface {
	Lookup(containerID string) (Workload, bool)
}

// WorkloadsOf returns, by container id, the workload of every container
// and init container of pod that has an id in its status (the kubelet
// writes it only after the container started).
func WorkloadsOf(pod *corev1.Pod) map[string]Workload {
	keys := recordingKeys(pod.Annotations)
	out := map[string]Workload{}
	for _, statuses := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, st := range statuses {
			if st.ContainerID == "" {
				continue
			}
			w := keys[st.Name]
			w.Namespace, w.Pod, w.Container = pod.Namespace, pod.Name, st.Name
			out[containerid.Normalize(st.ContainerID)] = w
		}
	}
	return out
}

// recordingKeys reads the recording annotations the enricher serves, by
// container name. Other annotations, and look-alikes the webhook would
// not have written, are ignored.
func recordingKeys(annotations map[string]string) map[string]Workload {
	out := map[string]Workload{}
	for k, v := range annotations {
		a, err := recording.ParseAnnotation(k, v)
		if err != nil {
			continue
		}
		w := out[a.Container]
		switch a.Prefix {
		case recording.PrefixLogs:
			w.SeccompKey = v
		case recording.PrefixAvcs:
			w.SELinuxKey = v
		case recording.PrefixBpfAppArmor:
			w.AppArmorKey = v
		default:
			continue // recorded by the eBPF recorder alone
		}
		out[a.Container] = w
	}
	return out
}
