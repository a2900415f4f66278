package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// AppArmorProfileSpec is v1's spec with the older switches: booleans
// disabled and complainMode instead of v1's state and mode.
type AppArmorProfileSpec struct {
	// Disabled removes the profile from nodes but keeps the object.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// Abstract is what the profile allows.
	// +optional
	Abstract v1.AppArmorAbstract `json:"abstract,omitempty"`

	// ComplainMode only logs violations instead of denying them.
	// +optional
	ComplainMode bool `json:"complainMode,omitempty"`
}

// AppArmorProfile is the deprecated v1alpha1 form of an AppArmor profile the
// operator loads on every node that runs AppArmor.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=aa
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha1 AppArmorProfile is deprecated; use v1"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AppArmorProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AppArmorProfileSpec      `json:"spec,omitempty"`
	Status v1.AppArmorProfileStatus `json:"status,omitempty"`
}

// AppArmorProfileList is a list of AppArmorProfiles.
// +kubebuilder:object:root=true
type AppArmorProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AppArmorProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AppArmorProfile{}, &AppArmorProfileList{})
}
