package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SecurityProfileNodeStatusSpec is empty in v1alpha1: the node and the
// state sit at the top level of the object, as the Security Profiles
// Operator wrote them before its v1.
type SecurityProfileNodeStatusSpec struct{}

// SecurityProfileNodeStatus is the deprecated v1alpha1 form of one node's
// report on one profile, the form SPO's daemons wrote. Clusters moving from
// SPO have their reports in it; spo reads and writes v1 and converts.
// Unlike v1 it has no status subresource: status is a string here, and SPO's
// writers update it together with the object.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=spns
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha1 SecurityProfileNodeStatus is deprecated; use v1"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.nodeName`,priority=10
type SecurityProfileNodeStatus struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec SecurityProfileNodeStatusSpec `json:"spec,omitempty"`

	// NodeName is the node this status comes from.
	// +kubebuilder:validation:MinLength=1
	NodeName string `json:"nodeName"`

	// Status of the profile on this node.
	// +optional
	Status v1.ProfileState `json:"status,omitempty"`
}

// SecurityProfileNodeStatusList is a list of SecurityProfileNodeStatuses.
// +kubebuilder:object:root=true
type SecurityProfileNodeStatusList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SecurityProfileNodeStatus `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SecurityProfileNodeStatus{}, &SecurityProfileNodeStatusList{})
}
