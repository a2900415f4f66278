package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ProfileBinding is the deprecated v1alpha1 form of a binding that applies
// a profile to the containers of new pods. Its shape never changed, so spec
// and status are v1's own types.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha1 ProfileBinding is deprecated; use v1"
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.profileRef.kind`
// +kubebuilder:printcolumn:name="Profile",type=string,JSONPath=`.spec.profileRef.name`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProfileBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   v1.ProfileBindingSpec   `json:"spec"`
	Status v1.ProfileBindingStatus `json:"status,omitempty"`
}

// ProfileBindingList is a list of ProfileBindings.
// +kubebuilder:object:root=true
type ProfileBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProfileBinding `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ProfileBinding{}, &ProfileBindingList{})
}
