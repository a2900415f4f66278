package spod

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// The names of what the DaemonSet is made of.
const (
	DaemonSetName      = "spo-daemon"
	ServiceAccountName = "spo-daemon"

	ContainerDaemon      = "daemon"
	ContainerBpfRecorder = "bpf-recorder"
	ContainerLogEnricher = "log-enricher"
	ContainerSelinuxd    = "selinuxd"

	// DefaultSelinuxdImage installs SELinux modules on the nodes.
	DefaultSelinuxdImage = "quay.io/security-profiles-operator/selinuxd:latest"
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
	kubeletDir    = "/var/lib/kubelet"
	stateDir      = "/var/lib/spo"
	socketDir     = "/var/run/spo"
	auditLogDir   = "/var/log/audit"
	securityfsDir = "/sys/kernel/security"
)

// Params are what the DaemonSet depends on besides the SPOD.
type Params struct {
	// Namespace of the operator (and of the SPOD).
	Namespace string
	// Image of spo, run by every container but selinuxd.
	Image string
	// SelinuxdImage runs selinuxd (DefaultSelinuxdImage if empty).
	SelinuxdImage string
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
		Volumes:           []corev1.Volume{hostPath("seccomp", kubeletDir+"/seccomp"), hostPath("state", stateDir), hostPath("sockets", socketDir)},
		Tolerations:       s.Scheduling.Tolerations,
		Affinity:          s.Scheduling.Affinity,
		PriorityClassName: s.Scheduling.PriorityClassName,
	}
	recorders := s.Enricher.EnableBpfRecorder || s.Enricher.EnableLogEnricher
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
	}
	if s.Enricher.EnableLogEnricher {
		pod.Containers = append(pod.Containers, logEnricherContainer(s, p))
		if s.Enricher.LogEnricherSource == SourceBpf {
			// The kernel multicasts audit records on the initial network
			// namespace's audit socket only.
			pod.HostNetwork = true
			pod.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		} else {
			pod.Volumes = append(pod.Volumes, hostPathTyped("audit-log", auditLogDir, corev1.HostPathDirectory))
		}
	}
	if s.EnableAppArmor {
		pod.Volumes = append(pod.Volumes, hostPathTyped("securityfs", securityfsDir, corev1.HostPathDirectory))
	}
	if s.Selinux.Enable {
		pod.Containers = append(pod.Containers, selinuxdContainer(p))
		pod.Volumes = append(pod.Volumes,
			hostPathTyped("selinux-policy", "/etc/selinux.d", corev1.HostPathDirectoryOrCreate),
			hostPathTyped("selinuxd-socket", "/var/run/selinuxd", corev1.HostPathDirectoryOrCreate),
			hostPathTyped("etc-selinux", "/etc/selinux", corev1.HostPathDirectory),
			hostPathTyped("var-lib-selinux", "/var/lib/selinux", corev1.HostPathDirectory),
			hostPathTyped("selinuxfs", "/sys/fs/selinux", corev1.HostPathDirectory),
		)
	}

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

// DefaultDaemonResources are the daemon container's resources unless
// daemonResourceRequirements says otherwise.
func DefaultDaemonResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("48Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}
}

// daemonContainer installs profiles. Root owns the kubelet's directory and
// no capability is needed to write in a directory one owns, so it drops
// them all — except, with AppArmor, CAP_MAC_ADMIN to load policy through
// securityfs, which the runtime's default AppArmor profile forbids
// writing (hence Unconfined for this container only).
func daemonContainer(s v1.SPODSpec, p Params) corev1.Container {
	resources := DefaultDaemonResources()
	if s.DaemonResourceRequirements != nil {
		resources = *s.DaemonResourceRequirements
	}
	sc := restricted()
	mounts := []corev1.VolumeMount{
		{Name: "seccomp", MountPath: kubeletDir + "/seccomp"},
		// Recordings in progress and loaded AppArmor policy survive a
		// daemon restart only if their state is on the node.
		{Name: "state", MountPath: stateDir},
		// The bpf recorder's and log enricher's sockets, when they run.
		{Name: "sockets", MountPath: socketDir},
	}
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
	args := append([]string{"daemon", "--kubelet-dir=" + kubeletDir, "--state-dir=" + stateDir}, commonArgs(s)...)
	if s.Selinux.Enable {
		args = append(args, "--selinuxd-socket=/var/run/selinuxd/selinuxd.sock", "--selinux-policy-dir=/etc/selinux.d")
	}
	return corev1.Container{
		Name:  ContainerDaemon,
		Image: p.Image,
		Args:  args,
		Env:   nodeEnv(),
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

// bpfRecorderContainer loads the eBPF syscall recorder: CAP_BPF to load
// programs and maps, CAP_PERFMON to attach to tracepoints and read kernel
// memory, CAP_SYS_ADMIN for the BTF-typed task reads older kernels gate on
// it, CAP_SYS_RESOURCE to raise the memlock limit where it applies.
func bpfRecorderContainer(s v1.SPODSpec, p Params) corev1.Container {
	sc := restricted()
	sc.Capabilities.Add = []corev1.Capability{"BPF", "PERFMON", "SYS_ADMIN", "SYS_RESOURCE"}
	return corev1.Container{
		Name:  ContainerBpfRecorder,
		Image: p.Image,
		Args:  append([]string{"bpf-recorder", "--proc=" + hostProcMount}, commonArgs(s)...),
		Env:   nodeEnv()[:1],
		Ports: []corev1.ContainerPort{
			{Name: "bpf-metrics", ContainerPort: 8094, Protocol: corev1.ProtocolTCP},
			{Name: "bpf-health", ContainerPort: 8095, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe:    startupProbe("bpf-health"),
		LivenessProbe:   httpProbe("bpf-health", "/healthz"),
		ReadinessProbe:  httpProbe("bpf-health", "/readyz"),
		SecurityContext: sc,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "sockets", MountPath: socketDir},
			{Name: "host-proc", MountPath: hostProcMount, ReadOnly: true},
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
		SecurityContext: sc,
		VolumeMounts:    mounts,
	}
}

// selinuxdContainer installs SELinux modules. Loading policy needs the
// whole of selinuxfs and the host's policy store: it runs privileged, as
// spc_t, the one container that does. selinuxd serves nothing but its Unix
// socket (no HTTP endpoint), so it has no probes, startup probe included.
func selinuxdContainer(p Params) corev1.Container {
	image := p.SelinuxdImage
	if image == "" {
		image = DefaultSelinuxdImage
	}
	return corev1.Container{
		Name:  ContainerSelinuxd,
		Image: image,
		Args:  []string{"daemon", "--datastore-path=/var/run/selinuxd/selinuxd.db", "--socket-path=/var/run/selinuxd/selinuxd.sock"},
		SecurityContext: &corev1.SecurityContext{
			Privileged:     ptr.To(true),
			RunAsUser:      ptr.To[int64](0),
			SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "selinux-policy", MountPath: "/etc/selinux.d", ReadOnly: true},
			{Name: "selinuxd-socket", MountPath: "/var/run/selinuxd"},
			{Name: "etc-selinux", MountPath: "/etc/selinux"},
			{Name: "var-lib-selinux", MountPath: "/var/lib/selinux"},
			{Name: "selinuxfs", MountPath: "/sys/fs/selinux"},
		},
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
