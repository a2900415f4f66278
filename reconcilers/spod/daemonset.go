package spod

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/ociartifact"
)

// The names of what the DaemonSet is made of.
const (
	DaemonSetName      = "spo-daemon"
	ServiceAccountName = "spo-daemon"

	ContainerDaemon      = "daemon"
	ContainerBpfRecorder = "bpf-recorder"
	ContainerLogEnricher = "log-enricher"
	ContainerSelinuxd    = "selinuxd"

	// DefaultSelinuxdImage installs SELinux modules on the nodes. It is
	// pinned to a release: a moving tag would let whoever pushes it run a
	// privileged container on every SELinux node (PinnedImage refuses one).
	DefaultSelinuxdImage = "quay.io/security-profiles-operator/selinuxd:v0.5.2"
)

// The SPOD's log enricher sources.
const (
	// SourceAuditd follows auditd's log on the node (--source=auditd).
	SourceAuditd v1.LogEnricherSource = "Auditd"
	// SourceBpf reads the records the kernel delivers itself, without
	// auditd: the audit netlink multicast group (--source=netlink).
	SourceBpf v1.LogEnricherSource = "Bpf"
)

// Paths inside the containers.
const (
	hostProcMount = "/host/proc"
	stateDir      = "/var/lib/spo"
	socketDir     = "/var/run/spo"
	auditLogDir   = "/var/log/audit"
	tracefsDir    = "/sys/kernel/tracing"
	securityfsDir = "/sys/kernel/security"
)

// Params are what the DaemonSet depends on besides the SPOD.
type Params struct {
	// Namespace of the operator (and of the SPOD).
	Namespace string
	// Image of spo, run by every container but selinuxd.
	Image string
	// SelinuxdImage runs selinuxd on nodes no entry of the SPOD's
	// selinux.selinuxdImages matches (DefaultSelinuxdImage if empty).
	SelinuxdImage string
	// KubeletDir is the configured kubelet root directory, which nodes
	// that name none use (kubeletdir.Default if empty).
	KubeletDir string
	// NodeKubeletDirs are the kubelet directories nodes name themselves
	// (NodeKubeletDirs). The pod template is the same on every node, so
	// each is mounted everywhere and the daemon picks its node's.
	NodeKubeletDirs []string
	// RestrictNamespace, when set, limits the daemon and the webhook server
	// to the workloads of this namespace (env RESTRICT_TO_NAMESPACE).
	RestrictNamespace string
}

// Labels select the daemon's pods.
func Labels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "spo", "app.kubernetes.io/component": "daemon"}
}

