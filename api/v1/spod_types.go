package v1

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SPODName is the only accepted name of the SecurityProfilesOperatorDaemon.
const SPODName = "spod"

// SelinuxOptions tune what SelinuxProfiles may use.
type SelinuxOptions struct {
	// AllowedSystemProfiles are the system templates a SelinuxProfile may
	// inherit (kind System) besides container, which is always allowed.
	// +optional
	// +listType=set
	AllowedSystemProfiles []string `json:"allowedSystemProfiles,omitempty"`
	// DeniedTypes are SELinux types no SelinuxProfile may name in its
	// allow rules, on top of the built-in denylist.
	// +optional
	// +listType=set
	DeniedTypes []string `json:"deniedTypes,omitempty"`
	// DeniedClasses are object classes no SelinuxProfile may allow
	// anything on, on top of the built-in denylist.
	// +optional
	// +listType=set
	DeniedClasses []string `json:"deniedClasses,omitempty"`
	// DeniedPermissions are permissions no SelinuxProfile may allow, on
	// any class, on top of the built-in denylist.
	// +optional
	// +listType=set
	DeniedPermissions []string `json:"deniedPermissions,omitempty"`
	// AllowedTypes are taken out of the denied types. spo's built-in
	// denylist names no types, so this only undoes deniedTypes.
	// +optional
	// +listType=set
	AllowedTypes []string `json:"allowedTypes,omitempty"`
	// AllowedClasses are taken out of the denied classes and out of the
	// built-in denylist: a profile may then allow anything on them. Use
	// with care: it relaxes a safe default for every profile.
	// +optional
	// +listType=set
	AllowedClasses []string `json:"allowedClasses,omitempty"`
	// AllowedPermissions are taken out of the denied permissions and out
	// of the built-in denylist (on every class). Use with care.
	// +optional
	// +listType=set
	AllowedPermissions []string `json:"allowedPermissions,omitempty"`
}

// SelinuxConfig configures SELinux support.
type SelinuxConfig struct {
	// Enable installs SelinuxProfiles through selinuxd on the nodes.
	// +optional
	Enable bool `json:"enable,omitempty"`
	// EnableRawSelinuxProfiles accepts RawSelinuxProfiles (while enable is
	// set). Unset means true, as in SPO.
	// +optional
	// +kubebuilder:default=true
	EnableRawSelinuxProfiles *bool `json:"enableRawSelinuxProfiles,omitempty"`
	// TypeTag is the SELinux type (seLinuxOptions.type, e.g. spc_t) of
	// every spo container of the node daemon (daemon, bpf-recorder,
	// log-enricher, json-enricher, init containers included). Unset, they
	// run as the runtime's default container type; selinuxd always runs as
	// spc_t.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9_]+$`
	TypeTag string `json:"typeTag,omitempty"`
	// Options restrict SelinuxProfiles.
	// +optional
	Options *SelinuxOptions `json:"options,omitempty"`
	// SelinuxdImages pick the selinuxd image for each node by its
	// operating system: the first entry whose osImage matches the node's
	// status.nodeInfo.osImage wins; a node no entry matches runs the
	// manager's --selinuxd-image. selinuxd's semodule must match the
	// node's policy store, so nodes of different OSes need different
	// images. Empty means spo's built-in mapping (Fedora, RHEL/RHCOS/
	// CentOS Stream and rebuilds 8, 9 and 10; see docs/selinux.md).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	SelinuxdImages []SelinuxdImage `json:"selinuxdImages,omitempty"`
	// CustomTemplatesConfigMap names a ConfigMap of .cil templates to
	// replace selinuxd's bundled ones. spo does not support custom
	// templates yet: when set, the SPOD gets the condition
	// CustomTemplatesUnsupported and a Warning Event, and the bundled
	// templates are used.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	CustomTemplatesConfigMap string `json:"customTemplatesConfigMap,omitempty"`
}

// SelinuxdImage is the selinuxd image for the nodes whose operating
// system matches OSImage.
type SelinuxdImage struct {
	// Name names the entry: the selinuxd DaemonSet of its nodes is
	// spo-selinuxd-<name>. "default" is the manager's fallback image's.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self != 'default'",message="default names the fallback image"
	Name string `json:"name"`
	// OSImage is a regular expression (RE2, Go's syntax) matched against
	// the node's status.nodeInfo.osImage, e.g. `^Fedora`; unanchored, as
	// in SPO's mapping.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	OSImage string `json:"osImage"`
	// Image is the selinuxd image, pinned: a digest or a tag other than
	// latest (it runs privileged on every matching node).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image"`
}

