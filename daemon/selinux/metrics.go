package selinux

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// ProfileOps and ProfileErrors are the SELinux metrics DESIGN §3 names.
// Give them to nodeinstall.Reconciler (Ops, Errors) for both SELinux
// kinds: operation is "update" or "delete", reason is a Reason constant.
var (
	ProfileOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_total",
		Help: "SELinux modules installed (operation=update) or removed (operation=delete) on this node.",
	}, []string{"operation"})
	ProfileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_error_total",
		Help: "SELinux profiles this node refused or failed to install, by reason.",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(ProfileOps, ProfileErrors)
}
