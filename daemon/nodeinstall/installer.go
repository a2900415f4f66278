package nodeinstall

import (
	"context"
	"time"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Installer puts one kind of profile on this node and takes it off again.
// The Reconciler calls it; it never touches the API server's objects
// (statuses, finalizers, Events are the Reconciler's job).
type Installer[P v1.Profile] interface {
	// Install renders p and installs it on the node. Errors that are the
	// profile's fault, or the node's lack of support for it, are *Error:
	// reported on the profile and not retried until something changes.
	// Any other error is retried with backoff.
	Install(ctx context.Context, p P) (Installed, error)
	// Remove takes p off the node. removed says whether anything was there.
	Remove(ctx context.Context, p P) (removed bool, err error)
}

// Locator is implemented by Installers that can say where a profile is
// installed without installing it: the location reported while a profile
// being deleted is kept for the pods still using it.
type Locator[P v1.Profile] interface {
	Location(p P) string
}

// Installed says what Install did.
type Installed struct {
	// Location is where the profile is installed, as the node status
	// reports it: a file path, or the name the LSM knows it by.
	Location string
	// Changed is true when the node's state changed (new content), so an
	// Event and the operation metric are worth emitting.
	Changed bool
	// Warning, if set, says how the node installs the profile differently
	// from what it says (seccomp names skipped on an architecture). The
	// profile is installed all the same.
	Warning *Warning
	// RecheckAfter, if set, installs the profile again after this long:
	// it is built from something that can change outside the cluster (a
	// seccomp base profile named by an OCI tag), where no watch reaches.
	RecheckAfter time.Duration
}

// Warning is something users should know about an installed profile.
type Warning struct {
	// Reason is CamelCase: the node status's reason and the Event reason.
	Reason string
	// Message says what the node did, for a human.
	Message string
}

// Error is a problem retrying will not fix: the profile is invalid, the
// cluster's policy forbids it, or the node cannot run it (reason ending in
// NotSupportedOnNode).
type Error struct {
	// Reason is CamelCase: it becomes the node status's reason, the Event
	// reason and the error metric's label unchanged.
	Reason string
	// Field is the path of the offending field ("spec.allow.foo"), or "".
	Field string
	// Message says what is wrong, for a human.
	Message string
	// Retry marks a failure of the node rather than of the profile (a
	// write that failed, a daemon that did not answer): reported like the
	// others, and retried with backoff.
	Retry bool
}

// Error returns the field path and the message, the way the API server
// words validation errors.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}