// RawProfilesEnabled says whether RawSelinuxProfiles are accepted: unset
// is true, as in SPO.
func (c SelinuxConfig) RawProfilesEnabled() bool {
	return c.EnableRawSelinuxProfiles == nil || *c.EnableRawSelinuxProfiles
}

// LogEnricherSource is where the log enricher reads audit records.
// +kubebuilder:validation:Enum=Auditd;Bpf
type LogEnricherSource string

// EnricherConfig configures recording helpers on the nodes.
type EnricherConfig struct {
	// EnableLogEnricher runs the log enricher on every node.
	// +optional
	EnableLogEnricher bool `json:"enableLogEnricher,omitempty"`
	// LogEnricherSource is where audit records come from.
	// +optional
	// +kubebuilder:default=Auditd
	LogEnricherSource LogEnricherSource `json:"logEnricherSource,omitempty"`
	// LogEnricherFilters is a JSON list of filters that decide which
	// records the log enricher logs and counts (recordings are never
	// filtered), in one of two formats. SPO's:
	// [{"priority":N,"level":"Metadata"|"None","matchKeys":[...],"matchValues":[...]}]:
	// the rule with the lowest priority that matches decides, Metadata
	// logs and None drops; a rule matches a record that has one of its
	// matchKeys with one of its matchValues (any value when none are
	// given). Keys are the log line's fields: type, node, namespace, pod,
	// container, containerID, executable, pid; seccomp syscallID,
	// syscallName (or syscall), arch, action; SELinux perm, scontext,
	// tcontext, tclass; AppArmor apparmor, operation, profile, name.
	// spo's: [{"action":"keep"|"drop","namespace":"glob",...}] with globs
	// on kind, namespace, pod, container, executable, syscall, tclass,
	// operation, profile; the first entry whose fields all match decides.
	// A record nothing matches is logged. A list the manager cannot parse
	// (an unknown key, level or field) puts the SPOD in Error
	// (InvalidLogEnricherFilters) and the DaemonSet is left as it was.
	// +optional
	// +kubebuilder:validation:MaxLength=1048576
	LogEnricherFilters string `json:"logEnricherFilters,omitempty"`
	// EnableBpfRecorder runs the eBPF recorder on every node.
	// +optional
	EnableBpfRecorder bool `json:"enableBpfRecorder,omitempty"`
	// EnableJsonEnricher runs the JSON enricher on every node (container
	// json-enricher of the daemon pod): one JSON line per process run in a
	// container (per jsonEnricherOptions.auditLogIntervalSeconds for long
	// runs), with its pod, command line, uid/gid, the syscalls it was logged
	// making and, for processes started by kubectl exec or kubectl debug
	// node, the request's UID (requestUID). It reads SECCOMP audit records,
	// so the workloads need a profile that logs at least execve
	// (SCMP_ACT_LOG), as in SPO.
	// +optional
	EnableJsonEnricher bool `json:"enableJsonEnricher,omitempty"`
	// JsonEnricherFilters is a JSON list of filters that decide which exec
	// lines the JSON enricher writes, in either format of
	// logEnricherFilters; a line is a seccomp record of syscall execve or
	// execveat (SPO keys: type, node, namespace, pod, container,
	// containerID, executable, pid, syscallName, syscallID, arch, action;
	// spo's: namespace, pod, container, executable, syscall). An unparsable list puts the SPOD in
	// Error (InvalidJsonEnricherFilters) and the DaemonSet is left as it was.
	// +optional
	// +kubebuilder:validation:MaxLength=65536
	JsonEnricherFilters string `json:"jsonEnricherFilters,omitempty"`
	// JsonEnricherOptions configures the JSON enricher's output.
	// +optional
	JsonEnricherOptions *JsonEnricherOptions `json:"jsonEnricherOptions,omitempty"`
	// EnableExecMetadata deploys the exec metadata webhook
	// (execmetadata.spo.x-k8s.io) with the JSON enricher: it rewrites each
	// kubectl exec to run through the image's env binary with
	// SPO_EXEC_REQUEST_UID set to the request's UID. It also deploys the
	// node debugging pod webhook (nodedebuggingpod.spo.x-k8s.io), which
	// sets SPO_EXEC_REQUEST_UID in the containers of the pods of
	// `kubectl debug node/...` to the UID of their CREATE request. Disable
	// it for images without env. No effect while the JSON enricher is
	// disabled. Unset means true, as in SPO.
	// +optional
	EnableExecMetadata *bool `json:"enableExecMetadata,omitempty"`
}

// ExecMetadataEnabled says whether the exec metadata webhook runs: only
// with the JSON enricher, and then unless it is switched off.
func (c EnricherConfig) ExecMetadataEnabled() bool {
	return c.EnableJsonEnricher && (c.EnableExecMetadata == nil || *c.EnableExecMetadata)
}

