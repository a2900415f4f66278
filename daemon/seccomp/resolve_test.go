package seccomp

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	v1 "github.com/secprofiles/spo/api/v1"
)

func profile(name, base string, spec v1.SeccompProfileSpec) *v1.SeccompProfile {
	spec.BaseProfileName = base
	if spec.DefaultAction == "" {
		spec.DefaultAction = v1.ActErrno
	}
	return &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}

// getterFor serves profiles from memory, with the API server's NotFound
// error for the rest.
func getterFor(profiles ...*v1.SeccompProfile) Getter {
	byName := map[string]*v1.SeccompProfile{}
	for _, p := range profiles {
		byName[p.Name] = p
	}
	return func(name string) (*v1.SeccompProfile, error) {
		if p, ok := byName[name]; ok {
			return p, nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "security-profiles-operator.x-k8s.io", Resource: "seccompprofiles"}, name)
	}
}

// chainOf returns n profiles p1 -> p2 -> ... -> pn, each allowing its own
// syscall name.
func chainOf(n int) []*v1.SeccompProfile {
	out := make([]*v1.SeccompProfile, n)
	for i := range n {
		base := ""
		if i < n-1 {
			base = fmt.Sprintf("p%d", i+2)
		}
		out[i] = profile(fmt.Sprintf("p%d", i+1), base, v1.SeccompProfileSpec{
			Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, fmt.Sprintf("call%d", i+1))},
		})
	}
	return out
}

func TestResolve(t *testing.T) {
	tests := map[string]struct {
		// profiles[0] is resolved; the others are what the getter serves.
		profiles   []*v1.SeccompProfile
		want       *v1.SeccompProfileSpec
		wantReason string
		wantMsg    string
	}{
		"returns the profile's own spec when it has no base": {
			profiles: []*v1.SeccompProfile{profile("a", "", v1.SeccompProfileSpec{
				Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read")},
			})},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read")}},
		},
		"puts the base's rules before the child's": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "write")}}),
				profile("b", "", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read")}}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				rule(v1.ActAllow, "read"), rule(v1.ActAllow, "write"),
			}},
		},
		"lets the child's rule win over the base's for the same syscall": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActLog, "write")}}),
				profile("b", "", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read", "write", "close")}}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				rule(v1.ActAllow, "read", "close"), rule(v1.ActLog, "write"),
			}},
		},
		"drops a base rule whose every name the child overrides": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActLog, "mkdir", "mkdirat")}}),
				profile("b", "", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{
					rule(v1.ActAllow, "read"), rule(v1.ActErrno, "mkdir", "mkdirat"),
				}}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				rule(v1.ActAllow, "read"), rule(v1.ActLog, "mkdir", "mkdirat"),
			}},
		},
		"follows a chain of three profiles, nearest profile winning at each step": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "x")}}),
				profile("b", "c", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActLog, "x", "y")}}),
				profile("c", "", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{rule(v1.ActErrno, "x", "y", "z")}}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				rule(v1.ActErrno, "z"), rule(v1.ActLog, "y"), rule(v1.ActAllow, "x"),
			}},
		},
		"takes the default action, listener and state from the child": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{DefaultAction: v1.ActLog, ListenerPath: "/run/agent.sock", ListenerMetadata: "m"}),
				profile("b", "", v1.SeccompProfileSpec{
					ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled},
					DefaultAction:   v1.ActKillProcess, ListenerPath: "/run/other.sock", ListenerMetadata: "o",
				}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActLog, ListenerPath: "/run/agent.sock", ListenerMetadata: "m"},
		},
		"uses the rules of a disabled base": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{}),
				profile("b", "", v1.SeccompProfileSpec{
					ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled},
					Syscalls:        []v1.SeccompSyscall{rule(v1.ActAllow, "read")},
				}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read")}},
		},
		"unions, sorts and deduplicates architectures and flags across the chain": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{
					Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"},
					Flags:         []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"},
				}),
				profile("b", "", v1.SeccompProfileSpec{
					Architectures: []v1.SeccompArch{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64"},
					Flags:         []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"},
				}),
			},
			want: &v1.SeccompProfileSpec{
				DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"},
				Flags:         []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"},
			},
		},
		"keeps errno and argument conditions of the rules it copies": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{}),
				profile("b", "", v1.SeccompProfileSpec{Syscalls: []v1.SeccompSyscall{{
					Names: []string{"personality"}, Action: v1.ActErrno, ErrnoRet: errnoRet(38),
					Args: []v1.SeccompArg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}},
				}}}),
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"personality"}, Action: v1.ActErrno, ErrnoRet: errnoRet(38),
				Args: []v1.SeccompArg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}},
			}}},
		},
		"refuses a cycle of two profiles, naming the chain": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{}),
				profile("b", "a", v1.SeccompProfileSpec{}),
			},
			wantReason: ReasonBaseProfileCycle, wantMsg: "a -> b -> a",
		},
		"refuses a cycle that does not come back to the profile itself": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{}),
				profile("b", "c", v1.SeccompProfileSpec{}),
				profile("c", "b", v1.SeccompProfileSpec{}),
			},
			wantReason: ReasonBaseProfileCycle, wantMsg: "a -> b -> c -> b",
		},
		"refuses a profile that is its own base": {
			profiles:   []*v1.SeccompProfile{profile("a", "a", v1.SeccompProfileSpec{})},
			wantReason: ReasonBaseProfileCycle, wantMsg: "a -> a",
		},
		"names a missing base": {
			profiles:   []*v1.SeccompProfile{profile("a", "missing", v1.SeccompProfileSpec{})},
			wantReason: ReasonBaseProfileNotFound, wantMsg: `base profile "missing" not found (chain a -> missing)`,
		},
		"names a base missing further down the chain": {
			profiles: []*v1.SeccompProfile{
				profile("a", "b", v1.SeccompProfileSpec{}),
				profile("b", "gone", v1.SeccompProfileSpec{}),
			},
			wantReason: ReasonBaseProfileNotFound, wantMsg: `base profile "gone" not found (chain a -> b -> gone)`,
		},
		"accepts a chain of 15 profiles": {
			profiles: chainOf(15),
			want: func() *v1.SeccompProfileSpec {
				s := &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}
				for i := 15; i >= 1; i-- {
					s.Syscalls = append(s.Syscalls, rule(v1.ActAllow, fmt.Sprintf("call%d", i)))
				}
				return s
			}(),
		},
		"refuses a chain of 16 profiles": {
			profiles:   chainOf(16),
			wantReason: ReasonBaseProfileTooDeep, wantMsg: "p1 -> p2 -> p3 -> p4 -> p5 -> p6 -> p7 -> p8 -> p9 -> p10 -> p11 -> p12 -> p13 -> p14 -> p15 -> p16 is longer than 15 profiles",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Resolve(tc.profiles[0], getterFor(tc.profiles...))
			field := ""
			if tc.wantReason != "" {
				field = "spec.baseProfileName"
			}
			assertError(t, err, tc.wantReason, field, tc.wantMsg)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Resolve =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestResolveReturnsTransientGetterErrorsWrapped(t *testing.T) {
	cause := errors.New("connection refused")
	p := profile("a", "b", v1.SeccompProfileSpec{})
	_, err := Resolve(p, func(string) (*v1.SeccompProfile, error) { return nil, cause })
	if !errors.Is(err, cause) {
		t.Fatalf("error = %v, want it to wrap %v", err, cause)
	}
	if ReasonOf(err) != ReasonUnknown {
		t.Fatalf("ReasonOf = %s, want Unknown so the caller retries", ReasonOf(err))
	}
	if !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("error %q does not name the base", err)
	}
}

