package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ToOCI converts a (resolved) profile spec into the OCI runtime
// specification's form, which is what container runtimes read from the
// profile file. Rule order and names are kept as given; the result shares no
// memory with spec. baseProfileName and state have no OCI equivalent: resolve
// the spec first.
func ToOCI(spec *v1.SeccompProfileSpec) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction:    specs.LinuxSeccompAction(spec.DefaultAction),
		Architectures:    convertAll[specs.Arch](spec.Architectures),
		Flags:            convertAll[specs.LinuxSeccompFlag](spec.Flags),
		ListenerPath:     spec.ListenerPath,
		ListenerMetadata: spec.ListenerMetadata,
		Syscalls:         ociSyscalls(spec.Syscalls),
	}
}

// MarshalOCI returns the profile file's content: ToOCI as JSON indented by
// two spaces and ending in a newline. The same spec always gives the same
// bytes, which is what lets the daemon skip rewriting unchanged files.
func MarshalOCI(spec *v1.SeccompProfileSpec) ([]byte, error) {
	data, err := json.MarshalIndent(ToOCI(spec), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding seccomp profile as OCI JSON: %w", err)
	}
	return append(data, '\n'), nil
}

func ociSyscalls(rules []v1.SeccompSyscall) []specs.LinuxSyscall {
	if len(rules) == 0 {
		return nil
	}
	out := make([]specs.LinuxSyscall, len(rules))
	for i, r := range rules {
		out[i] = specs.LinuxSyscall{
			Names:    slices.Clone(r.Names),
			Action:   specs.LinuxSeccompAction(r.Action),
			ErrnoRet: cloneUint(r.ErrnoRet),
			Args:     ociArgs(r.Args),
		}
	}
	return out
}

func ociArgs(args []v1.SeccompArg) []specs.LinuxSeccompArg {
	if len(args) == 0 {
		return nil
	}
	out := make([]specs.LinuxSeccompArg, len(args))
	for k, a := range args {
		out[k] = specs.LinuxSeccompArg{
			Index:    a.Index,
			Value:    a.Value,
			ValueTwo: a.ValueTwo,
			Op:       specs.LinuxSeccompOperator(a.Op),
		}
	}
	return out
}

// convertAll converts between string types; empty input gives nil so that
// "omitempty" leaves the field out.
func convertAll[To, From ~string](in []From) []To {
	if len(in) == 0 {
		return nil
	}
	out := make([]To, len(in))
	for i, v := range in {
		out[i] = To(v)
	}
	return out
}

func cloneUint(p *uint) *uint {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// FromOCI is the inverse of ToOCI. defaultErrnoRet has no field in
// the SeccompProfile API, so a profile using it cannot be converted without
// changing what it does.
func FromOCI(s *specs.LinuxSeccomp) (*v1.SeccompProfileSpec, error) {
	if s.DefaultErrnoRet != nil {
		return nil, errors.New("defaultErrnoRet has no SeccompProfile equivalent (the default errno is always EPERM); remove it or add explicit rules")
	}
	if s.DefaultAction == "" {
		return nil, errors.New("defaultAction is required")
	}
	spec := &v1.SeccompProfileSpec{
		DefaultAction:    v1.SeccompAction(s.DefaultAction),
		Architectures:    convertAll[v1.SeccompArch](s.Architectures),
		Flags:            convertAll[v1.SeccompFlag](s.Flags),
		ListenerPath:     s.ListenerPath,
		ListenerMetadata: s.ListenerMetadata,
	}
	for _, r := range s.Syscalls {
		spec.Syscalls = append(spec.Syscalls, fromOCIRule(r))
	}
	return spec, nil
}

func fromOCIRule(r specs.LinuxSyscall) v1.SeccompSyscall {
	rule := v1.SeccompSyscall{Names: r.Names, Action: v1.SeccompAction(r.Action), ErrnoRet: r.ErrnoRet}
	for _, a := range r.Args {
		rule.Args = append(rule.Args, v1.SeccompArg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: v1.SeccompOperator(a.Op)})
	}
	return rule
}
