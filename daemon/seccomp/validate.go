package seccomp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"

	v1 "github.com/secprofiles/spo/api/v1"
)

// maxArgIndex is the last syscall argument: syscalls take at most six.
const maxArgIndex = 5

// Validate checks spec against this node's libseccomp: architectures,
// actions and syscall names must be known, argument comparisons well formed,
// and libseccomp must accept the whole filter. Errors are *Error with Field
// relative to the object (e.g. "spec.syscalls[1].names[0]").
//
// Validate the profile's own spec before resolving it so field paths point
// into the object the user wrote; problems that only show after Resolve come
// from a base profile.
func Validate(spec *v1.SeccompProfileSpec) error {
	s := ToOCI(spec)
	f, _, err := newFilter(s)
	if err != nil {
		return withFieldPrefix(err, "spec")
	}
	defer f.Release()
	if err := checkNotify(s); err != nil {
		return withFieldPrefix(err, "spec")
	}
	known, err := nameArchs(s.Architectures)
	if err != nil {
		return err
	}
	for i, rule := range s.Syscalls {
		if err := checkRule(rule, known); err != nil {
			return withFieldPrefix(err, fmt.Sprintf("spec.syscalls[%d]", i))
		}
	}
	// Whatever else libseccomp refuses (conflicting rules for one syscall,
	// an action the kernel lacks) shows up when the rules are added.
	if err := addRules(f, s.Syscalls); err != nil {
		return withFieldPrefix(err, "spec")
	}
	return nil
}

// checkNotify refuses uses of SCMP_ACT_NOTIFY that no container could start
// with: runc refuses it as the default action and on "write" (which runc
// itself calls after loading the filter), and without listenerPath the
// runtime has no seccomp agent to hand the notifications to, so the
// notifying syscalls would block forever.
func checkNotify(s *specs.LinuxSeccomp) error {
	if s.DefaultAction == specs.ActNotify {
		return &Error{Reason: ReasonInvalidAction, Field: "defaultAction",
			Message: "SCMP_ACT_NOTIFY cannot be the default action"}
	}
	for i, rule := range s.Syscalls {
		if rule.Action != specs.ActNotify {
			continue
		}
		if s.ListenerPath == "" {
			return &Error{Reason: ReasonInvalidAction, Field: fmt.Sprintf("syscalls[%d].action", i),
				Message: "SCMP_ACT_NOTIFY needs listenerPath, the socket of the seccomp agent that answers"}
		}
		if j := slices.Index(rule.Names, "write"); j >= 0 {
			return &Error{Reason: ReasonInvalidAction, Field: fmt.Sprintf("syscalls[%d].names[%d]", i, j),
				Message: "SCMP_ACT_NOTIFY cannot be used for write: the runtime writes after loading the filter"}
		}
	}
	return nil
}

// nameArchs returns the architectures a syscall name must be known on: the
// listed ones, or the native one when none are listed. newFilter has already
// checked that they parse.
func nameArchs(list []specs.Arch) ([]libseccomp.ScmpArch, error) {
	if len(list) == 0 {
		list = []specs.Arch{archNative}
	}
	out := make([]libseccomp.ScmpArch, 0, len(list))
	for _, a := range list {
		arch, err := parseArch(a)
		if err != nil {
			return nil, err
		}
		out = append(out, arch)
	}
	return out, nil
}

// checkRule reports the first problem with one rule, with Field relative to
// the rule.
func checkRule(rule specs.LinuxSyscall, known []libseccomp.ScmpArch) error {
	if len(rule.Names) == 0 {
		return &Error{Reason: ReasonInvalidSyscall, Field: "names", Message: "a rule must name at least one syscall"}
	}
	if _, err := action(rule.Action, rule.ErrnoRet, "action", "errnoRet"); err != nil {
		return err
	}
	if err := checkArgs(rule.Args); err != nil {
		return err
	}
	for j, name := range rule.Names {
		if !knownOnAny(name, known) {
			return &Error{Reason: ReasonInvalidSyscall, Field: fmt.Sprintf("names[%d]", j),
				Message: fmt.Sprintf("unknown syscall %q for any of %s", name, archList(known))}
		}
	}
	return nil
}

// knownOnAny reports whether name is a syscall on at least one of the
// architectures. One is enough: runtimes such as runc skip a name that does
// not exist on an architecture, and real profiles (Docker's default among
// them) list arch-specific syscalls such as "open", which aarch64 lacks,
// next to their portable replacements.
func knownOnAny(name string, known []libseccomp.ScmpArch) bool {
	for _, arch := range known {
		nr, err := libseccomp.GetSyscallFromNameByArch(name, arch)
		// libseccomp answers with a negative pseudo number for syscalls it
		// knows from other architectures only.
		if err == nil && nr >= 0 {
			return true
		}
	}
	return false
}

// checkArgs refuses argument indexes beyond the sixth argument and a second
// comparison of the same argument, which libseccomp would refuse with a
// message naming neither the rule nor the argument.
func checkArgs(args []specs.LinuxSeccompArg) error {
	var seen [maxArgIndex + 1]bool
	for k, arg := range args {
		field := fmt.Sprintf("args[%d]", k)
		if arg.Index > maxArgIndex {
			return &Error{Reason: ReasonInvalidArgument, Field: field,
				Message: fmt.Sprintf("argument index %d is out of range 0-%d", arg.Index, maxArgIndex)}
		}
		if seen[arg.Index] {
			return &Error{Reason: ReasonInvalidArgument, Field: field,
				Message: fmt.Sprintf("argument %d is compared twice in one rule; use a separate rule for each alternative", arg.Index)}
		}
		seen[arg.Index] = true
		if _, ok := operators[arg.Op]; !ok {
			return &Error{Reason: ReasonInvalidArgument, Field: field, Message: fmt.Sprintf("unknown operator %q", arg.Op)}
		}
	}
	return nil
}

func archList(known []libseccomp.ScmpArch) string {
	names := make([]string, len(known))
	for i, a := range known {
		names[i] = archName(a)
	}
	return strings.Join(names, ", ")
}
