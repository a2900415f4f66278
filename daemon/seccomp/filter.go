package seccomp

import (
	"errors"
	"fmt"
	"os"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// BuildFilter turns an OCI seccomp profile into a libseccomp filter, the way
// runc does, without loading it. Errors about the profile are *Error with
// Field relative to the OCI document (e.g. "syscalls[2].args[0]"). The caller
// must Release the filter.
func BuildFilter(s *specs.LinuxSeccomp) (*libseccomp.ScmpFilter, error) {
	f, _, err := buildFilter(s)
	return f, err
}

// LoadFilter builds the filter for s and loads it into the calling process,
// on every thread (TSYNC), with no_new_privs set so no privilege is needed.
// `spoc run` calls it in the child right before exec: a filter on one Go
// thread only would leave the others, and whatever they exec, unfiltered.
func LoadFilter(s *specs.LinuxSeccomp) error {
	if err := refuseNotify(s); err != nil {
		return err
	}
	f, ignored, err := buildFilter(s)
	if err != nil {
		return fmt.Errorf("building seccomp filter: %w", err)
	}
	defer f.Release()
	for _, w := range ignored {
		// Nothing better to do in a process about to exec: the filter still
		// enforces the same syscalls, so say so and carry on.
		fmt.Fprintf(os.Stderr, "spo: %v\n", w)
	}
	if err := f.SetNoNewPrivsBit(true); err != nil {
		return fmt.Errorf("setting no_new_privs: %w", err)
	}
	if err := f.Load(); err != nil {
		return fmt.Errorf("loading seccomp filter: %w", err)
	}
	return nil
}

// refuseNotify rejects SCMP_ACT_NOTIFY: loading such a filter creates a
// listener fd that only a seccomp agent can answer, and with nobody holding
// it the notifying syscalls would block forever.
func refuseNotify(s *specs.LinuxSeccomp) error {
	if s.DefaultAction == specs.ActNotify {
		return &Error{Reason: ReasonActionNotAllowed, Field: "defaultAction",
			Message: "SCMP_ACT_NOTIFY needs a seccomp agent; it cannot be loaded without one"}
	}
	for i, rule := range s.Syscalls {
		if rule.Action == specs.ActNotify {
			return &Error{Reason: ReasonActionNotAllowed, Field: fmt.Sprintf("syscalls[%d].action", i),
				Message: "SCMP_ACT_NOTIFY needs a seccomp agent; it cannot be loaded without one"}
		}
	}
	return nil
}

// buildFilter is BuildFilter that also returns the flags it ignored, as
// errors to show to a human.
func buildFilter(s *specs.LinuxSeccomp) (*libseccomp.ScmpFilter, []error, error) {
	f, ignored, err := newFilter(s)
	if err != nil {
		return nil, nil, err
	}
	if err := addRules(f, s.Syscalls); err != nil {
		f.Release()
		return nil, nil, err
	}
	return f, ignored, nil
}

// newFilter creates a filter with the default action, architectures and
// flags of s, and no rules yet.
func newFilter(s *specs.LinuxSeccomp) (*libseccomp.ScmpFilter, []error, error) {
	def, err := action(s.DefaultAction, s.DefaultErrnoRet, "defaultAction", "defaultErrnoRet")
	if err != nil {
		return nil, nil, err
	}
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, nil, &Error{Reason: ReasonInvalidAction, Field: "defaultAction",
			Message: fmt.Sprintf("libseccomp refuses %s as the default action: %v", s.DefaultAction, err)}
	}
	if err := addArchs(f, s.Architectures); err != nil {
		f.Release()
		return nil, nil, err
	}
	ignored, err := setFlags(f, s.Flags)
	if err != nil {
		f.Release()
		return nil, nil, err
	}
	return f, ignored, nil
}

