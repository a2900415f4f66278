package spod

import (
	"fmt"
	"path"
	"slices"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ContainerJSONEnricher is SPO's name for the container, so that
// `kubectl logs -l name=spod -c json-enricher` habits carry over.
const ContainerJSONEnricher = "json-enricher"

// JSONEnricherCapabilities are the json-enricher's capabilities with the
// auditd source: reading /proc/<pid>/environ and exe of processes with
// more capabilities than the reader is a ptrace-read access check, and
// listening to the kernel's exec events (jsonenricher.ExecEvents) needs
// NET_ADMIN.
var JSONEnricherCapabilities = []corev1.Capability{"SYS_PTRACE", "NET_ADMIN"}

// jsonLogVolume holds the JSON enricher's file output on the node.
const jsonLogVolume = "json-enricher-log"

// addJSONEnricher adds the json-enricher container and what it needs.
//
// It is a container of its own, not a mode of the log enricher: it reads
// the same audit source independently (auditd's log can be read twice, the
// netlink group multicasts to every listener), so either can be enabled
// alone, its stdout holds only its JSON lines (what a log shipper
// collects, SPO's `-c json-enricher`), and it alone gets CAP_SYS_PTRACE,
// which reading other processes' /proc/<pid>/environ and exe needs.
//
// The pod joins the host's network namespace whatever the source: the
// kernel sends exec events (and audit records, with the netlink source)
// there only. Without exec events, `kubectl exec POD -- cat FILE` exits
// before auditd's record of it can be read and gets no line.
func addJSONEnricher(pod *corev1.PodSpec, s v1.SPODSpec, p Params) {
	c := jsonEnricherContainer(s, p)
	pod.HostNetwork = true
	pod.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	if s.Enricher.LogEnricherSource != SourceBpf && !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == "audit-log" }) {
		pod.Volumes = append(pod.Volumes, hostPathTyped("audit-log", auditLogDir, corev1.HostPathDirectoryOrCreate))
	}
	if o := s.Enricher.JsonEnricherOptions; o != nil && o.AuditLogPath != nil {
		// The file's directory is the node's, so the lines outlive the pod
		// and a node agent can ship them.
		dir := path.Dir(*o.AuditLogPath)
		pod.Volumes = append(pod.Volumes, hostPathTyped(jsonLogVolume, dir, corev1.HostPathDirectoryOrCreate))
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: jsonLogVolume, MountPath: dir})
	}
	pod.Containers = append(pod.Containers, c)
}

func jsonEnricherContainer(s v1.SPODSpec, p Params) corev1.Container {
	sc := restricted()
	sc.Capabilities.Add = slices.Clone(JSONEnricherCapabilities)
	mounts := []corev1.VolumeMount{
		{Name: "sockets", MountPath: socketDir},
		{Name: "host-proc", MountPath: hostProcMount, ReadOnly: true},
	}
	source := "auditd"
	if s.Enricher.LogEnricherSource == SourceBpf {
		source = "netlink"
		sc.Capabilities.Add = append(sc.Capabilities.Add, "AUDIT_READ")
	} else {
		mounts = append(mounts, corev1.VolumeMount{Name: "audit-log", MountPath: auditLogDir, ReadOnly: true})
	}
	env := nodeEnv()
	if s.Enricher.JsonEnricherFilters != "" {
		env = append(env, corev1.EnvVar{Name: "SPO_JSON_ENRICHER_FILTERS", Value: s.Enricher.JsonEnricherFilters})
	}
	args := append([]string{"json-enricher", "--source=" + source, "--proc=" + hostProcMount}, commonArgs(s)...)
	args = append(args, jsonOutputArgs(s.Enricher.JsonEnricherOptions)...)
	return corev1.Container{
		Name:  ContainerJSONEnricher,
		Image: p.Image,
		Args:  args,
		Env:   env,
		Ports: []corev1.ContainerPort{
			{Name: "json-metric", ContainerPort: 8098, Protocol: corev1.ProtocolTCP},
			{Name: "json-health", ContainerPort: 8099, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe:    startupProbe("json-health"),
		LivenessProbe:   httpProbe("json-health", "/healthz"),
		ReadinessProbe:  httpProbe("json-health", "/readyz"),
		Resources:       nodeResources("20m", "64Mi", "256Mi"),
		SecurityContext: sc,
		VolumeMounts:    mounts,
	}
}

// DefaultJSONEnricherIntervalSeconds is SPO's auditLogIntervalSeconds
// default, also when jsonEnricherOptions is absent (where the CRD's
// default does not apply).
const DefaultJSONEnricherIntervalSeconds = 60

// jsonOutputArgs are the interval and the file output flags of
// jsonEnricherOptions; no file flags (stdout) without auditLogPath, where
// the rotation settings mean nothing.
func jsonOutputArgs(o *v1.JsonEnricherOptions) []string {
	interval := int32(DefaultJSONEnricherIntervalSeconds)
	if o != nil && o.AuditLogIntervalSeconds != nil {
		interval = *o.AuditLogIntervalSeconds
	}
	args := []string{fmt.Sprintf("--interval-seconds=%d", interval)}
	if o == nil || o.AuditLogPath == nil {
		return args
	}
	args = append(args, "--audit-log-path="+*o.AuditLogPath)
	if o.AuditLogMaxSize != nil {
		args = append(args, fmt.Sprintf("--audit-log-maxsize=%d", *o.AuditLogMaxSize))
	}
	if o.AuditLogMaxBackups != nil {
		args = append(args, fmt.Sprintf("--audit-log-maxbackup=%d", *o.AuditLogMaxBackups))
	}
	if o.AuditLogMaxAge != nil {
		args = append(args, fmt.Sprintf("--audit-log-maxage=%d", *o.AuditLogMaxAge))
	}
	return args
}

// invalidJSONEnricher checks what the CRD schema cannot about the JSON
// enricher's settings: "" when they can be rendered.
func invalidJSONEnricher(e v1.EnricherConfig) (reason, msg string) {
	if _, err := parseFilters(e.JsonEnricherFilters); err != nil {
		return ReasonInvalidJsonEnricherFilters, fmt.Sprintf("spec.enricher.jsonEnricherFilters: %v; the daemon was left as it was", err)
	}
	if o := e.JsonEnricherOptions; o != nil && o.AuditLogPath != nil {
		p := *o.AuditLogPath
		// Its directory becomes a hostPath mount: "/" or a path that
		// climbs out would mount the node's root into the container.
		if path.Clean(p) != p || path.Dir(p) == "/" || !path.IsAbs(p) {
			return ReasonInvalidJsonEnricherOptions, fmt.Sprintf("spec.enricher.jsonEnricherOptions.auditLogPath %q: must be a clean absolute path of a file in a directory other than /; the daemon was left as it was", p)
		}
	}
	return "", ""
}
