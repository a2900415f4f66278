package seccomp

import (
	"errors"

	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// Reasons say why a profile cannot be installed. They are CamelCase so they
// fit a condition's reason and a metric label
// (seccomp_profile_error_total{reason}) unchanged.
const (
	ReasonBaseProfileNotFound = "BaseProfileNotFound"
	ReasonBaseProfileCycle    = "BaseProfileCycle"
	ReasonBaseProfileTooDeep  = "BaseProfileTooDeep"
	ReasonInvalidSyscall      = "InvalidSyscall"
	ReasonInvalidAction       = "InvalidAction"
	ReasonInvalidArchitecture = "InvalidArchitecture"
	ReasonInvalidArgument     = "InvalidArgument"
	ReasonInvalidFlag         = "InvalidFlag"
	ReasonSyscallNotAllowed   = "SyscallNotAllowed"
	ReasonActionNotAllowed    = "ActionNotAllowed"
	ReasonInvalidName         = "InvalidName"

	// ReasonUnknown is what ReasonOf returns for errors that are not an
	// *Error: transient failures worth retrying rather than reporting as a
	// broken profile.
	ReasonUnknown = "Unknown"
)

// Error is a problem with the profile itself: retrying will not help until
// someone edits a profile (or the operator's security settings). It is the
// node reconciler's error type, so it reaches the node status unchanged.
type Error = nodeinstall.Error

// ReasonOf returns the reason of the first *Error in err's chain, or
// ReasonUnknown.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonUnknown
}

// withFieldPrefix returns err with prefix prepended to its field path when it
// is an *Error, so that errors about an OCI document ("syscalls[1]") can be
// reported against the API object ("spec.syscalls[1]").
func withFieldPrefix(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	field := prefix
	if e.Field != "" {
		field = prefix + "." + e.Field
	}
	return &Error{Reason: e.Reason, Field: field, Message: e.Message}
}