// DaemonSet is the node DaemonSet the SPOD asks for. It is a pure
// function: the same SPOD and Params always give the same object.
func DaemonSet(spod *v1.SecurityProfilesOperatorDaemon, p Params) *appsv1.DaemonSet {
	s := *spod.Spec.DeepCopy()
	pod := corev1.PodSpec{
		ServiceAccountName: ServiceAccountName,
		SecurityContext: &corev1.PodSecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers:        []corev1.Container{daemonContainer(s, p)},
		Volumes:           append(seccompVolumes(p), hostPath("state", stateDir), hostPath("sockets", socketDir)),
		Tolerations:       s.Scheduling.Tolerations,
		Affinity:          s.Scheduling.Affinity,
		PriorityClassName: s.Scheduling.PriorityClassName,
		ImagePullSecrets:  s.ImagePullSecrets,
	}
	recorders := s.Enricher.EnableBpfRecorder || s.Enricher.EnableLogEnricher || s.Enricher.EnableJsonEnricher
	if recorders {
		// Both recorders map a kernel pid to its container through the
		// host's /proc, and the bpf recorder refuses to record the host's
		// mount namespace, found as /proc/1. hostPID is pod-wide: it is set
		// only while a recorder runs.
		pod.HostPID = true
		pod.Volumes = append(pod.Volumes, hostPathTyped("host-proc", s.HostProcVolumePath, corev1.HostPathDirectory))
	}
	if s.Enricher.EnableBpfRecorder {
		pod.Containers = append(pod.Containers, bpfRecorderContainer(s, p))
		// On kernels without BTF the recorder attaches classic tracepoints,
		// found through the host's tracefs (it cannot mount one itself).
		pod.Volumes = append(pod.Volumes, hostPathTyped("tracefs", tracefsDir, corev1.HostPathDirectory))
	}
	if s.Enricher.EnableLogEnricher {
		pod.Containers = append(pod.Containers, logEnricherContainer(s, p))
		if s.Enricher.LogEnricherSource == SourceBpf {
			// The kernel multicasts audit records on the initial network
			// namespace's audit socket only.
			pod.HostNetwork = true
			pod.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		} else {
			// Or create: a node without auditd yet must still run the
			// daemon pod (seccomp installation included); the enricher
			// waits for auditd's log to appear there.
			pod.Volumes = append(pod.Volumes, hostPathTyped("audit-log", auditLogDir, corev1.HostPathDirectoryOrCreate))
		}
	}
	if s.Enricher.EnableJsonEnricher {
		addJSONEnricher(&pod, s, p)
	}
	if s.EnableAppArmor {
		pod.Volumes = append(pod.Volumes, hostPathTyped("securityfs", securityfsDir, corev1.HostPathDirectory))
	}
	if v, ok := ociTrustVolume(s.Security.SignatureVerification); ok {
		pod.Volumes = append(pod.Volumes, v)
	}
	if v, ok := ociPullSecretsVolume(s.Security.OCIArtifactPullSecrets); ok {
		pod.Volumes = append(pod.Volumes, v)
	}
	if s.Selinux.Enable {
		// selinuxd runs beside, in SelinuxdDaemonSets; the daemon reaches
		// its socket and policy directory on the node.
		pod.Volumes = append(pod.Volumes,
			hostPathTyped("selinux-policy", "/etc/selinux.d", corev1.HostPathDirectoryOrCreate),
			hostPathTyped("selinuxd-socket", "/var/run/selinuxd", corev1.HostPathDirectoryOrCreate),
		)
	}
	// Every container of this pod is spo's (selinuxd, with its own spc_t,
	// runs in SelinuxdDaemonSets), init containers included.
	tagContainers(pod.InitContainers, s.Selinux.TypeTag)
	tagContainers(pod.Containers, s.Selinux.TypeTag)

	return &appsv1.DaemonSet{
		TypeMeta: metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name: DaemonSetName, Namespace: p.Namespace, Labels: Labels(), OwnerReferences: ownerRefs(spod),
		},
		Spec: appsv1.DaemonSetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: Labels()},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			Template:       corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: Labels()}, Spec: pod},
		},
	}
}

// tagContainers sets the SPOD's selinux.typeTag as the SELinux type of
// the containers, when it is set.
func tagContainers(containers []corev1.Container, typeTag string) {
	if typeTag == "" {
		return
	}
	for i := range containers {
		if containers[i].SecurityContext == nil {
			containers[i].SecurityContext = &corev1.SecurityContext{}
		}
		containers[i].SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: typeTag}
	}
}

// unservedArgs are commonArgs for a component that serves no metrics (the
// bpf-recorder): --insecure-metrics has nothing to apply to there.
func unservedArgs(s v1.SPODSpec) []string {
	return slices.DeleteFunc(commonArgs(s), func(a string) bool { return a == "--insecure-metrics" })
}

// nodeResources are a node container's requests and memory limit. No CPU
// limit: CFS throttling of a recorder delays the events it must keep up
// with, and the request already gives it its share under contention.
func nodeResources(cpu, memory, memoryLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memoryLimit)},
	}
}

// commonArgs are the flags every spo component (every container but
// selinuxd, which is not spo) shares, from the SPOD.
func commonArgs(s v1.SPODSpec) []string {
	args := []string{fmt.Sprintf("--verbosity=%d", s.Verbosity)}
	if s.EnableProfiling {
		args = append(args, "--enable-profiling")
	}
	if s.EnableInsecureMetricsAccess {
		args = append(args, "--insecure-metrics")
	}
	return args
}

