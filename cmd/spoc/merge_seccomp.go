package main

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// namedSpec is a SeccompProfile to merge.
type namedSpec = named[v1.SeccompProfileSpec]

var seccompOps = kindOps[v1.SeccompProfileSpec]{
	kind: kindSeccompProfile,
	read: func(path string) (string, *v1.SeccompProfileSpec, error) {
		p, _, err := readProfile(path)
		if err != nil {
			return "", nil, err
		}
		return p.Name, &p.Spec, nil
	},
	merge:    mergeSpecs,
	validate: func(_ string, spec *v1.SeccompProfileSpec) error { return seccomp.Validate(spec) },
	gaps:     seccompGaps,
}

// mergeSpecs is the union of the inputs' rules. The inputs must agree on
// what the union cannot decide for them: the default action, the
// architectures, the seccomp agent, and the action of every syscall they
// name. The result has one ALLOW rule with every unconditionally allowed
// syscall, sorted, followed by the other rules in input order without
// duplicates; flags are the sorted union.
func mergeSpecs(in []namedSpec) (*v1.SeccompProfileSpec, error) {
	if len(in) == 0 {
		return nil, errors.New("nothing to merge")
	}
	if err := checkAgreement(in); err != nil {
		return nil, err
	}
	if err := checkActionConflicts(in); err != nil {
		return nil, err
	}
	first := in[0].spec
	out := &v1.SeccompProfileSpec{
		DefaultAction:    first.DefaultAction,
		Architectures:    slices.Clone(first.Architectures),
		ListenerPath:     first.ListenerPath,
		ListenerMetadata: first.ListenerMetadata,
	}
	var allowed []string
	var others []v1.SeccompSyscall
	for _, s := range in {
		out.Flags = append(out.Flags, s.spec.Flags...)
		for _, r := range s.spec.Syscalls {
			if r.Action == v1.ActAllow && len(r.Args) == 0 {
				allowed = append(allowed, r.Names...)
			} else if !slices.ContainsFunc(others, func(o v1.SeccompSyscall) bool { return reflect.DeepEqual(o, r) }) {
				others = append(others, *r.DeepCopy())
			}
		}
	}
	out.Flags = sortedUnion(out.Flags)
	if allowed = sortedUnion(allowed); len(allowed) > 0 {
		out.Syscalls = append(out.Syscalls, v1.SeccompSyscall{Names: allowed, Action: v1.ActAllow})
	}
	out.Syscalls = append(out.Syscalls, others...)
	return out, nil
}

// checkAgreement compares every input with the first on the fields that
// apply to the whole filter.
func checkAgreement(in []namedSpec) error {
	first := in[0]
	for _, s := range in {
		if s.spec.BaseProfileName != "" {
			return fmt.Errorf("%s extends base profile %q: convert it with its base first (spoc convert), merge works on standalone profiles", s.file, s.spec.BaseProfileName)
		}
		if s.spec.DefaultAction != first.spec.DefaultAction {
			return fmt.Errorf("default actions differ: %s has %s, %s has %s", first.file, first.spec.DefaultAction, s.file, s.spec.DefaultAction)
		}
		if a, b := sortedUnion(slices.Clone(first.spec.Architectures)), sortedUnion(slices.Clone(s.spec.Architectures)); !slices.Equal(a, b) {
			return fmt.Errorf("architectures differ: %s has %v, %s has %v", first.file, a, s.file, b)
		}
		if s.spec.ListenerPath != first.spec.ListenerPath || s.spec.ListenerMetadata != first.spec.ListenerMetadata {
			return fmt.Errorf("seccomp agents differ: %s and %s have different listenerPath or listenerMetadata", first.file, s.file)
		}
	}
	return nil
}

// checkActionConflicts refuses a syscall that two files give different
// actions (or errnos): the union would have to pick one, and either choice
// breaks one of the programs the profiles were made for.
func checkActionConflicts(in []namedSpec) error {
	type seen struct{ action, file string }
	first := map[string]seen{}
	for _, s := range in {
		for _, r := range s.spec.Syscalls {
			act := actionString(r)
			for _, name := range r.Names {
				prev, ok := first[name]
				if !ok {
					first[name] = seen{act, s.file}
					continue
				}
				if prev.action != act && prev.file != s.file {
					return fmt.Errorf("syscall %s has conflicting actions: %s in %s, %s in %s", name, prev.action, prev.file, act, s.file)
				}
			}
		}
	}
	return nil
}

func actionString(r v1.SeccompSyscall) string {
	if r.ErrnoRet != nil {
		return fmt.Sprintf("%s(errno %d)", r.Action, *r.ErrnoRet)
	}
	return string(r.Action)
}

// sortedUnion sorts and deduplicates in place; empty gives nil so the field
// stays out of the output.
func sortedUnion[T ~string](in []T) []T {
	if len(in) == 0 {
		return nil
	}
	slices.Sort(in)
	return slices.Compact(in)
}
