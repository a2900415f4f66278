package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AppArmorMode is whether violations are denied or only logged.
// +kubebuilder:validation:Enum=Enforce;Complain
type AppArmorMode string

const (
	// AppArmorEnforce denies what the profile does not allow.
	AppArmorEnforce AppArmorMode = "Enforce"
	// AppArmorComplain only logs violations.
	AppArmorComplain AppArmorMode = "Complain"
)

// daemon/apparmor's Validate applies the same grammar as the pattern below,
// and its tests compare the two.

// AppArmorPath is an absolute path or AppArmor glob (apparmor.d(5)). It may
// not contain control characters or '"'; a backslash escapes one
// character; ',' may only separate {a,b} alternatives, whose braces must be
// balanced and not nested. Paths with spaces are quoted in the policy.
// +kubebuilder:validation:Pattern=`^/([^\x00-\x1f\x7f"\\,{}]|\\[^\x00-\x1f\x7f"]|\{([^\x00-\x1f\x7f"\\{}]|\\[^\x00-\x1f\x7f"])*\})*$`
// +kubebuilder:validation:MaxLength=4096
type AppArmorPath string

// AppArmorExecutablesRules lists what may be executed and mapped.
type AppArmorExecutablesRules struct {
	// AllowedExecutables may be executed.
	// +optional
	// +listType=set
	AllowedExecutables []AppArmorPath `json:"allowedExecutables,omitempty"`
	// AllowedLibraries may be mapped as code.
	// +optional
	// +listType=set
	AllowedLibraries []AppArmorPath `json:"allowedLibraries,omitempty"`
}

// AppArmorFsRules lists file access.
type AppArmorFsRules struct {
	// ReadOnlyPaths may be read.
	// +optional
	// +listType=set
	ReadOnlyPaths []AppArmorPath `json:"readOnlyPaths,omitempty"`
	// WriteOnlyPaths may be written.
	// +optional
	// +listType=set
	WriteOnlyPaths []AppArmorPath `json:"writeOnlyPaths,omitempty"`
	// ReadWritePaths may be read and written.
	// +optional
	// +listType=set
	ReadWritePaths []AppArmorPath `json:"readWritePaths,omitempty"`
}

// AppArmorAllowedProtocols lists network protocols.
type AppArmorAllowedProtocols struct {
	// AllowTCP allows TCP sockets.
	// +optional
	AllowTCP *bool `json:"allowTcp,omitempty"`
	// AllowUDP allows UDP sockets.
	// +optional
	AllowUDP *bool `json:"allowUdp,omitempty"`
}

// AppArmorNetworkRules lists network access.
type AppArmorNetworkRules struct {
	// AllowRaw allows raw sockets.
	// +optional
	AllowRaw *bool `json:"allowRaw,omitempty"`
	// AllowedProtocols lists the allowed protocols.
	// +optional
	Protocols *AppArmorAllowedProtocols `json:"allowedProtocols,omitempty"`
}

// AppArmorCapabilityRules lists Linux capabilities.
type AppArmorCapabilityRules struct {
	// AllowedCapabilities, lower case without CAP_, e.g. "net_bind_service":
	// the kernel's capability names, as apparmor.d(5) spells them.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:Enum=chown;dac_override;dac_read_search;fowner;fsetid;kill;setgid;setuid;setpcap;linux_immutable;net_bind_service;net_broadcast;net_admin;net_raw;ipc_lock;ipc_owner;sys_module;sys_rawio;sys_chroot;sys_ptrace;sys_pacct;sys_admin;sys_boot;sys_nice;sys_resource;sys_time;sys_tty_config;mknod;lease;audit_write;audit_control;setfcap;mac_override;mac_admin;syslog;wake_alarm;block_suspend;audit_read;perfmon;bpf;checkpoint_restore
	AllowedCapabilities []string `json:"allowedCapabilities,omitempty"`
}

// AppArmorAbstract describes a profile by what it allows.
type AppArmorAbstract struct {
	// +optional
	Executable *AppArmorExecutablesRules `json:"executable,omitempty"`
	// +optional
	Filesystem *AppArmorFsRules `json:"filesystem,omitempty"`
	// +optional
	Network *AppArmorNetworkRules `json:"network,omitempty"`
	// +optional
	Capability *AppArmorCapabilityRules `json:"capability,omitempty"`
}

// AppArmorProfileSpec describes an AppArmor profile.
type AppArmorProfileSpec struct {
	ProfileSpecBase `json:",inline"`

	// Abstract is what the profile allows.
	// +optional
	Abstract AppArmorAbstract `json:"abstract,omitempty"`

	// Mode Complain only logs violations.
	// +optional
	// +kubebuilder:default=Enforce
	Mode AppArmorMode `json:"mode,omitempty"`
}

// AppArmorProfileStatus reports where the profile is loaded.
type AppArmorProfileStatus struct {
	ProfileStatusBase `json:",inline"`
}

// AppArmorProfile is an AppArmor profile the operator loads on every node
// that runs AppArmor.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=aa
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// The container runtimes' own profiles (daemon/apparmor.RuntimeProfiles)
// are not names an AppArmorProfile may take: loading one would replace the
// policy of every container that runs under it.
// +kubebuilder:validation:XValidation:rule="!(self.metadata.name in ['docker-default', 'crio-default', 'cri-containerd.apparmor.d', 'unconfined'])",message="metadata.name: docker-default, crio-default, cri-containerd.apparmor.d and unconfined are container runtimes' AppArmor profiles and cannot be AppArmorProfile names"
type AppArmorProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AppArmorProfileSpec   `json:"spec,omitempty"`
	Status AppArmorProfileStatus `json:"status,omitempty"`
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