// nodeEnv tells a node component which node it runs on and the operator's
// namespace.
func nodeEnv() []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "SPO_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
	}
}

// restrictEnv hands the manager's RESTRICT_TO_NAMESPACE on to a component
// that watches workloads (none when the manager is not restricted).
func restrictEnv(p Params) []corev1.EnvVar {
	if p.RestrictNamespace == "" {
		return nil
	}
	return []corev1.EnvVar{{Name: "RESTRICT_TO_NAMESPACE", Value: p.RestrictNamespace}}
}

// DefaultDaemonResources are the daemon container's resources unless
// daemonResourceRequirements says otherwise.
func DefaultDaemonResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("48Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}
}

// CompleteResources is the SPOD's daemonResourceRequirements with what it
// leaves out taken from def, so the daemon always has requests and a memory
// limit: a request the user left out is def's, lowered to the user's limit;
// a limit the user left out is def's, raised to the user's request.
func CompleteResources(user, def corev1.ResourceRequirements) corev1.ResourceRequirements {
	out := *user.DeepCopy()
	if out.Requests == nil {
		out.Requests = corev1.ResourceList{}
	}
	if out.Limits == nil {
		out.Limits = corev1.ResourceList{}
	}
	for name, q := range def.Requests {
		if _, ok := out.Requests[name]; ok {
			continue
		}
		if l, ok := out.Limits[name]; ok && l.Cmp(q) < 0 {
			q = l
		}
		out.Requests[name] = q
	}
	for name, q := range def.Limits {
		if _, ok := out.Limits[name]; ok {
			continue
		}
		if r, ok := out.Requests[name]; ok && r.Cmp(q) > 0 {
			q = r
		}
		out.Limits[name] = q
	}
	return out
}

