package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ProfileRecording is the deprecated v1alpha1 form of a recording of
// profiles from the pods it selects. Its shape never changed, so spec and
// status are v1's own types.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha1 ProfileRecording is deprecated; use v1"
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Recorder",type=string,JSONPath=`.spec.recorder`
// +kubebuilder:printcolumn:name="PodSelector",type=string,JSONPath=`.spec.podSelector`,priority=10
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProfileRecording struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   v1.ProfileRecordingSpec   `json:"spec"`
	Status v1.ProfileRecordingStatus `json:"status,omitempty"`
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
