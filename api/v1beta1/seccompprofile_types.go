package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SeccompProfileSpec is v1's spec with the older on/off switch: a boolean
// disabled instead of v1's state.
// +kubebuilder:validation:XValidation:rule="!has(self.listenerMetadata) || has(self.listenerPath)",message="listenerMetadata needs listenerPath"
type SeccompProfileSpec struct {
	// Disabled removes the profile from nodes but keeps the object.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// BaseProfileName names another SeccompProfile whose rules this profile
	// extends, or an OCI artifact (oci://REGISTRY/REPOSITORY[:TAG][@DIGEST]).
	// Chains may be at most 15 profiles deep and must not loop.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`self.startsWith('oci://') ? self.matches('^oci://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?/[a-z0-9]+([._/-][a-z0-9]+|__[a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$') : (size(self) <= 253 && self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))`,message="baseProfileName must be the name of a SeccompProfile (a lowercase RFC 1123 subdomain of at most 253 characters) or an OCI artifact reference oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]"
	BaseProfileName string `json:"baseProfileName,omitempty"`

	// DefaultAction applies to every syscall no rule matches.
	// +kubebuilder:validation:Required
	DefaultAction v1.SeccompAction `json:"defaultAction"`

	// Architectures the filter covers; empty means the node's native one.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=24
	Architectures []v1.SeccompArch `json:"architectures,omitempty"`

	// ListenerPath is the Unix socket a seccomp agent listens on for
	// SCMP_ACT_NOTIFY.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:Pattern=`^/`
	ListenerPath string `json:"listenerPath,omitempty"`

	// ListenerMetadata is passed to the seccomp agent as is.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	ListenerMetadata string `json:"listenerMetadata,omitempty"`

	// Syscalls are the rules, checked in order.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=4096
	Syscalls []v1.SeccompSyscall `json:"syscalls,omitempty"`

	// Flags passed to seccomp(2) when the filter is loaded.
	// +optional
	// +listType=set
	Flags []v1.SeccompFlag `json:"flags,omitempty"`
}

// SeccompProfile is the deprecated v1beta1 form of a seccomp filter the
// operator installs on every node.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=sp
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1beta1 SeccompProfile is deprecated; use v1"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="LocalhostProfile",type=string,JSONPath=`.status.localhostProfile`,priority=10
// +kubebuilder:validation:XValidation:rule="!has(self.spec.baseProfileName) || self.spec.baseProfileName != self.metadata.name",message="must not name the profile itself",fieldPath=".spec.baseProfileName"
type SeccompProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SeccompProfileSpec      `json:"spec"`
	Status v1.SeccompProfileStatus `json:"status,omitempty"`
}

// SeccompProfileList is a list of SeccompProfiles.
// +kubebuilder:object:root=true
type SeccompProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SeccompProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SeccompProfile{}, &SeccompProfileList{})
}
