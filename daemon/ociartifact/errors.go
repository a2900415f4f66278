package ociartifact

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

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

// refused says whether the registry refused us for want of (valid)
// credentials: 401 or 403, or no credential to answer a basic challenge.
func refused(err error) (status int, ok bool) {
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return http.StatusUnauthorized, true
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		return resp.StatusCode, true
	}
	return 0, false
}

// explain adds to a refusal whether credentials were sent, and which:
// "401" alone leaves a user guessing between a missing Secret, a wrong
// password and a registry that wants another host's entry.
func (r Remote) explain(ctx context.Context, repo *remote.Repository, err error) error {
	status, ok := refused(err)
	if !ok {
		return err
	}
	host := repo.Reference.Host()
	return fmt.Errorf("registry %s refused access (HTTP %d); %s: %w", host, status, r.describe(ctx, host), err)
}

func (r Remote) describe(ctx context.Context, host string) string {
	if r.Describe != nil {
		return r.Describe(ctx, host)
	}
	if r.Credential != nil {
		if c, err := r.Credential(ctx, host); err == nil && c != auth.EmptyCredential {
			return "credentials for " + host + " were sent"
		}
	}
	return "no credentials for " + host + " were sent"
}
