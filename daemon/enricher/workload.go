package enricher

import (
	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/types"

	"github.com/secprofiles/spo/daemon/containerid"
	"github.com/secprofiles/spo/webhooks/recording"
)

// Workload is the container an audit record came from, as the pod index
// knows it.
type Workload struct {
	Namespace, Pod, Container string
	// Recording keys (RecordingKey of the pod and container, for each
	// kind its recording annotations ask for); "" when the container is
	// not recorded that way.
	SeccompKey  string // recording.PrefixLogs
	SELinuxKey  string // recording.PrefixAvcs
	AppArmorKey string // recording.PrefixBpfAppArmor
}

// PodIndex maps a container id (64 hex digits, no runtime:// prefix) to
// its workload. Implementations must be safe for concurrent use.
type PodIndex interface {
	Lookup(containerID string) (Workload, bool)
}

// RecordingKey is the key the collector keeps a recorded container's data
// under, and the one the daemon asks for: the pod's UID and the
// container's name. Not the annotation's value: annotations are their
// user's to write, and two pods carrying one value must not read or reset
// each other's data.
func RecordingKey(podUID types.UID, container string) string {
	return string(podUID) + "/" + container
}

// WorkloadsOf returns, by container id, the workload of every container
// and init container of pod that has an id in its status (the kubelet
// writes it only after the container started).
func WorkloadsOf(pod *corev1.Pod) map[string]Workload {
	keys := recordingKeys(pod)
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

// recordingKeys reads the recording annotations the enricher serves and
// gives each recorded container its keys, by container name. Other
// annotations, and look-alikes the webhook would not have written, are
// ignored.
func recordingKeys(pod *corev1.Pod) map[string]Workload {
	out := map[string]Workload{}
	for k, v := range pod.Annotations {
		a, err := recording.ParseAnnotation(k, v)
		if err != nil {
			continue
		}
		w := out[a.Container]
		key := RecordingKey(pod.UID, a.Container)
		switch a.Prefix {
		case recording.PrefixLogs:
			w.SeccompKey = key
		case recording.PrefixAvcs:
			w.SELinuxKey = key
		case recording.PrefixBpfAppArmor:
			w.AppArmorKey = key
		default:
			continue // recorded by the eBPF recorder alone
		}
		out[a.Container] = w
	}
	return out
}
