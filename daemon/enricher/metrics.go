package enricher

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Label sets are bounded by what runs on the node: contexts with per-pod
// MCS categories and AppArmor paths are left to the log lines.
var (
	seccompAudit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_audit_total",
		Help: "Seccomp audit records of containers, by workload, executable and syscall.",
	}, []string{"node", "namespace", "pod", "container", "executable", "syscall"})
	selinuxAudit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_audit_total",
		Help: "SELinux AVC records of containers, one increment per permission asked, by workload, executable, class and permission.",
	}, []string{"node", "namespace", "pod", "container", "executable", "tclass", "permission"})
	appArmorAudit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_audit_total",
		Help: "AppArmor audit records of containers, by workload, executable, operation and profile.",
	}, []string{"node", "namespace", "pod", "container", "executable", "operation", "profile"})
	// droppedEvents are records of containers whose pod never showed up
	// in time: they are in no recording.
	droppedEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_log_enricher_dropped_events_total",
		Help: "Audit records that could not be attributed, by reason: too_old, too_many (held for a pod not known in time), process_exited (the process was gone before its record arrived).",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(seccompAudit, selinuxAudit, appArmorAudit, droppedEvents)
}
