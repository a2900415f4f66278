package spodmetrics_test

import (
	"testing"

	"github.com/secprofiles/spo/daemon/apparmor"
	"github.com/secprofiles/spo/daemon/seccomp"
	"github.com/secprofiles/spo/daemon/selinux"
	"github.com/secprofiles/spo/daemon/spodmetrics"
)

func TestReasonUsesSPOsWords(t *testing.T) {
	for name, tc := range map[string]struct {
		kind   string
		stage  spodmetrics.Stage
		reason string
		want   string
	}{
		"a seccomp profile that fails validation is invalid": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonInvalidSyscall, "InvalidSeccompProfile"},
		"a seccomp profile whose base profile is missing is invalid": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonBaseProfileNotFound, "InvalidSeccompProfile"},
		"a seccomp profile the SPOD's allowed syscalls refuse is invalid": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonSyscallNotAllowed, "InvalidSeccompProfile"},
		"an oci:// base that cannot be fetched cannot be pulled": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonBaseProfilePullFailed, "CannotPullSeccompProfile"},
		"an oci:// base whose signature is refused cannot be pulled (SPO's pull verifies)": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonBaseProfileSignatureInvalid, "CannotPullSeccompProfile"},
		"an oci:// base that holds no profile is invalid": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonBaseProfileInvalid, "InvalidSeccompProfile"},
		"a seccomp file the node cannot write cannot be saved": {
			"SeccompProfile", spodmetrics.StageInstall, seccomp.ReasonWriteFailed, "CannotSaveSeccompProfile"},
		"a node without seccomp keeps SPO's word": {
			"SeccompProfile", spodmetrics.StageInstall, "SeccompNotSupportedOnNode", "SeccompNotSupportedOnNode"},
		"a seccomp file that cannot be removed": {
			"SeccompProfile", spodmetrics.StageRemove, "", "CannotRemoveSeccompProfile"},
		"a seccomp profile whose finalizer cannot be set": {
			"SeccompProfile", spodmetrics.StageUpdateProfile, "", "CannotUpdateSeccompProfile"},
		"a seccomp node status that cannot be written": {
			"SeccompProfile", spodmetrics.StageUpdateStatus, "", "CannotUpdateNodeStatus"},

		"selinuxd out of reach keeps SPO's word": {
			"SelinuxProfile", spodmetrics.StageInstall, selinux.ReasonCannotContactSelinuxd, "CannotContactSelinuxd"},
		"a policy file that cannot be written keeps SPO's word": {
			"SelinuxProfile", spodmetrics.StageInstall, selinux.ReasonCannotWritePolicyFile, "CannotWritePolicyFile"},
		"selinuxd giving no verdict is a status SPO cannot get": {
			"SelinuxProfile", spodmetrics.StageInstall, selinux.ReasonSelinuxdTimeout, "CannotGetPolicyStatus"},
		"a node without SELinux has no selinuxd to contact": {
			"SelinuxProfile", spodmetrics.StageInstall, selinux.ReasonNotSupportedOnNode, "CannotContactSelinuxd"},
		"raw profiles switched off in the SPOD have no selinuxd to contact": {
			"RawSelinuxProfile", spodmetrics.StageInstall, selinux.ReasonRawDisabledInOperator, "CannotContactSelinuxd"},
		"invalid allow rules make a policy SPO cannot save": {
			"SelinuxProfile", spodmetrics.StageInstall, selinux.ReasonInvalidAllow, "CannotSaveSelinuxPolicy"},
		"an inherit cycle makes a policy SPO cannot save": {
			"SelinuxProfile", spodmetrics.StageInstall, selinux.ReasonInheritCycle, "CannotSaveSelinuxPolicy"},
		"invalid raw CIL makes a policy SPO cannot save": {
			"RawSelinuxProfile", spodmetrics.StageInstall, selinux.ReasonInvalidPolicy, "CannotSaveSelinuxPolicy"},
		"a module that cannot be removed": {
			"SelinuxProfile", spodmetrics.StageRemove, "", "CannotRemoveSelinuxPolicy"},
		"an SELinux node status that cannot be written": {
			"RawSelinuxProfile", spodmetrics.StageUpdateStatus, "", "CannotUpdatePolicyStatus"},

		"a node without AppArmor keeps SPO's word": {
			"AppArmorProfile", spodmetrics.StageInstall, apparmor.ReasonNotSupportedOnNode, "AppArmorNotSupportedOnNode"},
		"AppArmor switched off in the SPOD is not supported here": {
			"AppArmorProfile", spodmetrics.StageInstall, apparmor.ReasonDisabledInOperator, "AppArmorNotSupportedOnNode"},
		"a profile the parser refuses cannot load": {
			"AppArmorProfile", spodmetrics.StageInstall, apparmor.ReasonCannotLoad, "CannotLoadAppArmorProfile"},
		"an invalid path cannot load": {
			"AppArmorProfile", spodmetrics.StageInstall, apparmor.ReasonInvalidPath, "CannotLoadAppArmorProfile"},
		"a name spo does not own cannot load": {
			"AppArmorProfile", spodmetrics.StageInstall, apparmor.ReasonNotOwned, "CannotLoadAppArmorProfile"},
		"an AppArmor profile that cannot be unloaded": {
			"AppArmorProfile", spodmetrics.StageRemove, "", "CannotUnloadAppArmorProfile"},
		"an AppArmor profile whose finalizer cannot be set": {
			"AppArmorProfile", spodmetrics.StageUpdateProfile, "", "CannotUpdateAppArmorProfile"},
		"an AppArmor node status that cannot be written": {
			"AppArmorProfile", spodmetrics.StageUpdateStatus, "", "CannotUpdateNodeStatus"},
	} {
		t.Run(name, func(t *testing.T) {
			got, ok := spodmetrics.Reason(tc.kind, tc.stage, tc.reason)
			if !ok || got != tc.want {
				t.Errorf("Reason(%s, %v, %q) = %q, %v; want %q", tc.kind, tc.stage, tc.reason, got, ok, tc.want)
			}
		})
	}
}

