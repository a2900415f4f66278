package ociartifact

import "errors"

// Reasons, CamelCase so they fit a node status reason and a metric label.
const (
	// ReasonPullFailed: the registry could not be reached, refused us, or
	// served something that is not a profile artifact. Retrying may help.
	ReasonPullFailed = "BaseProfilePullFailed"
	// ReasonSignatureInvalid: no signature of the artifact satisfies the
	// verification policy. Retrying will not help until someone signs the
	// artifact or changes the policy.
	ReasonSignatureInvalid = "BaseProfileSignatureInvalid"
)

// Error is a failed push, pull or verification, with the reason a node
// status reports.
type Error struct {
	Reason string
	Ref    string
	Err    error
}

func (e *Error) Error() string { return e.Ref + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the Reason of the first *Error in err's chain, or "".
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
