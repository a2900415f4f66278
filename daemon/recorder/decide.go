package recorder

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/recording"
)

// recordingPrefixes are the annotation prefixes the webhook sets
// (webhooks/recording), with what each records. The prefix, not the
// ProfileRecording, decides kind and recorder: the webhook prepared the
// container for exactly that (a log-everything profile for Logs), and the
// recording may have been edited since.
var recordingPrefixes = map[string]struct {
	Kind     v1.ProfileRecordingKind
	Recorder v1.ProfileRecorder
}{
	recording.PrefixBpf:         {v1.RecordingSeccompProfile, v1.RecorderBpf},
	recording.PrefixLogs:        {v1.RecordingSeccompProfile, v1.RecorderLogs},
	recording.PrefixAvcs:        {v1.RecordingSelinuxProfile, v1.RecorderLogs},
	recording.PrefixBpfAppArmor: {v1.RecordingAppArmorProfile, v1.RecorderBpf},
}

// Annotations returns the pod's recording annotations, sorted by key, and
// an error for each key with a recording prefix that does not parse.
func Annotations(pod *corev1.Pod) ([]recording.Annotation, []error) {
	var keys []string
	for k := range pod.Annotations {
		if recording.IsAnnotationKey(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []recording.Annotation
	var errs []error
	for _, k := range keys {
		a, err := recording.ParseAnnotation(k, pod.Annotations[k])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, a)
	}
	return out, errs
}

// containerStatus finds a container's status among regular, init and
// ephemeral containers.
func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{
		pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses, pod.Status.EphemeralContainerStatuses,
	} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// Finished reports whether a recorded container is done, so its recording
// can be collected: the container terminated, the pod ended, or the pod is
// gone (nil).
func Finished(pod *corev1.Pod, container string) bool {
	if pod == nil {
		return true
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return true
	}
	s := containerStatus(pod, container)
	return s != nil && s.State.Terminated != nil
}

// ContainerID returns the runtime id of a container from the pod status,
// without the "<runtime>://" scheme, or "" while there is none.
func ContainerID(pod *corev1.Pod, container string) string {
	s := containerStatus(pod, container)
	if s == nil {
		return ""
	}
	id := s.ContainerID
	if i := strings.Index(id, "://"); i >= 0 {
		id = id[i+3:]
	}
	return id
}

// usesBpf reports whether the bpf recorder records st.
func (st *State) usesBpf() bool { return st.Recorder == v1.RecorderBpf }

// usesEnricher reports whether the log enricher holds data for st.
func (st *State) usesEnricher() bool {
	return st.Recorder == v1.RecorderLogs || st.Kind == v1.RecordingAppArmorProfile
}

func (st *State) String() string {
	return fmt.Sprintf("%s/%s container %s (recording %s)", st.Namespace, st.Pod, st.Container, st.Recording)
}
