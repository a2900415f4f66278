package apparmor

import "github.com/secprofiles/spo/daemon/spodmetrics"

// Operations for Observe.
const (
	OperationUpdate = spodmetrics.OperationUpdate
	OperationDelete = spodmetrics.OperationDelete
)

var (
	// ProfileOps is SPO's apparmor_profile_total: profiles loaded with new
	// text (operation=update) or unloaded (operation=delete) on this node.
	ProfileOps = spodmetrics.AppArmorProfile
	// ProfileErrors counts profiles this node refused or failed to load
	// by spo's reason (spodmetrics.ErrorReasons); SPO's
	// apparmor_profile_error_total is counted by nodeinstall.
	ProfileErrors = spodmetrics.ErrorReasonsOf("AppArmorProfile")
)

// Observe counts one operation (OperationUpdate or OperationDelete).
func Observe(operation string) { ProfileOps.WithLabelValues(operation).Inc() }

// ObserveError counts one failure under ReasonOf(err).
func ObserveError(err error) { ProfileErrors.WithLabelValues(ReasonOf(err)).Inc() }
