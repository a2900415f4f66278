package apparmor

import (
	"errors"

	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// Reasons say why a profile cannot be installed. They are CamelCase so they
// fit a node status reason, an Event reason and the error metric's label
// (apparmor_profile_error_total{reason}) unchanged.
const (
	ReasonInvalidName       = "InvalidName"
	ReasonInvalidPath       = "InvalidPath"
	ReasonConflictingPath   = "ConflictingPath"
	ReasonInvalidCapability = "InvalidCapability"
	// ReasonInvalidPolicy means apparmor_parser refused the rendered text,
	// for example a glob it cannot compile or an undeclared @{variable}.
	ReasonInvalidPolicy = "InvalidPolicy"
	// ReasonNotSupportedOnNode: the kernel has no AppArmor, or securityfs is
	// not mounted where apparmor_parser loads policy through it.
	ReasonNotSupportedOnNode = "AppArmorNotSupportedOnNode"
	// ReasonDisabledInOperator: the SecurityProfilesOperatorDaemon's
	// enableAppArmor is false.
	ReasonDisabledInOperator = "AppArmorDisabledInOperator"

	// ReasonCannotLoad: apparmor_parser could not load valid text (the
	// kernel refused, the parser is missing). Retried with backoff.
	ReasonCannotLoad = "CannotLoadAppArmorProfile"
	// ReasonWriteFailed: the node could not record the loaded text in its
	// state directory. Retried with backoff.
	ReasonWriteFailed = "WriteFailed"

	// ReasonUnknown is what ReasonOf returns for errors that are not a
	// *nodeinstall.Error: transient failures, retried with backoff.
	ReasonUnknown = "Unknown"
)

// ReasonOf returns the reason of the first *nodeinstall.Error in err's
// chain, or ReasonUnknown.
func ReasonOf(err error) string {
	var e *nodeinstall.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonUnknown
}

func newError(reason, field, msg string) *nodeinstall.Error {
	return &nodeinstall.Error{Reason: reason, Field: field, Message: msg}
}

// retryable is a failure of the node, not of the profile: reported on the
// node status like the others, and retried with backoff.
func retryable(reason string, err error) *nodeinstall.Error {
	return &nodeinstall.Error{Reason: reason, Message: err.Error(), Retry: true}
}
