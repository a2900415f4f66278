package recorder

import (
	"regexp"
	"slices"
	"strings"

	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// SelfType is the SelinuxProfile allow key for the profile's own type.
const SelfType = "@self"

// SeccompSpec is the profile recorded syscalls make: everything recorded is
// allowed, everything else fails with an errno (not a kill, so a missed
// syscall shows up as an error the workload can report).
//
// The runtime base (seccomp.RuntimeBase) is allowed too. Both recorders
// see the runtime's init under the filter, but only as far as timing let
// it act: a signal it took in one run (ended by rt_sigreturn) it may not
// take in the next, and a profile recorded from a run without one killed
// the container it was recorded from in a run with one.
func SeccompSpec(arch string, syscalls []string) v1.SeccompProfileSpec {
	spec := v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}
	if arch != "" {
		spec.Architectures = []v1.SeccompArch{v1.SeccompArch(arch)}
	}
	if len(syscalls) == 0 {
		// Nothing recorded is no profile (errEmpty), not a base-only one.
		return spec
	}
	names := sortedUnique(append(slices.Clone(syscalls), seccomp.RuntimeBase(arch)...))
	spec.Syscalls = []v1.SeccompSyscall{{Names: names, Action: v1.ActAllow}}
	return spec
}

// selinuxName is what the SelinuxProfile CRD accepts as a type, class or
// permission; a record with anything else would make the API server refuse
// the whole profile, so such entries are skipped.
var selinuxName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// SelinuxSpec turns AVC decisions into allow rules on top of the container
// template. Targets are keyed by the type of their context; a target of the
// recorded process's own type becomes "@self", because the profile's type
// replaces the recording type when the profile is used.
func SelinuxSpec(avcs []*enricherv1.Avc) v1.SelinuxProfileSpec {
	allow := map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{}
	for _, a := range avcs {
		target := contextType(a.GetTcontext())
		if target == contextType(a.GetScontext()) {
			target = SelfType
		} else if !selinuxName.MatchString(target) {
			continue
		}
		if !selinuxName.MatchString(a.GetTclass()) {
			continue
		}
		classes := allow[v1.LabelKey(target)]
		if classes == nil {
			classes = map[v1.ObjectClassKey]v1.PermissionSet{}
			allow[v1.LabelKey(target)] = classes
		}
		cls := v1.ObjectClassKey(a.GetTclass())
		for _, p := range a.GetPermissions() {
			if selinuxName.MatchString(p) {
				classes[cls] = append(classes[cls], p)
			}
		}
	}
	for t, classes := range allow {
		for c, perms := range classes {
			if len(perms) == 0 {
				delete(classes, c)
				continue
			}
			classes[c] = sortedUnique(perms)
		}
		if len(classes) == 0 {
			delete(allow, t)
		}
	}
	return v1.SelinuxProfileSpec{
		Inherit: []v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: "container"}},
		Allow:   allow,
	}
}

// contextType is the type, the third field of user:role:type:level (the
// level may itself contain colons).
func contextType(ctx string) string {
	parts := strings.SplitN(ctx, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func sortedUnique(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
