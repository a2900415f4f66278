package selinux

import (
	"errors"

	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// Reasons say why a profile cannot be installed on this node. They are
// CamelCase so that the node status, the Event and the error metric
// (selinux_profile_error_total{reason}) can carry them unchanged.
const (
	// ReasonInvalidName: the object's name cannot be a CIL block name
	// (CIL names start with a letter and hold no dots).
	ReasonInvalidName = "InvalidName"
	// ReasonInvalidAllow: a type, class or permission in spec.allow is not
	// a CIL identifier.
	ReasonInvalidAllow = "InvalidAllow"
	// ReasonInvalidInherit: an inherit entry has an unknown kind or a bad name.
	ReasonInvalidInherit = "InvalidInherit"
	// ReasonPermissionNotAllowed: a permission on the built-in denylist
	// (see dangerous in policy.go).
	ReasonPermissionNotAllowed = "PermissionNotAllowed"
	// ReasonSystemProfileNotAllowed: a System inherit that is neither
	// "container" nor in the SPOD's selinux.options.allowedSystemProfiles.
	ReasonSystemProfileNotAllowed = "SystemProfileNotAllowed"
	// ReasonInheritNotFound: an inherited SelinuxProfile does not exist.
	ReasonInheritNotFound = "InheritNotFound"
	// ReasonInheritCycle: inherited SelinuxProfiles form a cycle.
	ReasonInheritCycle = "InheritCycle"
	// ReasonInheritTooDeep: the inherit chain is longer than MaxChainLength.
	ReasonInheritTooDeep = "InheritTooDeep"
	// ReasonInheritConflict: two inherited profiles bring the same block
	// (see planInherits).
	ReasonInheritConflict = "InheritConflict"
	// ReasonInvalidPolicy: a RawSelinuxProfile's CIL is malformed or
	// holds a statement outside the allowlist (rawallow.go), such as a
	// rule for a type that is not the profile's own.
	ReasonInvalidPolicy = "InvalidPolicy"
	// ReasonCannotSavePolicy: selinuxd reported the module as Failed
	// (SPO 1.0 uses the same reason, "CannotSaveSelinuxPolicy").
	ReasonCannotSavePolicy = "CannotSaveSelinuxPolicy"
	// ReasonNotSupportedOnNode: the node's kernel does not run SELinux.
	ReasonNotSupportedOnNode = "SelinuxNotSupportedOnNode"
	// ReasonDisabledInOperator: the SPOD's selinux.enable is off.
	ReasonDisabledInOperator = "SelinuxDisabledInOperator"
	// ReasonRawDisabledInOperator: a RawSelinuxProfile while the SPOD's
	// selinux.enableRawSelinuxProfiles is off.
	ReasonRawDisabledInOperator = "RawSelinuxProfilesDisabledInOperator"

	// ReasonUnknown is what ReasonOf returns for errors that are not a
	// *nodeinstall.Error: transient failures, retried with backoff.
	ReasonUnknown = "Unknown"
)

func newError(reason, field, msg string) error {
	return &nodeinstall.Error{Reason: reason, Field: field, Message: msg}
}

// ReasonOf returns the reason of the first *nodeinstall.Error in err's
// chain, or ReasonUnknown.
func ReasonOf(err error) string {
	var e *nodeinstall.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonUnknown
}
