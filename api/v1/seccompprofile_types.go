package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SeccompAction is what the kernel does when a syscall matches (or, as the
// default action, when no rule matches).
// +kubebuilder:validation:Enum=SCMP_ACT_KILL;SCMP_ACT_KILL_PROCESS;SCMP_ACT_KILL_THREAD;SCMP_ACT_TRAP;SCMP_ACT_ERRNO;SCMP_ACT_TRACE;SCMP_ACT_ALLOW;SCMP_ACT_LOG;SCMP_ACT_NOTIFY
type SeccompAction string

// The seccomp actions, named as in the OCI runtime specification.
const (
	ActKill        SeccompAction = "SCMP_ACT_KILL"
	ActKillProcess SeccompAction = "SCMP_ACT_KILL_PROCESS"
	ActKillThread  SeccompAction = "SCMP_ACT_KILL_THREAD"
	ActTrap        SeccompAction = "SCMP_ACT_TRAP"
	ActErrno       SeccompAction = "SCMP_ACT_ERRNO"
	ActTrace       SeccompAction = "SCMP_ACT_TRACE"
	ActAllow       SeccompAction = "SCMP_ACT_ALLOW"
	ActLog         SeccompAction = "SCMP_ACT_LOG"
	ActNotify      SeccompAction = "SCMP_ACT_NOTIFY"
)

// SeccompArch is an architecture a profile applies to.
// +kubebuilder:validation:Enum=SCMP_ARCH_NATIVE;SCMP_ARCH_X86;SCMP_ARCH_X86_64;SCMP_ARCH_X32;SCMP_ARCH_ARM;SCMP_ARCH_AARCH64;SCMP_ARCH_MIPS;SCMP_ARCH_MIPS64;SCMP_ARCH_MIPS64N32;SCMP_ARCH_MIPSEL;SCMP_ARCH_MIPSEL64;SCMP_ARCH_MIPSEL64N32;SCMP_ARCH_PPC;SCMP_ARCH_PPC64;SCMP_ARCH_PPC64LE;SCMP_ARCH_S390;SCMP_ARCH_S390X;SCMP_ARCH_PARISC;SCMP_ARCH_PARISC64;SCMP_ARCH_RISCV64;SCMP_ARCH_LOONGARCH64;SCMP_ARCH_M68K;SCMP_ARCH_SH;SCMP_ARCH_SHEB
type SeccompArch string

// SeccompFlag is a flag passed to seccomp(2) when the filter is loaded.
// +kubebuilder:validation:Enum=SECCOMP_FILTER_FLAG_TSYNC;SECCOMP_FILTER_FLAG_LOG;SECCOMP_FILTER_FLAG_SPEC_ALLOW;SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
type SeccompFlag string

// SeccompOperator compares a syscall argument.
// +kubebuilder:validation:Enum=SCMP_CMP_NE;SCMP_CMP_LT;SCMP_CMP_LE;SCMP_CMP_EQ;SCMP_CMP_GE;SCMP_CMP_GT;SCMP_CMP_MASKED_EQ
type SeccompOperator string

// SeccompProfileSpec is a seccomp filter in the shape of the OCI runtime
// specification, plus an optional base profile it extends.
// +kubebuilder:validation:XValidation:rule="!has(self.listenerMetadata) || has(self.listenerPath)",message="listenerMetadata needs listenerPath"
type SeccompProfileSpec struct {
	ProfileSpecBase `json:",inline"`

	// BaseProfileName names the profile whose rules this profile extends:
	// another SeccompProfile by name, or a profile published as an OCI
	// artifact, `oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]` (see
	// `spoc push`), which each node pulls, verifies against the SPOD's
	// spec.security signature settings and caches by digest. Rules in this
	// profile win over the base's for the same syscall. Chains may be at
	// most 15 profiles deep and must not loop.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`self.startsWith('oci://') ? self.matches('^oci://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?/[a-z0-9]+([._/-][a-z0-9]+|__[a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$') : (size(self) <= 253 && self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))`,message="baseProfileName must be the name of a SeccompProfile (a lowercase RFC 1123 subdomain of at most 253 characters) or an OCI artifact reference oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]"
	BaseProfileName string `json:"baseProfileName,omitempty"`

	// DefaultAction applies to every syscall no rule matches.
	// +kubebuilder:validation:Required
	DefaultAction SeccompAction `json:"defaultAction"`

	// Architectures the filter covers; empty means the node's native one.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=24
	Architectures []SeccompArch `json:"architectures,omitempty"`

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
	Syscalls []SeccompSyscall `json:"syscalls,omitempty"`

	// Flags passed to seccomp(2) when the filter is loaded.
	// +optional
	// +listType=set
	Flags []SeccompFlag `json:"flags,omitempty"`
}

// SeccompSyscall is one rule: the syscalls it names get its action when all
// its argument conditions hold.
// +kubebuilder:validation:XValidation:rule="!has(self.errnoRet) || self.action in ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']",message="errnoRet is only allowed with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE"
type SeccompSyscall struct {
	// Names of the syscalls, e.g. "read".
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1024
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9_]+$`
	// +listType=atomic
	Names []string `json:"names"`

	// Action for the matching syscalls.
	// +kubebuilder:validation:Required
	Action SeccompAction `json:"action"`

	// ErrnoRet is the errno returned for SCMP_ACT_ERRNO (default EPERM) or
	// the value passed to the tracer for SCMP_ACT_TRACE.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=4095
	ErrnoRet *uint `json:"errnoRet,omitempty"`

	// Args restrict the rule to calls whose arguments match, at most six
	// (the number of syscall arguments).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=6
	Args []SeccompArg `json:"args,omitempty"`
}

// SeccompArg compares one syscall argument.
type SeccompArg struct {
	// Index of the argument, 0 to 5.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=5
	Index uint `json:"index"`

	// Value compared with the argument.
	// +optional
	Value uint64 `json:"value,omitempty"`

	// ValueTwo is the second operand of SCMP_CMP_MASKED_EQ.
	// +optional
	ValueTwo uint64 `json:"valueTwo,omitempty"`

	// Op is the comparison.
	// +kubebuilder:validation:Required
	Op SeccompOperator `json:"op"`
}

// SeccompProfileStatus reports where the profile is installed.
type SeccompProfileStatus struct {
	ProfileStatusBase `json:",inline"`

	// Path of the profile file on the nodes.
	// +optional
	Path string `json:"path,omitempty"`

	// LocalhostProfile is the value for a pod's
	// securityContext.seccompProfile.localhostProfile.
	// +optional
	LocalhostProfile string `json:"localhostProfile,omitempty"`
}

// SeccompProfile is a seccomp filter the operator installs on every node.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=sp
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="LocalhostProfile",type=string,JSONPath=`.status.localhostProfile`,priority=10
// +kubebuilder:validation:XValidation:rule="!has(self.spec.baseProfileName) || self.spec.baseProfileName != self.metadata.name",message="must not name the profile itself",fieldPath=".spec.baseProfileName"
type SeccompProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SeccompProfileSpec   `json:"spec"`
	Status SeccompProfileStatus `json:"status,omitempty"`
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