// addArchs adds the architectures to f. The native one is always in a new
// filter, as with runc, so listing other architectures widens the filter.
func addArchs(f *libseccomp.ScmpFilter, list []specs.Arch) error {
	for k, a := range list {
		field := fmt.Sprintf("architectures[%d]", k)
		arch, err := parseArch(a)
		if err != nil {
			return &Error{Reason: ReasonInvalidArchitecture, Field: field, Message: err.Error()}
		}
		if err := f.AddArch(arch); err != nil {
			return &Error{Reason: ReasonInvalidArchitecture, Field: field,
				Message: fmt.Sprintf("libseccomp refuses %s: %v", a, err)}
		}
	}
	return nil
}

// setFlags applies the seccomp(2) flags. It returns the flags it ignored
// because this libseccomp is too old for them; refusing a whole profile for
// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV would be worse than ignoring it,
// since it only changes how a task waits for a seccomp agent, not which
// syscalls are allowed.
func setFlags(f *libseccomp.ScmpFilter, flags []specs.LinuxSeccompFlag) ([]error, error) {
	var ignored []error
	for k, flag := range flags {
		var err error
		switch flag {
		case flagTSYNC:
			// libseccomp.NewFilter always sets TSYNC: there is nothing to add.
		case specs.LinuxSeccompFlagLog:
			err = f.SetLogBit(true)
		case specs.LinuxSeccompFlagSpecAllow:
			err = f.SetSSB(true)
		case specs.LinuxSeccompFlagWaitKillableRecv:
			if werr := f.SetWaitKill(true); werr != nil {
				ignored = append(ignored, fmt.Errorf("ignoring %s: %w", flag, werr))
			}
		default:
			err = errors.New("unknown flag")
		}
		if err != nil {
			return nil, &Error{Reason: ReasonInvalidFlag, Field: fmt.Sprintf("flags[%d]", k),
				Message: fmt.Sprintf("%s: %v", flag, err)}
		}
	}
	return ignored, nil
}

// addRules adds every rule to f, in order.
func addRules(f *libseccomp.ScmpFilter, rules []specs.LinuxSyscall) error {
	def, err := f.GetDefaultAction()
	if err != nil {
		return fmt.Errorf("reading the filter's default action: %w", err)
	}
	for i, rule := range rules {
		if err := addRule(f, rule, def); err != nil {
			return withFieldPrefix(err, fmt.Sprintf("syscalls[%d]", i))
		}
	}
	return nil
}

// addRule adds one rule for each of its names. Field paths in errors are
// relative to the rule.
func addRule(f *libseccomp.ScmpFilter, rule specs.LinuxSyscall, def libseccomp.ScmpAction) error {
	act, err := action(rule.Action, rule.ErrnoRet, "action", "errnoRet")
	if err != nil {
		return err
	}
	// libseccomp refuses a rule whose action is the default one, and such a
	// rule changes nothing; runc drops it for the same reasons. Profiles
	// that merge a base often contain them.
	if act == def {
		return nil
	}
	conds, err := conditions(rule.Args)
	if err != nil {
		return err
	}
	for j, name := range rule.Names {
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			// Runtimes skip names their libseccomp does not know, so that
			// one profile serves nodes of different ages and architectures;
			// UnknownSyscalls names them for a warning. A name known on
			// another architecture only resolves to a negative pseudo
			// number, which libseccomp skips per architecture.
			continue
		}
		if err := f.AddRuleConditional(nr, act, conds); err != nil {
			return &Error{Reason: ReasonInvalidSyscall, Field: fmt.Sprintf("names[%d]", j),
				Message: fmt.Sprintf("libseccomp refuses the rule for %q: %v", name, err)}
		}
	}
	return nil
}

// conditions converts a rule's argument comparisons; all must hold for the
// rule to match.
func conditions(args []specs.LinuxSeccompArg) ([]libseccomp.ScmpCondition, error) {
	if len(args) == 0 {
		return nil, nil
	}
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	for k, arg := range args {
		c, err := condition(arg)
		if err != nil {
			return nil, &Error{Reason: ReasonInvalidArgument, Field: fmt.Sprintf("args[%d]", k), Message: err.Error()}
		}
		conds = append(conds, c)
	}
	return conds, nil
}
