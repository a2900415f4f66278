package selinux

import "github.com/secprofiles/spo/daemon/spodmetrics"

// ProfileOps and ProfileErrors are the SELinux counters to give
// nodeinstall.Reconciler (Ops, Errors) for both SELinux kinds: ProfileOps
// is SPO's selinux_profile_total (operation "update" or "delete"),
// ProfileErrors counts refusals by spo's Reason constant
// (spodmetrics.ErrorReasons); SPO's selinux_profile_error_total is
// counted by nodeinstall in SPO's words.
var (
	ProfileOps    = spodmetrics.SelinuxProfile
	ProfileErrors = spodmetrics.ErrorReasonsOf("SelinuxProfile")
)
