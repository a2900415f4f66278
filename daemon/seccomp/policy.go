package seccomp

import (
	"fmt"
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
)

// denials are the actions that stop a syscall from running. LOG, TRACE and
// NOTIFY are not among them: the syscall runs, or a tracer or agent may let
// it run.
var denials = []v1.SeccompAction{v1.ActKill, v1.ActKillProcess, v1.ActKillThread, v1.ActTrap, v1.ActErrno}

func isDenial(a v1.SeccompAction) bool { return slices.Contains(denials, a) }

// CheckPolicy checks spec against the cluster-wide limits in the
// SecurityProfilesOperatorDaemon's security settings. Check the resolved
// spec: a base profile can bring in rules the child does not show.
func CheckPolicy(spec *v1.SeccompProfileSpec, sec v1.SecurityConfig) error {
	if err := checkActions(spec, sec.AllowedSeccompActions); err != nil {
		return err
	}
	return checkSyscalls(spec, sec.AllowedSyscalls)
}

func checkActions(spec *v1.SeccompProfileSpec, allowed []v1.SeccompAction) error {
	if len(allowed) == 0 {
		return nil
	}
	if !slices.Contains(allowed, spec.DefaultAction) {
		return actionNotAllowed("spec.defaultAction", spec.DefaultAction)
	}
	for i, rule := range spec.Syscalls {
		if !slices.Contains(allowed, rule.Action) {
			return actionNotAllowed(fmt.Sprintf("spec.syscalls[%d].action", i), rule.Action)
		}
	}
	return nil
}

func actionNotAllowed(field string, a v1.SeccompAction) error {
	return &Error{Reason: ReasonActionNotAllowed, Field: field,
		Message: fmt.Sprintf("action %s is not in the SecurityProfilesOperatorDaemon's security.allowedSeccompActions", a)}
}

func checkSyscalls(spec *v1.SeccompProfileSpec, allowed []string) error {
	if len(allowed) == 0 {
		return nil
	}
	// A profile whose default action lets syscalls through allows every
	// syscall it does not list, so no list of names could keep it within
	// allowedSyscalls: it has to be refused as a whole.
	if !isDenial(spec.DefaultAction) {
		return &Error{Reason: ReasonSyscallNotAllowed, Field: "spec.defaultAction",
			Message: fmt.Sprintf("default action %s lets through every syscall not listed, but the SecurityProfilesOperatorDaemon's security.allowedSyscalls limits syscalls; use a denying default action", spec.DefaultAction)}
	}
	set := make(map[string]bool, len(allowed))
	for _, name := range allowed {
		set[name] = true
	}
	for i, rule := range spec.Syscalls {
		if isDenial(rule.Action) {
			continue
		}
		for j, name := range rule.Names {
			if !set[name] {
				return &Error{Reason: ReasonSyscallNotAllowed, Field: fmt.Sprintf("spec.syscalls[%d].names[%d]", i, j),
					Message: fmt.Sprintf("syscall %q is not in the SecurityProfilesOperatorDaemon's security.allowedSyscalls", name)}
			}
		}
	}
	return nil
}
