package recorder

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/containerid"
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
// can be collected: the container terminated for good (the kubelet will not
// restart it), the pod ended, or the pod is gone (nil). A container that
// will restart is one recording across its incarnations, collected when
// the pod ends or is deleted.
func Finished(pod *corev1.Pod, container string) bool {
	if pod == nil {
		return true
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return true
	}
	s := containerStatus(pod, container)
	if s == nil || s.State.Terminated == nil {
		return false
	}
	return !willRestart(pod, container, s.State.Terminated.ExitCode)
}

// willRestart applies the kubelet's restart rules to a terminated
// container: ephemeral containers never restart; init containers restart
// if they are sidecars (their own restartPolicy Always) or failed under a
// pod policy other than Never; regular containers follow the pod's policy
// (the API server defaults it to Always).
func willRestart(pod *corev1.Pod, container string, exitCode int32) bool {
	if statusIn(pod.Status.EphemeralContainerStatuses, container) {
		return false
	}
	policy := pod.Spec.RestartPolicy
	if statusIn(pod.Status.InitContainerStatuses, container) {
		for _, c := range pod.Spec.InitContainers {
			if c.Name == container && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				return true
			}
		}
		return policy != corev1.RestartPolicyNever && exitCode != 0
	}
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

func statusIn(list []corev1.ContainerStatus, name string) bool {
	for i := range list {
		if list[i].Name == name {
			return true
		}
	}
	return false
}

// Incarnations returns the runtime ids a container's status names: the
// current one and the one before (lastState), oldest first. A recording
// follows every incarnation the daemon sees.
func Incarnations(pod *corev1.Pod, container string) []string {
	s := containerStatus(pod, container)
	if s == nil {
		return nil
	}
	var ids []string
	if t := s.LastTerminationState.Terminated; t != nil && t.ContainerID != "" {
		ids = append(ids, containerid.Normalize(t.ContainerID))
	}
	for _, id := range []string{s.ContainerID, terminatedID(s)} {
		if id = containerid.Normalize(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func terminatedID(s *corev1.ContainerStatus) string {
	if s.State.Terminated == nil {
		return ""
	}
	return s.State.Terminated.ContainerID
}

// Restarts is the container's restart count in the pod status.
func Restarts(pod *corev1.Pod, container string) int32 {
	if s := containerStatus(pod, container); s != nil {
		return s.RestartCount
	}
	return 0
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