// JsonEnricherOptions configures the JSON enricher's output. SPO's names
// and defaults.
type JsonEnricherOptions struct {
	// AuditLogIntervalSeconds is how long the JSON enricher aggregates a
	// process, as in SPO: every SECCOMP record of a container process (not
	// only execve) goes into its process's bucket, and the process gets
	// one line per interval with the distinct syscalls it was logged
	// making (field syscalls). The line is written when the interval ends,
	// or earlier when the process exits or execs again (a new program is a
	// new line); a line that starts at an exec has syscall execve, one
	// that continues a running process has none. Filters apply to each
	// syscall; a line whose syscalls are all dropped is not written.
	// Without jsonEnricherOptions the interval is 60 too.
	// +optional
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=1
	AuditLogIntervalSeconds *int32 `json:"auditLogIntervalSeconds,omitempty"`
	// AuditLogPath is the file the lines are appended to; unset, they go
	// to the json-enricher container's stdout. Its directory is mounted
	// from the node (hostPath, created when missing), so the file is on
	// the node at the same path; it must not be in /.
	// +optional
	// +kubebuilder:validation:Pattern=`^/`
	AuditLogPath *string `json:"auditLogPath,omitempty"`
	// AuditLogMaxSize in megabytes before the file is rotated; default 100.
	// +optional
	// +kubebuilder:default=100
	// +kubebuilder:validation:Minimum=1
	AuditLogMaxSize *int32 `json:"auditLogMaxSize,omitempty"`
	// AuditLogMaxBackups is how many rotated files are kept; unset or 0
	// keeps 10 unless auditLogMaxAge is set, which then alone decides.
	// +optional
	// +kubebuilder:validation:Minimum=0
	AuditLogMaxBackups *int32 `json:"auditLogMaxBackups,omitempty"`
	// AuditLogMaxAge is how many days rotated files are kept; unset keeps
	// them regardless of age.
	// +optional
	// +kubebuilder:validation:Minimum=0
	AuditLogMaxAge *int32 `json:"auditLogMaxAge,omitempty"`
}

// WebhookOptions override one webhook's admission settings.
type WebhookOptions struct {
	// Name of the webhook: binding.spo.x-k8s.io, recording.spo.x-k8s.io,
	// execmetadata.spo.x-k8s.io or nodedebuggingpod.spo.x-k8s.io, or SPO's
	// names for them, binding.spo.io, recording.spo.io, execmetadata.spo.io
	// and nodedebuggingpod.spo.io. An objectSelector given for
	// nodedebuggingpod replaces its default (pods labelled
	// app.kubernetes.io/managed-by=kubectl-debug), but the webhook still
	// tags only pods of `kubectl debug node/...`.
	// +kubebuilder:validation:Enum=binding.spo.x-k8s.io;recording.spo.x-k8s.io;execmetadata.spo.x-k8s.io;nodedebuggingpod.spo.x-k8s.io;binding.spo.io;recording.spo.io;execmetadata.spo.io;nodedebuggingpod.spo.io
	Name string `json:"name"`
	// FailurePolicy when the webhook cannot be reached: Ignore admits the
	// pod unchanged, Fail refuses it.
	// +optional
	// +kubebuilder:validation:Enum=Ignore;Fail
	FailurePolicy *admissionregistrationv1.FailurePolicyType `json:"failurePolicy,omitempty"`
	// NamespaceSelector replaces the webhook's namespace selector.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// ObjectSelector replaces the webhook's object selector.
	// +optional
	ObjectSelector *metav1.LabelSelector `json:"objectSelector,omitempty"`
}

// WebhookConfig configures the admission webhooks.
type WebhookConfig struct {
	// StaticConfig leaves the webhook configuration as deployed: options are
	// not applied and hand edits are kept.
	// +optional
	StaticConfig bool `json:"staticConfig,omitempty"`
	// Options override the settings of single webhooks, by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:XValidation:rule="!(self.exists(o, o.name == 'binding.spo.io') && self.exists(o, o.name == 'binding.spo.x-k8s.io'))",message="binding.spo.io and binding.spo.x-k8s.io name the same webhook: give its options once"
	// +kubebuilder:validation:XValidation:rule="!(self.exists(o, o.name == 'recording.spo.io') && self.exists(o, o.name == 'recording.spo.x-k8s.io'))",message="recording.spo.io and recording.spo.x-k8s.io name the same webhook: give its options once"
	// +kubebuilder:validation:XValidation:rule="!(self.exists(o, o.name == 'execmetadata.spo.io') && self.exists(o, o.name == 'execmetadata.spo.x-k8s.io'))",message="execmetadata.spo.io and execmetadata.spo.x-k8s.io name the same webhook: give its options once"
	// +kubebuilder:validation:XValidation:rule="!(self.exists(o, o.name == 'nodedebuggingpod.spo.io') && self.exists(o, o.name == 'nodedebuggingpod.spo.x-k8s.io'))",message="nodedebuggingpod.spo.io and nodedebuggingpod.spo.x-k8s.io name the same webhook: give its options once"
	Options []WebhookOptions `json:"options,omitempty"`
}

