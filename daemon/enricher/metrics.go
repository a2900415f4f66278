package enricher

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/secprofiles/spo/daemon/spodmetrics"
)

// The audit families are SPO's (package spodmetrics), pushed to the
// daemon. Their label sets are SPO's; what keeps them bounded is that
// every series belongs to a container on this node, and AppArmor object
// names are kept for denials only.
var (
	seccompAudit = spodmetrics.SeccompProfileAudit
	// selinuxPermissions is spo's finer view of an AVC: one increment
	// per permission asked, by class and permission, where SPO's family
	// counts records by source and target context.
	selinuxPermissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_avc_permissions_total",
		Help: "Permissions asked in SELinux AVC records of containers, by workload, executable, class and permission.",
	}, []string{"node", "namespace", "pod", "container", "executable", "tclass", "permission"})
	// droppedEvents are records that are in no recording: of containers
	// whose pod never showed up in time, or of processes that were gone
	// before they could be attributed.
	droppedEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_log_enricher_dropped_events_total",
		Help: "Audit records that could not be attributed, by reason: too_old, too_many (held for a pod not known in time), process_exited (the process had exited, or was exiting, before its record arrived, and no earlier record tied it to a container).",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(selinuxPermissions, droppedEvents)
}