func TestResolveDoesNotModifyItsInputs(t *testing.T) {
	child := profile("a", "b", v1.SeccompProfileSpec{
		Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"},
		Flags:         []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"},
		Syscalls: []v1.SeccompSyscall{
			rule(v1.ActAllow, "write", "read"),
			{Names: []string{"personality"}, Action: v1.ActErrno, ErrnoRet: errnoRet(1), Args: []v1.SeccompArg{{Op: "SCMP_CMP_EQ"}}},
		},
	})
	base := profile("b", "", v1.SeccompProfileSpec{
		Architectures: []v1.SeccompArch{"SCMP_ARCH_AARCH64"},
		Syscalls:      []v1.SeccompSyscall{rule(v1.ActLog, "read", "close", "write")},
	})
	childBefore, baseBefore := child.DeepCopy(), base.DeepCopy()

	got, err := Resolve(child, getterFor(child, base))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(child, childBefore) {
		t.Errorf("child changed:\n%+v\nwas\n%+v", child.Spec, childBefore.Spec)
	}
	if !reflect.DeepEqual(base, baseBefore) {
		t.Errorf("base changed:\n%+v\nwas\n%+v", base.Spec, baseBefore.Spec)
	}
	// The result must not share memory with the inputs either.
	got.Syscalls[len(got.Syscalls)-1].Names[0] = "changed"
	*got.Syscalls[len(got.Syscalls)-1].ErrnoRet = 99
	got.Syscalls[0].Names[0] = "changed"
	if !reflect.DeepEqual(child, childBefore) || !reflect.DeepEqual(base, baseBefore) {
		t.Error("editing the result changed an input")
	}
}
