package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// RawSelinuxProfileSpec is v1's spec with the older on/off switch: a
// boolean disabled instead of v1's state.
type RawSelinuxProfileSpec struct {
	// Disabled removes the module from nodes but keeps the object.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// Policy is the body of the CIL module. It must have balanced
	// parentheses and contain no global statements.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1048576
	// +kubebuilder:validation:XValidation:rule="self.replace('(', '').size() == self.replace(')', '').size()",message="policy has unbalanced parentheses"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('(?m)^[^;"\n]*\\(\\s*(allow|auditallow|dontaudit|neverallow)x?\\s+\\.')`,message="policy gives a rule to a global type (a source starting with '.'): a RawSelinuxProfile may only give rules to process, socket and the types it declares"
	Policy string `json:"policy"`
}

// RawSelinuxProfile is the deprecated v1alpha2 form of an SELinux policy
// module in raw CIL.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha2 RawSelinuxProfile is deprecated; use v1"
// +kubebuilder:printcolumn:name="Usage",type=string,JSONPath=`.status.usage`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RawSelinuxProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RawSelinuxProfileSpec   `json:"spec"`
	Status v1.SelinuxProfileStatus `json:"status,omitempty"`
}

// RawSelinuxProfileList is a list of RawSelinuxProfiles.
// +kubebuilder:object:root=true
type RawSelinuxProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RawSelinuxProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&RawSelinuxProfile{}, &RawSelinuxProfileList{})
}
