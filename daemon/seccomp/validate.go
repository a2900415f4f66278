package seccomp

import (
	"fmt"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	v1 "github.com/secprofiles/spo/api/v1"
)

// maxArgIndex is the last syscall argument: syscalls take at most six.
const maxArgIndex = 5

// Validate checks spec against this node's libseccomp: architectures and
// actions must be known, argument comparisons well formed, and libseccomp
// must accept the whole filter. Syscall names libseccomp does not know are
// not an error: runtimes skip them (see UnknownSyscalls). Errors are *Error with Field
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
	for i, rule := range s.Syscalls {
		if err := checkRule(rule); err != nil {
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

// checkRule reports the first problem with one rule, with Field relative to
// the rule.
func checkRule(rule specs.LinuxSyscall) error {
	if len(rule.Names) == 0 {
		return &Error{Reason: ReasonInvalidSyscall, Field: "names", Message: "a rule must name at least one syscall"}
	}
	if _, err := action(rule.Action, rule.ErrnoRet, "action", "errnoRet"); err != nil {
		return err
	}
	if err := checkArgs(rule.Args); err != nil {
		return err
	}
	return nil
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