// daemonContainer installs profiles. Root owns the kubelet's directory and
// no capability is needed to write in a directory one owns, so it drops
// them all — except, with AppArmor, CAP_MAC_ADMIN to load policy through
// securityfs, which the runtime's default AppArmor profile forbids
// writing (hence Unconfined for this container only).
func daemonContainer(s v1.SPODSpec, p Params) corev1.Container {
	resources := DefaultDaemonResources()
	if s.DaemonResourceRequirements != nil {
		resources = CompleteResources(*s.DaemonResourceRequirements, resources)
	}
	sc := restricted()
	mounts := append(seccompMounts(p), []corev1.VolumeMount{
		// Recordings in progress and loaded AppArmor policy survive a
		// daemon restart only if their state is on the node.
		{Name: "state", MountPath: stateDir},
		// The bpf recorder's and log enricher's sockets, when they run.
		{Name: "sockets", MountPath: socketDir},
	}...)
	if s.EnableAppArmor {
		sc.Capabilities.Add = []corev1.Capability{"MAC_ADMIN"}
		sc.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		mounts = append(mounts, corev1.VolumeMount{Name: "securityfs", MountPath: securityfsDir})
	}
	if s.Selinux.Enable {
		mounts = append(mounts,
			corev1.VolumeMount{Name: "selinux-policy", MountPath: "/etc/selinux.d"},
			corev1.VolumeMount{Name: "selinuxd-socket", MountPath: "/var/run/selinuxd"})
	}
	args := append([]string{"daemon", "--kubelet-dir=" + configuredKubeletDir(p), "--state-dir=" + stateDir}, commonArgs(s)...)
	if s.Selinux.Enable {
		args = append(args, "--selinuxd-socket=/var/run/selinuxd/selinuxd.sock", "--selinux-policy-dir=/etc/selinux.d")
	}
	if s.EnableMemoryOptimization {
		args = append(args, "--memory-optimization")
	}
	if _, ok := ociTrustVolume(s.Security.SignatureVerification); ok {
		args = append(args, "--oci-trust-dir="+ociartifact.TrustDir)
		mounts = append(mounts, corev1.VolumeMount{Name: ociTrustVolumeName, MountPath: ociartifact.TrustDir, ReadOnly: true})
	}
	pullArgs, pullMounts := ociPullSecretsMount(s)
	args, mounts = append(args, pullArgs...), append(mounts, pullMounts...)
	return corev1.Container{
		Name:  ContainerDaemon,
		Image: p.Image,
		Args:  args,
		Env:   append(nodeEnv(), restrictEnv(p)...),
		Ports: []corev1.ContainerPort{
			{Name: "metrics", ContainerPort: 8090, Protocol: corev1.ProtocolTCP},
			{Name: "health", ContainerPort: 8091, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe:    startupProbe("health"),
		LivenessProbe:   httpProbe("health", "/healthz"),
		ReadinessProbe:  httpProbe("health", "/readyz"),
		Resources:       resources,
		SecurityContext: sc,
		VolumeMounts:    mounts,
	}
}

// bpfRecorderArgs records AppArmor accesses only where AppArmor is on:
// their sys_exit program costs every syscall of the node while anything
// records.
func bpfRecorderArgs(s v1.SPODSpec) []string {
	args := []string{"bpf-recorder", "--proc=" + hostProcMount}
	if s.EnableAppArmor {
		args = append(args, "--apparmor")
	}
	return args
}

// BpfRecorderCapabilities are the bpf-recorder's capabilities, measured on
// a 6.18 kernel (daemon/bpfrecorder TestSelfTestWithDeployedCapabilities
// runs the recorder's self-test with exactly these): CAP_BPF loads the
// tp_btf programs, maps and BTF, CAP_PERFMON attaches them and lets them
// read task memory (kernel ≥5.8 needs nothing more for tracing programs),
// and CAP_SYS_PTRACE reads /proc/<pid>/ns/mnt of processes whose
// capabilities are not a subset of the recorder's (the ptrace access check
// of fs/proc/namespaces.c; without it every container with the default
// capabilities, and the host's PID 1, is invisible). No CAP_SYS_ADMIN (the
// self-test falls back to the recorder's own mount namespace) and no
// CAP_SYS_RESOURCE (kernels ≥5.11 charge BPF memory to the cgroup, not to
// the memlock limit).
var BpfRecorderCapabilities = []corev1.Capability{"BPF", "PERFMON", "SYS_PTRACE"}

// bpfRecorderContainer loads the eBPF syscall recorder with
// BpfRecorderCapabilities. It serves no metrics: it pushes them to the
// daemon over its Unix socket, and the daemon serves them authenticated.
// Only its health port is open, for the kubelet's probes.
func bpfRecorderContainer(s v1.SPODSpec, p Params) corev1.Container {
	sc := restricted()
	sc.Capabilities.Add = slices.Clone(BpfRecorderCapabilities)
	return corev1.Container{
		Name:  ContainerBpfRecorder,
		Image: p.Image,
		Args:  append(bpfRecorderArgs(s), unservedArgs(s)...),
		Env:   nodeEnv()[:1],
		Ports: []corev1.ContainerPort{
			{Name: "bpf-health", ContainerPort: 8095, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe:    startupProbe("bpf-health"),
		LivenessProbe:   httpProbe("bpf-health", "/healthz"),
		ReadinessProbe:  httpProbe("bpf-health", "/readyz"),
		Resources:       nodeResources("20m", "64Mi", "256Mi"),
		SecurityContext: sc,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "sockets", MountPath: socketDir},
			{Name: "host-proc", MountPath: hostProcMount, ReadOnly: true},
			{Name: "tracefs", MountPath: tracefsDir, ReadOnly: true},
		},
	}
}

// logEnricherContainer turns audit records into recordings. From auditd's
// log it needs only to read root's files (it runs as root); from the
// netlink group it needs CAP_AUDIT_READ (and the pod hostNetwork).
func logEnricherContainer(s v1.SPODSpec, p Params) corev1.Container {
	sc := restricted()
	mounts := []corev1.VolumeMount{
		{Name: "sockets", MountPath: socketDir},
		{Name: "host-proc", MountPath: hostProcMount, ReadOnly: true},
	}
	source := "auditd"
	if s.Enricher.LogEnricherSource == SourceBpf {
		source = "netlink"
		sc.Capabilities.Add = []corev1.Capability{"AUDIT_READ"}
	} else {
		mounts = append(mounts, corev1.VolumeMount{Name: "audit-log", MountPath: auditLogDir, ReadOnly: true})
	}
	env := nodeEnv()
	if s.Enricher.LogEnricherFilters != "" {
		env = append(env, corev1.EnvVar{Name: "SPO_ENRICHER_FILTERS", Value: s.Enricher.LogEnricherFilters})
	}
	return corev1.Container{
		Name:  ContainerLogEnricher,
		Image: p.Image,
		Args:  append([]string{"log-enricher", "--source=" + source, "--proc=" + hostProcMount}, commonArgs(s)...),
		Env:   env,
		Ports: []corev1.ContainerPort{
			{Name: "enricher-metric", ContainerPort: 8096, Protocol: corev1.ProtocolTCP},
			{Name: "enricher-health", ContainerPort: 8097, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe:    startupProbe("enricher-health"),
		LivenessProbe:   httpProbe("enricher-health", "/healthz"),
		ReadinessProbe:  httpProbe("enricher-health", "/readyz"),
		Resources:       nodeResources("20m", "64Mi", "256Mi"),
		SecurityContext: sc,
		VolumeMounts:    mounts,
	}
}

// restricted is the starting point of every spo container: root (for the
// node's root-owned directories), no capabilities, no escalation, a
// read-only root filesystem.
func restricted() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsUser:                ptr.To[int64](0),
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// httpProbe probes a component's health port. The timings are the API
// server's defaults, spelled out so that the whole probe is spo's.
func httpProbe(port, path string) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:   corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port)}},
		TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
	}
}

