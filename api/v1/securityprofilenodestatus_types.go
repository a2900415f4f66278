package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SecurityProfileNodeStatusSpec names the node and the profile reported on.
type SecurityProfileNodeStatusSpec struct {
	// NodeName is the node this status comes from.
	// +kubebuilder:validation:MinLength=1
	NodeName string `json:"nodeName"`

	// ProfileKind is the kind of the profile, e.g. SeccompProfile.
	// +optional
	ProfileKind string `json:"profileKind,omitempty"`

	// ProfileName is the name of the profile.
	// +optional
	ProfileName string `json:"profileName,omitempty"`
}

// SecurityProfileNodeStatusStatus is the profile's state on the node.
type SecurityProfileNodeStatusStatus struct {
	// Status of the profile on this node.
	// +optional
	Status ProfileState `json:"status,omitempty"`

	// Reason is a CamelCase word saying why the profile is in Error, or,
	// when Installed, what the node warns about (e.g. UnknownSyscalls).
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message says what went wrong, or what the node skipped, for people.
	// +optional
	Message string `json:"message,omitempty"`

	// Path is the file the node wrote.
	// +optional
	Path string `json:"path,omitempty"`
}

// SecurityProfileNodeStatus is one node's report on one profile. The daemon
// on that node creates it, named <profile>-<node>, and owns it. It has a
// status subresource, as in SPO 1.0, so the daemon creates it and then
// writes its status; it writes only when something changed, so a node that
// stays Installed costs nothing. Its labels are SPO's:
// spo.x-k8s.io/profile-id (<kind>-<profile>), spo.x-k8s.io/node-name,
// spo.x-k8s.io/profile-kind and spo.x-k8s.io/profile-state (the state).
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=spns
// +kubebuilder:storageversion
// +kubebuilder:selectablefield:JSONPath=`.spec.nodeName`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.spec.nodeName`,priority=10
type SecurityProfileNodeStatus struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SecurityProfileNodeStatusSpec   `json:"spec"`
	Status SecurityProfileNodeStatusStatus `json:"status,omitempty"`
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
