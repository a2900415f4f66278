package spodmetrics

import "github.com/prometheus/client_golang/prometheus"

// Stage is the step at which a node failed with a profile. SPO names its
// error reasons after the step; spo's Reason constants say what was wrong
// with the profile or the node, and only install refusals have one.
type Stage int

const (
	// StageInstall: writing or loading the profile (spo's reason applies).
	StageInstall Stage = iota
	// StageRemove: taking the profile off the node.
	StageRemove
	// StageUpdateProfile: updating the profile object (its finalizer).
	StageUpdateProfile
	// StageUpdateStatus: writing the SecurityProfileNodeStatus.
	StageUpdateStatus
)

// SPO's reason words. Not named Reason…: those are spo's own reasons,
// which docs/troubleshooting.md explains.
const (
	seccompNotSupported   = "SeccompNotSupportedOnNode"
	seccompInvalid        = "InvalidSeccompProfile"
	seccompCannotSave     = "CannotSaveSeccompProfile"
	seccompCannotPull     = "CannotPullSeccompProfile"
	seccompCannotRemove   = "CannotRemoveSeccompProfile"
	seccompCannotUpdate   = "CannotUpdateSeccompProfile"
	cannotUpdateNode      = "CannotUpdateNodeStatus"
	selinuxCannotSave     = "CannotSaveSelinuxPolicy"
	selinuxCannotUpdate   = "CannotUpdatePolicyStatus"
	selinuxCannotRemove   = "CannotRemoveSelinuxPolicy"
	selinuxCannotContact  = "CannotContactSelinuxd"
	selinuxCannotWrite    = "CannotWritePolicyFile"
	selinuxCannotGet      = "CannotGetPolicyStatus"
	appArmorNotSupported  = "AppArmorNotSupportedOnNode"
	appArmorCannotLoad    = "CannotLoadAppArmorProfile"
	appArmorCannotUnload  = "CannotUnloadAppArmorProfile"
	appArmorCannotUpdate  = "CannotUpdateAppArmorProfile"
	spoSeccompWriteFailed = "WriteFailed"
)

// words is one profile type's vocabulary: the word per stage, the words
// for install reasons SPO has a counterpart for, and the word for every
// other install reason.
type words struct {
	stage     map[Stage]string
	install   map[string]string
	otherwise string
}

var vocabulary = map[string]words{
	"seccomp": {
		stage: map[Stage]string{
			StageRemove: seccompCannotRemove, StageUpdateProfile: seccompCannotUpdate, StageUpdateStatus: cannotUpdateNode,
		},
		install: map[string]string{
			spoSeccompWriteFailed: seccompCannotSave,
			seccompNotSupported:   seccompNotSupported,
			// An oci:// base that could not be fetched or verified: SPO's
			// pull (which verifies) failed.
			"BaseProfilePullFailed":       seccompCannotPull,
			"BaseProfileSignatureInvalid": seccompCannotPull,
		},
		// Validation, base profiles and the SPOD's allowed syscalls and
		// actions: SPO refuses all of these as an invalid profile.
		otherwise: seccompInvalid,
	},
	"selinux": {
		stage: map[Stage]string{
			StageRemove: selinuxCannotRemove, StageUpdateProfile: selinuxCannotUpdate, StageUpdateStatus: selinuxCannotUpdate,
		},
		install: map[string]string{
			selinuxCannotContact: selinuxCannotContact,
			selinuxCannotWrite:   selinuxCannotWrite,
			selinuxCannotSave:    selinuxCannotSave,
			selinuxCannotRemove:  selinuxCannotRemove,
			// selinuxd never reported the module's status.
			"SelinuxdTimeout": selinuxCannotGet,
			// No SELinux here: SPO runs no selinuxd then, so its daemon
			// cannot reach one.
			"SelinuxNotSupportedOnNode":            selinuxCannotContact,
			"SelinuxDisabledInOperator":            selinuxCannotContact,
			"RawSelinuxProfilesDisabledInOperator": selinuxCannotContact,
		},
		// A policy that cannot be built (invalid allow rules, inherits,
		// CIL) is one SPO cannot save.
		otherwise: selinuxCannotSave,
	},
	"apparmor": {
		stage: map[Stage]string{
			StageRemove: appArmorCannotUnload, StageUpdateProfile: appArmorCannotUpdate, StageUpdateStatus: cannotUpdateNode,
		},
		install: map[string]string{
			appArmorNotSupported:         appArmorNotSupported,
			"AppArmorDisabledInOperator": appArmorNotSupported,
		},
		// Invalid rules, a parser error, a name spo does not own: the
		// profile does not load.
		otherwise: appArmorCannotLoad,
	},
}

// TypeOf is the profile type of a kind (seccomp, selinux or apparmor),
// or "" for a kind SPO counts nothing for.
func TypeOf(kind string) string {
	switch kind {
	case "SeccompProfile":
		return "seccomp"
	case "SelinuxProfile", "RawSelinuxProfile":
		return "selinux"
	case "AppArmorProfile":
		return "apparmor"
	}
	return ""
}

// Reason is the reason SPO counts for a failure with a profile of kind at
// stage; reason is spo's Reason of an install failure. It is false for a
// kind SPO has no error family for.
func Reason(kind string, stage Stage, reason string) (string, bool) {
	w, ok := vocabulary[TypeOf(kind)]
	if !ok {
		return "", false
	}
	if stage != StageInstall {
		return w.stage[stage], true
	}
	if word, ok := w.install[reason]; ok {
		return word, true
	}
	return w.otherwise, true
}

// ObserveError counts one failure with the profile named profile of kind
// in the kind's SPO error family.
func ObserveError(kind, profile string, stage Stage, reason string) {
	word, ok := Reason(kind, stage, reason)
	if !ok {
		return
	}
	var c prometheus.Counter
	switch TypeOf(kind) {
	case "seccomp":
		c = SeccompProfileError.WithLabelValues(word)
	case "selinux":
		c = SelinuxProfileError.WithLabelValues(word)
	default:
		c = AppArmorProfileError.WithLabelValues(profile, word)
	}
	c.Inc()
}

// ErrorReasonsOf is ErrorReasons for one kind, to count spo's reason
// (nodeinstall.Reconciler Errors).
func ErrorReasonsOf(kind string) *prometheus.CounterVec {
	return ErrorReasons.MustCurryWith(prometheus.Labels{"type": TypeOf(kind)})
}
