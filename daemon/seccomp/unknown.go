package seccomp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ReasonUnknownSyscalls is the warning (not an error) that a profile names
// syscalls libseccomp does not know on some of its architectures: they are
// skipped there, as runc and crun skip them, and the profile is installed.
const ReasonUnknownSyscalls = "UnknownSyscalls"

// ArchNames are the syscall names one architecture does not know.
type ArchNames struct {
	// Arch is the OCI name, e.g. SCMP_ARCH_X86_64.
	Arch string
	// Names are sorted and unique.
	Names []string
}

// UnknownSyscalls returns, for each of the spec's architectures (the
// native one when none are listed) in the order listed, the names in its
// rules that libseccomp does not know there; architectures that know every
// name are left out, so nil means nothing is skipped.
//
// Such names are not an error: runc (and crun) skip a name their
// libseccomp cannot resolve for an architecture, so one profile serves
// several architectures and libseccomp versions. Profiles written for that
// rely on it: SPO's own profile-complain-block-high-risk blocks stime and
// vm86, which only i386 has, while listing x86_64 alone. A name no
// architecture knows (a typo, or a syscall newer than this libseccomp) is
// skipped the same way; the caller reports it as a warning.
//
// Architectures that do not parse are left to Validate, which names the field.
func UnknownSyscalls(spec *v1.SeccompProfileSpec) []ArchNames {
	names := ruleNames(spec.Syscalls)
	var out []ArchNames
	for _, a := range specArchs(spec.Architectures) {
		arch, err := parseArch(specs.Arch(a))
		if err != nil {
			continue
		}
		var unknown []string
		for _, name := range names {
			if !knownOn(name, arch) {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			out = append(out, ArchNames{Arch: archName(arch), Names: unknown})
		}
	}
	return out
}

// UnknownSyscallsMessage words the result of UnknownSyscalls for a node
// status, an Event or a CLI warning; "" when nothing is skipped.
func UnknownSyscallsMessage(unknown []ArchNames) string {
	if len(unknown) == 0 {
		return ""
	}
	parts := make([]string, len(unknown))
	for i, u := range unknown {
		parts[i] = fmt.Sprintf("%s: %s", u.Arch, strings.Join(u.Names, ", "))
	}
	return "syscalls unknown on their architecture, which container runtimes skip: " + strings.Join(parts, "; ")
}

// specArchs are the architectures names are looked up on: the listed ones,
// without repeats, or the native one when none are listed (runc then
// builds the filter for the native architecture only).
func specArchs(list []v1.SeccompArch) []v1.SeccompArch {
	if len(list) == 0 {
		return []v1.SeccompArch{v1.SeccompArch(archNative)}
	}
	out := make([]v1.SeccompArch, 0, len(list))
	for _, a := range list {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// ruleNames are the syscall names of all rules, sorted and unique, so each
// is looked up once per architecture however many rules repeat it.
func ruleNames(rules []v1.SeccompSyscall) []string {
	var names []string
	for _, r := range rules {
		names = append(names, r.Names...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// knownOn reports whether libseccomp knows name as a syscall of arch.
// libseccomp answers names it knows from other architectures only with a
// negative pseudo number rather than an error.
func knownOn(name string, arch libseccomp.ScmpArch) bool {
	nr, err := libseccomp.GetSyscallFromNameByArch(name, arch)
	return err == nil && nr >= 0
}
