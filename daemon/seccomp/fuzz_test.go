package seccomp

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	v1 "github.com/secprofiles/spo/api/v1"
)

// FuzzMarshalOCI feeds arbitrary specs (as JSON) through Resolve, Validate,
// CheckPolicy and MarshalOCI: none may panic, MarshalOCI's output must read
// back as an OCI profile with the same rules, and resolving on top of a base
// must keep every name the child lists under the child's action.
func FuzzMarshalOCI(f *testing.F) {
	for _, seed := range []string{
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}`,
		`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],"syscalls":[{"names":["open"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"},{"index":0,"value":9,"op":"SCMP_CMP_EQ"}]}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":1,"valueTwo":2,"op":"SCMP_CMP_MASKED_EQ"}]}]}`,
		`{"defaultAction":"SCMP_ACT_NOTIFY","listenerPath":"/x","syscalls":[{"names":["write"],"action":"SCMP_ACT_NOTIFY"}]}`,
		`{"defaultAction":"SCMP_ACT_KILL","flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV","X"],"syscalls":[{"names":[],"action":"SCMP_ACT_TRACE","errnoRet":70000}]}`,
		`{"defaultAction":"","architectures":["SCMP_ARCH_NATIVE","SCMP_ARCH_VAX"],"syscalls":[{"names":["fooo",""],"action":"SCMP_ACT_LOG"}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO"},{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`,
	} {
		f.Add([]byte(seed))
	}
	base := &v1.SeccompProfile{Spec: v1.SeccompProfileSpec{
		DefaultAction: v1.ActErrno,
		Architectures: []v1.SeccompArch{"SCMP_ARCH_X86"},
		Syscalls:      []v1.SeccompSyscall{rule(v1.ActAllow, "read", "write", "close"), rule(v1.ActLog, "open")},
	}}
	base.Name = "base"
	f.Fuzz(func(t *testing.T, data []byte) {
		var spec v1.SeccompProfileSpec
		if err := json.Unmarshal(data, &spec); err != nil {
			return
		}
		_ = Validate(&spec)
		_ = CheckPolicy(&spec, v1.SecurityConfig{AllowedSyscalls: []string{"read"}, AllowedSeccompActions: []v1.SeccompAction{v1.ActAllow}})
		checkRoundTrip(t, &spec)
		checkResolvedOnBase(t, &spec, base)
	})
}

func checkRoundTrip(t *testing.T, spec *v1.SeccompProfileSpec) {
	out, err := MarshalOCI(spec)
	if err != nil {
		t.Fatalf("MarshalOCI: %v", err)
	}
	var back specs.LinuxSeccomp
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("MarshalOCI output does not read back: %v\n%s", err, out)
	}
	if string(back.DefaultAction) != string(spec.DefaultAction) || len(back.Syscalls) != len(spec.Syscalls) {
		t.Fatalf("round trip changed the profile:\n%s", out)
	}
	for i, r := range spec.Syscalls {
		if !slices.Equal(back.Syscalls[i].Names, r.Names) || string(back.Syscalls[i].Action) != string(r.Action) {
			t.Fatalf("rule %d changed in the round trip: %+v became %+v", i, r, back.Syscalls[i])
		}
	}
}

func checkResolvedOnBase(t *testing.T, spec *v1.SeccompProfileSpec, base *v1.SeccompProfile) {
	child := &v1.SeccompProfile{Spec: *spec.DeepCopy()}
	child.Name = "child"
	child.Spec.BaseProfileName = base.Name
	got, err := Resolve(child, getterFor(base))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	_ = Validate(got)
	// The child's rules come last, unchanged; no base rule may still name a
	// syscall the child has a rule for.
	tail := got.Syscalls[len(got.Syscalls)-len(spec.Syscalls):]
	for i, r := range spec.Syscalls {
		if !slices.Equal(tail[i].Names, r.Names) || tail[i].Action != r.Action {
			t.Fatalf("child rule %d changed: %+v became %+v", i, r, tail[i])
		}
		for _, baseRule := range got.Syscalls[:len(got.Syscalls)-len(spec.Syscalls)] {
			for _, name := range r.Names {
				if slices.Contains(baseRule.Names, name) {
					t.Fatalf("base rule %+v still names %q, which the child overrides", baseRule, name)
				}
			}
		}
	}
}