// startupProbe holds off the liveness and readiness probes until a
// component's /healthz first answers: a component may take long to start
// (a cold cache on a large cluster, the bpf recorder loading its program
// on a slow node), so it gets up to five minutes (30 × 10s) before it is
// restarted, while a hung one is still found within 30s afterwards.
func startupProbe(port string) *corev1.Probe {
	p := httpProbe(port, "/healthz")
	p.FailureThreshold = 30
	return p
}

func hostPath(name, path string) corev1.Volume {
	return hostPathTyped(name, path, corev1.HostPathDirectoryOrCreate)
}

func hostPathTyped(name, path string, t corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: ptr.To(t)}}}
}

const ociTrustVolumeName = "oci-trust"

// ociTrustVolume projects the key of the Secret and of the ConfigMap that
// spec.security.signatureVerification names into the daemon's
// ociartifact.TrustDir, so that daemons verify OCI base profiles without
// permission to read Secrets (the operator's namespace also holds the
// webhook's TLS key). Both are optional: a missing one leaves its file out
// and the daemon reports BaseProfileSignatureInvalid for the profiles that
// need it, instead of every daemon pod failing to start; the kubelet adds
// the file when the object appears.
func ociTrustVolume(sv *v1.SignatureVerification) (corev1.Volume, bool) {
	if sv == nil {
		return corev1.Volume{}, false
	}
	var sources []corev1.VolumeProjection
	if ref := sv.PublicKeySecretRef; ref != nil {
		sources = append(sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
			LocalObjectReference: ref.LocalObjectReference, Optional: ptr.To(true),
			Items: []corev1.KeyToPath{{Key: ref.Key, Path: ociartifact.PublicKeyFile}},
		}})
	}
	if ref := sv.TrustedRootConfigMapRef; ref != nil {
		sources = append(sources, corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{
			LocalObjectReference: ref.LocalObjectReference, Optional: ptr.To(true),
			Items: []corev1.KeyToPath{{Key: ref.Key, Path: ociartifact.TrustedRootFile}},
		}})
	}
	if len(sources) == 0 {
		return corev1.Volume{}, false
	}
	return corev1.Volume{Name: ociTrustVolumeName, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{Sources: sources},
	}}, true
}
