package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProfileBindingKind is the kind of profile a binding applies.
// +kubebuilder:validation:Enum=SeccompProfile;SelinuxProfile;RawSelinuxProfile;AppArmorProfile
type ProfileBindingKind string

// The kinds a binding can apply.
const (
	BindingSeccompProfile    ProfileBindingKind = "SeccompProfile"
	BindingSelinuxProfile    ProfileBindingKind = "SelinuxProfile"
	BindingRawSelinuxProfile ProfileBindingKind = "RawSelinuxProfile"
	BindingAppArmorProfile   ProfileBindingKind = "AppArmorProfile"
)

// ProfileRef names the profile a binding applies.
type ProfileRef struct {
	// Kind of the profile.
	// +kubebuilder:validation:Required
	Kind ProfileBindingKind `json:"kind"`

	// Name of the profile.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ProfileBindingSpec says which containers get which profile.
type ProfileBindingSpec struct {
	// ProfileRef is the profile to apply.
	ProfileRef ProfileRef `json:"profileRef"`

	// Image selects containers by exact image; "*" applies the profile at
	// pod level when no container of the pod matched another binding.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Image string `json:"image"`

	// PodSelector further restricts the binding to matching pods.
	// +optional
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`
}

// ProfileBindingStatus lists the pods the binding applied to.
type ProfileBindingStatus struct {
	// ActiveWorkloads lists the pods ("namespace/name") bound by it.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`
}

// ProfileBinding applies a profile to the containers of new pods.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.profileRef.kind`
// +kubebuilder:printcolumn:name="Profile",type=string,JSONPath=`.spec.profileRef.name`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProfileBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProfileBindingSpec   `json:"spec"`
	Status ProfileBindingStatus `json:"status,omitempty"`
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