// Every word Reason returns is one SPO 1.0 documents for that family, so
// an alert matching SPO's reasons sees every failure.
func TestReasonNeverLeavesSPOsVocabulary(t *testing.T) {
	spo := map[string][]string{
		"seccomp": {"SeccompNotSupportedOnNode", "InvalidSeccompProfile", "CannotSaveSeccompProfile",
			"CannotRemoveSeccompProfile", "CannotUpdateSeccompProfile", "CannotUpdateNodeStatus"},
		"selinux": {"CannotSaveSelinuxPolicy", "CannotUpdatePolicyStatus", "CannotRemoveSelinuxPolicy",
			"CannotContactSelinuxd", "CannotWritePolicyFile", "CannotGetPolicyStatus"},
		"apparmor": {"AppArmorNotSupportedOnNode", "CannotLoadAppArmorProfile", "CannotUnloadAppArmorProfile",
			"CannotUpdateAppArmorProfile", "CannotUpdateNodeStatus"},
	}
	reasons := []string{"", "Unknown", "SomethingNew", seccomp.ReasonInvalidFlag, seccomp.ReasonWriteFailed,
		selinux.ReasonModuleNameConflict, selinux.ReasonCannotSavePolicy, selinux.ReasonCannotRemovePolicy,
		apparmor.ReasonWriteFailed, apparmor.ReasonReservedName}
	for _, kind := range []string{"SeccompProfile", "SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile"} {
		for _, stage := range []spodmetrics.Stage{spodmetrics.StageInstall, spodmetrics.StageRemove,
			spodmetrics.StageUpdateProfile, spodmetrics.StageUpdateStatus} {
			for _, r := range reasons {
				got, ok := spodmetrics.Reason(kind, stage, r)
				if !ok || !contains(spo[spodmetrics.TypeOf(kind)], got) {
					t.Errorf("Reason(%s, %v, %q) = %q, %v: not one of SPO's %v", kind, stage, r, got, ok,
						spo[spodmetrics.TypeOf(kind)])
				}
			}
		}
	}
}

func TestReasonIgnoresKindsSPOCountsNothingFor(t *testing.T) {
	if got, ok := spodmetrics.Reason("ProfileRecording", spodmetrics.StageInstall, "x"); ok {
		t.Errorf("Reason for a ProfileRecording = %q, want none", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
