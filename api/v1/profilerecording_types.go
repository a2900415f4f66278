package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProfileRecordingKind is the kind of profile a recording produces.
// +kubebuilder:validation:Enum=SeccompProfile;SelinuxProfile;AppArmorProfile
type ProfileRecordingKind string

// The kinds a recording can produce.
const (
	RecordingSeccompProfile  ProfileRecordingKind = "SeccompProfile"
	RecordingSelinuxProfile  ProfileRecordingKind = "SelinuxProfile"
	RecordingAppArmorProfile ProfileRecordingKind = "AppArmorProfile"
)

// ProfileRecorder is where recorded activity comes from.
// +kubebuilder:validation:Enum=Logs;Bpf
type ProfileRecorder string

const (
	// RecorderLogs reads kernel audit records.
	RecorderLogs ProfileRecorder = "Logs"
	// RecorderBpf traces the workload with eBPF.
	RecorderBpf ProfileRecorder = "Bpf"
)

// MergeStrategy says whether replicas' profiles are merged.
// +kubebuilder:validation:Enum=None;Containers
type MergeStrategy string

const (
	// MergeNone creates one profile per recorded replica.
	MergeNone MergeStrategy = "None"
	// MergeContainers merges all replicas of a container into one profile
	// when the recording is deleted.
	MergeContainers MergeStrategy = "Containers"
)

// ProfileRecordingSpec selects pods whose containers are recorded.
// +kubebuilder:validation:XValidation:rule="!(self.kind == 'SelinuxProfile' && self.recorder == 'Bpf')",message="kind SelinuxProfile can only be recorded with recorder Logs"
// +kubebuilder:validation:XValidation:rule="!(self.kind == 'AppArmorProfile' && self.recorder == 'Logs')",message="kind AppArmorProfile can only be recorded with recorder Bpf"
type ProfileRecordingSpec struct {
	// Kind of profile to create.
	// +kubebuilder:validation:Required
	Kind ProfileRecordingKind `json:"kind"`

	// Recorder that collects the activity.
	// +kubebuilder:validation:Required
	Recorder ProfileRecorder `json:"recorder"`

	// MergeStrategy Containers merges the profiles of all replicas of a
	// container when the recording is deleted.
	// +optional
	// +kubebuilder:default=None
	MergeStrategy MergeStrategy `json:"mergeStrategy,omitempty"`

	// PodSelector selects the pods to record.
	// +kubebuilder:validation:Required
	PodSelector metav1.LabelSelector `json:"podSelector"`

	// Containers limits recording to these container names; empty records
	// all containers.
	// +optional
	// +listType=set
	Containers []string `json:"containers,omitempty"`

	// DisableProfileAfterRecording creates recorded profiles Disabled.
	// +optional
	DisableProfileAfterRecording bool `json:"disableProfileAfterRecording,omitempty"`
}

// ProfileRecordingStatus lists what is being recorded.
type ProfileRecordingStatus struct {
	// ActiveWorkloads lists the pods being recorded.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`
}

// ProfileRecording records profiles from the pods it selects.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Recorder",type=string,JSONPath=`.spec.recorder`
// +kubebuilder:printcolumn:name="PodSelector",type=string,JSONPath=`.spec.podSelector`,priority=10
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProfileRecording struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProfileRecordingSpec   `json:"spec"`
	Status ProfileRecordingStatus `json:"status,omitempty"`
}

// ProfileRecordingList is a list of ProfileRecordings.
// +kubebuilder:object:root=true
type ProfileRecordingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProfileRecording `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ProfileRecording{}, &ProfileRecordingList{})
}
