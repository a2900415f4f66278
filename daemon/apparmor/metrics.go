package apparmor

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Operations for Observe.
const (
	OperationUpdate = "update"
	OperationDelete = "delete"
)

var (
	// ProfileOps counts profiles loaded with new text (operation=update) or
	// unloaded (operation=delete) on this node.
	ProfileOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_total",
		Help: "AppArmor profiles loaded with new text (operation=update) or unloaded (operation=delete) on this node.",
	}, []string{"operation"})
	// ProfileErrors counts profiles this node refused or failed to load.
	ProfileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_error_total",
		Help: "AppArmor profiles this node refused or failed to load, by reason.",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(ProfileOps, ProfileErrors)
}

// Observe counts one operation (OperationUpdate or OperationDelete).
func Observe(operation string) { ProfileOps.WithLabelValues(operation).Inc() }

// ObserveError counts one failure under ReasonOf(err).
func ObserveError(err error) { ProfileErrors.WithLabelValues(ReasonOf(err)).Inc() }