// SchedulingConfig places the node daemon.
type SchedulingConfig struct {
	// Tolerations of the daemon's pods, so that it also runs on tainted
	// nodes (the profiles must reach every node that runs workloads).
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Affinity of the daemon's pods: limit the nodes it runs on.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// PriorityClassName of the daemon's pods; a high priority keeps the
	// daemon scheduled on full nodes.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// SPODSpec configures the operator.
type SPODSpec struct {
	// Verbosity of all components' logs, 0 (info) to 10.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	Verbosity int32 `json:"verbosity,omitempty"`
	// EnableProfiling serves pprof on every component.
	// +optional
	EnableProfiling bool `json:"enableProfiling,omitempty"`
	// EnableInsecureMetricsAccess serves every component's /metrics on
	// plain HTTP to anyone (each gets --insecure-metrics) instead of on
	// HTTPS to the bearers of a token the API server authorizes for GET
	// /metrics. Only for clusters where the pod network is trusted.
	// +optional
	// +kubebuilder:default=false
	EnableInsecureMetricsAccess bool `json:"enableInsecureMetricsAccess,omitempty"`
	// EnableMemoryOptimization has the daemon cache only its node's pods
	// that carry the label spo.x-k8s.io/enable-recording (the recording
	// webhook sets it on every pod it marks for recording), instead of all
	// its node's pods. Pods recorded through annotations set by hand must
	// carry the label themselves.
	// +optional
	EnableMemoryOptimization bool `json:"enableMemoryOptimization,omitempty"`
	// EnableAppArmor loads AppArmorProfiles on the nodes.
	// +optional
	EnableAppArmor bool `json:"enableAppArmor,omitempty"`
	// HostProcVolumePath is the host's /proc, mounted into the daemon.
	// +optional
	// +kubebuilder:default="/proc"
	// +kubebuilder:validation:Pattern=`^/`
	HostProcVolumePath string `json:"hostProcVolumePath,omitempty"`
	// ImagePullSecrets, in the operator's namespace, pull the images of
	// the node daemon's and the webhook server's pods.
	// +optional
	// +listType=map
	// +listMapKey=name
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// DaemonResourceRequirements for the daemon container.
	// +optional
	DaemonResourceRequirements *corev1.ResourceRequirements `json:"daemonResourceRequirements,omitempty"`
	// Selinux configures SELinux support.
	// +optional
	Selinux SelinuxConfig `json:"selinux,omitempty"`
	// Enricher configures the recording helpers on the nodes: the log
	// enricher and the eBPF recorder.
	// +optional
	Enricher EnricherConfig `json:"enricher,omitempty"`
	// Webhook configures the binding and recording admission webhooks.
	// +optional
	Webhook WebhookConfig `json:"webhook,omitempty"`
	// Scheduling places the daemon's pods on the nodes.
	// +optional
	Scheduling SchedulingConfig `json:"scheduling,omitempty"`
	// Security limits what profiles may allow, cluster wide.
	// +optional
	Security SecurityConfig `json:"security,omitempty"`
}

// SPODState is the rollout state of the operator's components.
// +kubebuilder:validation:Enum=Pending;Creating;Updating;Running;Error
type SPODState string

// The rollout states.
const (
	SPODPending  SPODState = "Pending"
	SPODCreating SPODState = "Creating"
	SPODUpdating SPODState = "Updating"
	SPODRunning  SPODState = "Running"
	SPODError    SPODState = "Error"
)

// SPODStatus reports the rollout.
type SPODStatus struct {
	// State is the rollout state of the operator's components.
	// +optional
	State SPODState `json:"state,omitempty"`
	// Conditions describe the rollout of the operator's components.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// SecurityProfilesOperatorDaemon configures the operator. There is one, named
// spod, in the operator's namespace.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=spod
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'spod'",message="metadata.name must be spod: there is one SecurityProfilesOperatorDaemon per cluster"
type SecurityProfilesOperatorDaemon struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SPODSpec   `json:"spec,omitempty"`
	Status SPODStatus `json:"status,omitempty"`
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
