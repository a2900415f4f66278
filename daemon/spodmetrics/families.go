package spodmetrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Prefix starts every spo family, SPO's and spo's own.
const Prefix = "security_profiles_operator_"

// The operation label values of the *_profile_total families.
const (
	OperationUpdate = "update"
	OperationDelete = "delete"
)

// AppArmorDenied is the apparmor= value of a denial; such records also
// count in AppArmorProfileDenial.
const AppArmorDenied = "DENIED"

// SPO's families. Names and label names must not change: they are what
// SPO users' queries match.
var (
	SeccompProfile = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_total",
		Help: "Seccomp profile files written (operation=update) or removed (operation=delete) on this node.",
	}, []string{"operation"})
	SeccompProfileAudit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_audit_total",
		Help: "Seccomp audit records of containers, by workload, executable and syscall (log-enricher).",
	}, []string{"node", "namespace", "pod", "container", "executable", "syscall"})
	SeccompProfileBpf = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_bpf_total",
		Help: "Syscall sets collected by the eBPF recorder, per mount namespace and profile (bpf-recorder).",
	}, []string{"node", "mount_namespace", "profile"})
	SeccompProfileError = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_error_total",
		Help: "Seccomp profile failures on this node, by SPO's reason.",
	}, []string{"reason"})

	SelinuxProfile = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_total",
		Help: "SELinux modules installed (operation=update) or removed (operation=delete) on this node.",
	}, []string{"operation"})
	SelinuxProfileAudit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_audit_total",
		Help: "SELinux AVC records of containers, by workload, executable and source and target context (log-enricher).",
	}, []string{"node", "namespace", "pod", "container", "executable", "scontext", "tcontext"})
	SelinuxProfileError = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_error_total",
		Help: "SELinux profile failures on this node, by SPO's reason.",
	}, []string{"reason"})

	AppArmorProfile = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_total",
		Help: "AppArmor profiles loaded with new text (operation=update) or unloaded (operation=delete) on this node.",
	}, []string{"operation"})
	AppArmorProfileAudit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_audit_total",
		Help: "AppArmor audit records of containers, by workload, executable, profile, operation, result and (denials only) object name (log-enricher).",
	}, []string{"node", "namespace", "pod", "container", "executable", "profile", "operation", "apparmor", "name"})
	AppArmorProfileError = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_error_total",
		Help: "AppArmor profile failures on this node, by profile and SPO's reason.",
	}, []string{"profile", "reason"})
	AppArmorProfileDenial = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_denial_total",
		Help: "AppArmor denials of containers, by profile and operation (log-enricher).",
	}, []string{"profile", "operation"})
)

// ErrorReasons is spo's extra beside the *_profile_error_total families:
// the same refusals under spo's own Reason (the one in the node status and
// the Event), which says more than SPO's words. type is seccomp, selinux
// or apparmor.
var ErrorReasons = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "security_profiles_operator_profile_error_reasons_total",
	Help: "Profiles this node refused or failed to install, by profile type and spo's reason (see docs/troubleshooting.md).",
}, []string{"type", "reason"})

// Families are SPO's families, in SPO's order.
func Families() []*prometheus.CounterVec {
	return []*prometheus.CounterVec{
		SeccompProfile, SeccompProfileAudit, SeccompProfileBpf, SeccompProfileError,
		SelinuxProfile, SelinuxProfileAudit, SelinuxProfileError,
		AppArmorProfile, AppArmorProfileAudit, AppArmorProfileError, AppArmorProfileDenial,
	}
}

func init() {
	for _, f := range Families() {
		metrics.Registry.MustRegister(f)
	}
	metrics.Registry.MustRegister(ErrorReasons)
}

// ObserveBpf counts one syscall set the eBPF recorder handed out.
func ObserveBpf(node string, mntns uint32, profile string) {
	SeccompProfileBpf.WithLabelValues(node, strconv.FormatUint(uint64(mntns), 10), profile).Inc()
}

// ObserveAppArmorAudits counts n identical AppArmor records (the log
// enricher holds repeats of a record as one while its pod is not known),
// and denials also in AppArmorProfileDenial. The object name is kept for
// denials only: every file a workload touches in complain mode would
// otherwise be a series.
func ObserveAppArmorAudits(node, namespace, pod, container, executable, profile, operation, result, name string, n int) {
	if result != AppArmorDenied {
		name = ""
	}
	AppArmorProfileAudit.WithLabelValues(node, namespace, pod, container, executable, profile, operation, result, name).Add(float64(n))
	if result == AppArmorDenied {
		AppArmorProfileDenial.WithLabelValues(profile, operation).Add(float64(n))
	}
}
