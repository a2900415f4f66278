package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SelinuxProfileSpec is v1's spec with the older switches: booleans
// disabled and permissive instead of v1's state and mode.
type SelinuxProfileSpec struct {
	// Disabled removes the module from nodes but keeps the object.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// Inherit lists the policies this one builds on.
	// +optional
	// +kubebuilder:default={{kind: System, name: container}}
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Inherit []v1.PolicyRef `json:"inherit,omitempty"`

	// Permissive makes the profile's type permissive: denials are only
	// logged.
	// +optional
	Permissive bool `json:"permissive,omitempty"`

	// Allow maps a target type to object classes to permissions.
	// +optional
	Allow map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet `json:"allow,omitempty"`
}

// SelinuxProfile is the deprecated v1alpha2 form of an SELinux policy module
// the operator installs on every node that runs SELinux.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha2 SelinuxProfile is deprecated; use v1"
// +kubebuilder:printcolumn:name="Usage",type=string,JSONPath=`.status.usage`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SelinuxProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SelinuxProfileSpec      `json:"spec,omitempty"`
	Status v1.SelinuxProfileStatus `json:"status,omitempty"`
}

// SelinuxProfileList is a list of SelinuxProfiles.
// +kubebuilder:object:root=true
type SelinuxProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SelinuxProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SelinuxProfile{}, &SelinuxProfileList{})
}
