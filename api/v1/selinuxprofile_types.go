package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PolicyRefKind says where an inherited SELinux policy comes from.
// +kubebuilder:validation:Enum=System;SelinuxProfile
type PolicyRefKind string

const (
	// PolicyRefSystem is a template shipped with the node's policy
	// (container-selinux's "container", for instance).
	PolicyRefSystem PolicyRefKind = "System"
	// PolicyRefSelinuxProfile is another SelinuxProfile object.
	PolicyRefSelinuxProfile PolicyRefKind = "SelinuxProfile"
)

// PolicyRef names a policy a SelinuxProfile inherits from.
type PolicyRef struct {
	// Kind of the inherited policy.
	// +optional
	// +kubebuilder:default=System
	Kind PolicyRefKind `json:"kind,omitempty"`

	// Name of the inherited policy: a CIL block name, so it starts with a
	// letter and has no dots (the CIL namespace separator).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9_]*[a-z0-9])?$`
	Name string `json:"name"`
}

// SelinuxMode is whether denials are enforced or only logged.
// +kubebuilder:validation:Enum=Enforcing;Permissive
type SelinuxMode string

const (
	// SelinuxEnforcing denies what the policy does not allow.
	SelinuxEnforcing SelinuxMode = "Enforcing"
	// SelinuxPermissive only logs denials.
	SelinuxPermissive SelinuxMode = "Permissive"
)

// LabelKey is an SELinux type; "@self" means the profile's own type.
// +kubebuilder:validation:Pattern=`^(@self|[a-z][a-z0-9_]*)$`
type LabelKey string

// ObjectClassKey is an SELinux object class such as "file" or "tcp_socket".
// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]*$`
type ObjectClassKey string

// PermissionSet lists permissions of one object class; "(class ())" is
// not CIL, so it holds at least one.
// +kubebuilder:validation:MinItems=1
// +kubebuilder:validation:items:Pattern=`^[a-z][a-z0-9_]*$`
type PermissionSet []string

// SelinuxProfileSpec is an SELinux policy module described as allow rules on
// top of inherited templates.
type SelinuxProfileSpec struct {
	ProfileSpecBase `json:",inline"`

	// Inherit lists the policies this one builds on.
	// +optional
	// +kubebuilder:default={{kind: System, name: container}}
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Inherit []PolicyRef `json:"inherit,omitempty"`

	// Mode Permissive makes the profile's type permissive.
	// +optional
	// +kubebuilder:default=Enforcing
	Mode SelinuxMode `json:"mode,omitempty"`

	// Allow maps a target type to object classes to permissions.
	// +optional
	Allow map[LabelKey]map[ObjectClassKey]PermissionSet `json:"allow,omitempty"`
}

// SelinuxProfileStatus reports where the module is installed.
type SelinuxProfileStatus struct {
	ProfileStatusBase `json:",inline"`

	// Usage is the SELinux type to put in a pod's seLinuxOptions.type.
	// +optional
	Usage string `json:"usage,omitempty"`
}

// SelinuxProfile is an SELinux policy module the operator installs on every
// node that runs SELinux.
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z][-a-z0-9]*$')",message="metadata.name must start with a letter and contain no '.': it names the SELinux module (a CIL block)"
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Usage",type=string,JSONPath=`.status.usage`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SelinuxProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SelinuxProfileSpec   `json:"spec,omitempty"`
	Status SelinuxProfileStatus `json:"status,omitempty"`
}

// SelinuxProfileList is a list of SelinuxProfiles.
// +kubebuilder:object:root=true
type SelinuxProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SelinuxProfile `json:"items"`
}

// RawSelinuxProfileSpec carries a CIL policy written by hand.
type RawSelinuxProfileSpec struct {
	ProfileSpecBase `json:",inline"`

	// Policy is the body of the CIL module, which the operator wraps in
	// "(block <name> ...)". It must have balanced parentheses, and each
	// node checks it against an allowlist: blockinherit of allowed
	// templates, declarations of the profile's own types and attributes,
	// and allow/auditallow/dontaudit/neverallow rules whose source is
	// process, socket or an own type; anything else is refused.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1048576
	// +kubebuilder:validation:XValidation:rule="self.replace('(', '').size() == self.replace(')', '').size()",message="policy has unbalanced parentheses"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('(?m)^[^;"\n]*\\(\\s*(allow|auditallow|dontaudit|neverallow)x?\\s+\\.')`,message="policy gives a rule to a global type (a source starting with '.'): a RawSelinuxProfile may only give rules to process, socket and the types it declares"
	Policy string `json:"policy"`
}

// RawSelinuxProfile is an SELinux policy module in raw CIL.
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z][-a-z0-9]*$')",message="metadata.name must start with a letter and contain no '.': it names the SELinux module (a CIL block)"
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Usage",type=string,JSONPath=`.status.usage`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RawSelinuxProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RawSelinuxProfileSpec `json:"spec"`
	Status SelinuxProfileStatus  `json:"status,omitempty"`
}

// RawSelinuxProfileList is a list of RawSelinuxProfiles.
// +kubebuilder:object:root=true
type RawSelinuxProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RawSelinuxProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SelinuxProfile{}, &SelinuxProfileList{}, &RawSelinuxProfile{}, &RawSelinuxProfileList{})
}
