package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SPODSpec is the flat configuration of older releases; v1 groups the same
// settings under selinux, enricher, webhook, scheduling and security.
type SPODSpec struct {
	// Verbosity of all components' logs, 0 (info) to 10.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	Verbosity int32 `json:"verbosity,omitempty"`
	// EnableProfiling serves pprof on every component.
	// +optional
	EnableProfiling bool `json:"enableProfiling,omitempty"`
	// EnableMemoryOptimization caches only labelled pods in the daemon.
	// +optional
	EnableMemoryOptimization bool `json:"enableMemoryOptimization,omitempty"`
	// EnableSelinux installs SelinuxProfiles and RawSelinuxProfiles through
	// selinuxd on the nodes (v1: selinux.enable).
	// +optional
	EnableSelinux bool `json:"enableSelinux,omitempty"`
	// SelinuxTypeTag overrides the SELinux type of the operator's own
	// containers (v1: selinux.typeTag).
	// +optional
	SelinuxTypeTag string `json:"selinuxTypeTag,omitempty"`
	// SelinuxOptions restrict SelinuxProfiles (v1: selinux.options).
	// +optional
	SelinuxOptions *v1.SelinuxOptions `json:"selinuxOptions,omitempty"`
	// EnableLogEnricher runs the log enricher, reading auditd's records, on
	// every node (v1: enricher.enableLogEnricher).
	// +optional
	EnableLogEnricher bool `json:"enableLogEnricher,omitempty"`
	// LogEnricherFilters is a JSON list of filters that drop or keep events
	// (v1: enricher.logEnricherFilters).
	// +optional
	LogEnricherFilters string `json:"logEnricherFilters,omitempty"`
	// EnableBpfRecorder runs the eBPF recorder on every node (v1:
	// enricher.enableBpfRecorder).
	// +optional
	EnableBpfRecorder bool `json:"enableBpfRecorder,omitempty"`
	// EnableAppArmor loads AppArmorProfiles on the nodes.
	// +optional
	EnableAppArmor bool `json:"enableAppArmor,omitempty"`
	// HostProcVolumePath is the host's /proc, mounted into the daemon.
	// +optional
	// +kubebuilder:default="/proc"
	// +kubebuilder:validation:Pattern=`^/`
	HostProcVolumePath string `json:"hostProcVolumePath,omitempty"`
	// DaemonResourceRequirements for the daemon container.
	// +optional
	DaemonResourceRequirements *corev1.ResourceRequirements `json:"daemonResourceRequirements,omitempty"`
	// StaticWebhookConfig leaves the webhook configurations as deployed (v1:
	// webhook.staticConfig).
	// +optional
	StaticWebhookConfig bool `json:"staticWebhookConfig,omitempty"`
	// WebhookOptions override single webhooks' admission settings (v1:
	// webhook.options).
	// +optional
	// +listType=map
	// +listMapKey=name
	WebhookOptions []v1.WebhookOptions `json:"webhookOptions,omitempty"`
	// Tolerations of the daemon (v1: scheduling.tolerations).
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Affinity of the daemon (v1: scheduling.affinity).
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// PriorityClassName of the daemon (v1: scheduling.priorityClassName).
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
	// AllowedSyscalls, when set, is the only syscalls a SeccompProfile may
	// name in a rule whose action is not a denial (v1:
	// security.allowedSyscalls).
	// +optional
	// +listType=set
	AllowedSyscalls []string `json:"allowedSyscalls,omitempty"`
	// AllowedSeccompActions, when set, is the only actions a SeccompProfile
	// may use (v1: security.allowedSeccompActions).
	// +optional
	// +listType=set
	AllowedSeccompActions []v1.SeccompAction `json:"allowedSeccompActions,omitempty"`
	// DisableOCIArtifactSignatureVerification accepts OCI artifact base
	// profiles without checking their signature (v1:
	// security.disableOciArtifactSignatureVerification).
	// +optional
	DisableOCIArtifactSignatureVerification bool `json:"disableOciArtifactSignatureVerification,omitempty"`
}

// SecurityProfilesOperatorDaemon is the deprecated v1alpha1 form of the
// operator's configuration. There is one, named spod, in the operator's
// namespace.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=spod
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="security-profiles-operator.x-k8s.io/v1alpha1 SecurityProfilesOperatorDaemon is deprecated; use v1"
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'spod'",message="metadata.name must be spod: there is one SecurityProfilesOperatorDaemon per cluster"
type SecurityProfilesOperatorDaemon struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SPODSpec      `json:"spec,omitempty"`
	Status v1.SPODStatus `json:"status,omitempty"`
}

// SecurityProfilesOperatorDaemonList is a list of SPODs.
// +kubebuilder:object:root=true
type SecurityProfilesOperatorDaemonList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SecurityProfilesOperatorDaemon `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SecurityProfilesOperatorDaemon{}, &SecurityProfilesOperatorDaemonList{})
}
