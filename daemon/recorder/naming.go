package recorder

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/webhooks/recording"
)

// AnnotationRecordedFrom on a recorded profile says which recording made
// it: "<recording key>/<pod UID>" (RecordedFrom). A recorder that finds its
// own value on a profile it owns knows the work was already done, which is
// what makes collection safe to repeat after a restart. The pod UID is in
// it because the key is the pod's annotation, which its user writes: two
// pods with the same key are two recordings.
const AnnotationRecordedFrom = "spo.x-k8s.io/recorded-from"

// RecordedFrom is the AnnotationRecordedFrom value of st's profile.
func RecordedFrom(st *State) string { return st.Key + "/" + string(st.PodUID) }

// ProfileName is the name of the profile recorded for one container of one
// pod: "<recording>-<container>", plus the part of the pod name generateName
// did not fix for pods from generateName, so replicas of a Deployment never
// collide. Partial profiles (mergeStrategy Containers) of pods without
// generateName get the annotation's nonce instead, for the same reason.
// Pods without generateName and not partial share the bare name: their
// recordings are merged into one profile (DESIGN.md §6.5).
func ProfileName(a recording.Annotation, podName, generateName string, partial bool) string {
	name := a.Recording + "-" + a.Container
	switch {
	case generateName != "" && strings.HasPrefix(podName, generateName) && len(podName) > len(generateName):
		return name + "-" + podName[len(generateName):]
	case partial:
		return name + "-" + a.Nonce
	}
	return name
}

// CheckNames refuses recordings whose profile could not be created or
// labelled: label values (the recording name goes into LabelRecording) are
// at most 63 characters, and the profile name must be a DNS subdomain.
func CheckNames(a recording.Annotation, profile string) error {
	if errs := validation.IsValidLabelValue(a.Recording); len(errs) > 0 {
		return fmt.Errorf("recording name %q cannot be a label value: %s", a.Recording, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Subdomain(profile); len(errs) > 0 {
		return fmt.Errorf("profile name %q is not valid: %s", profile, strings.Join(errs, "; "))
	}
	return nil
}

// ProfileLabels are the labels of the recordingmerger contract, and the
// recording's UID (v1.LabelRecordingUID) that marks the profile as made by
// that very ProfileRecording.
func ProfileLabels(st *State) map[string]string {
	l := map[string]string{
		recordingmerger.LabelRecording:          st.Recording,
		recordingmerger.LabelRecordingNamespace: st.Namespace,
		recordingmerger.LabelContainer:          st.Container,
		v1.LabelRecordingUID:                    string(st.RecordingUID),
		// SPO's names for the recording and the container.
		v1.LabelRecordingID: st.Recording,
		v1.LabelContainerID: st.Container,
	}
	if st.Partial {
		l[v1.LabelPartial] = "true"
	}
	return l
}

// Owned reports whether labels say a profile was created by the same
// ProfileRecording (namespace, name and UID) for the same container: only
// such a profile may be extended by another replica's recording. The UID
// keeps a recording from adopting a profile written by hand with copied
// labels, or left by an earlier recording of the same name.
func Owned(labels map[string]string, st *State) bool {
	return st.RecordingUID != "" &&
		labels[v1.LabelRecordingUID] == string(st.RecordingUID) &&
		labels[recordingmerger.LabelRecording] == st.Recording &&
		labels[recordingmerger.LabelRecordingNamespace] == st.Namespace &&
		labels[recordingmerger.LabelContainer] == st.Container
}
