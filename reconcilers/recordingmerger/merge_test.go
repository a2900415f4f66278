package recordingmerger

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func profile(name string, action v1.SeccompAction, rules ...v1.SeccompSyscall) v1.SeccompProfile {
	return v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       v1.SeccompProfileSpec{DefaultAction: action, Syscalls: rules},
	}
}

func allow(names ...string) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: names, Action: v1.ActAllow}
}

func rule(action v1.SeccompAction, names ...string) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: names, Action: action}
}

func withArchs(p v1.SeccompProfile, archs ...v1.SeccompArch) v1.SeccompProfile {
	p.Spec.Architectures = archs
	return p
}

func TestMerge(t *testing.T) {
	onArg := v1.SeccompSyscall{Names: []string{"personality"}, Action: v1.ActAllow,
		Args: []v1.SeccompArg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}}}
	tests := map[string]struct {
		in   []v1.SeccompProfile
		want v1.SeccompProfileSpec
	}{
		"one profile comes out as one sorted ALLOW rule": {
			in:   []v1.SeccompProfile{profile("a", v1.ActErrno, allow("write", "read", "read"))},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{allow("read", "write")}},
		},
		"allowed syscalls of all replicas are united and sorted": {
			in: []v1.SeccompProfile{
				profile("a", v1.ActErrno, allow("read", "write")),
				profile("b", v1.ActErrno, allow("openat"), allow("close", "read")),
			},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Syscalls: []v1.SeccompSyscall{allow("close", "openat", "read", "write")}},
		},
		"architectures are united and sorted": {
			in: []v1.SeccompProfile{
				withArchs(profile("a", v1.ActErrno, allow("read")), "SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
				withArchs(profile("b", v1.ActErrno, allow("read")), "SCMP_ARCH_AARCH64", "SCMP_ARCH_X86"),
			},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"},
				Syscalls:      []v1.SeccompSyscall{allow("read")}},
		},
		"rules with other actions are kept once, after the ALLOW rule": {
			in: []v1.SeccompProfile{
				profile("a", v1.ActErrno, rule(v1.ActLog, "ptrace"), allow("read")),
				profile("b", v1.ActErrno, allow("write"), rule(v1.ActLog, "ptrace")),
			},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				allow("read", "write"), rule(v1.ActLog, "ptrace")}},
		},
		"a syscall one replica was allowed leaves another replica's rule for it": {
			in: []v1.SeccompProfile{
				profile("a", v1.ActErrno, allow("read"), rule(v1.ActLog, "mount", "ptrace")),
				profile("b", v1.ActErrno, allow("ptrace")),
			},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				allow("ptrace", "read"), rule(v1.ActLog, "mount")}},
		},
		"an ALLOW rule with argument conditions is kept as it is": {
			in: []v1.SeccompProfile{profile("a", v1.ActErrno, allow("read"), onArg)},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				allow("read"), onArg}},
		},
		"profiles that allow nothing merge to no rules": {
			in:   []v1.SeccompProfile{profile("a", v1.ActLog), profile("b", v1.ActLog)},
			want: v1.SeccompProfileSpec{DefaultAction: v1.ActLog},
		},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			got, err := Merge(tc.in)
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if !equality.Semantic.DeepEqual(got, tc.want) {
				t.Errorf("Merge =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestMergeRefuses(t *testing.T) {
	based := profile("b", v1.ActErrno, allow("read"))
	based.Spec.BaseProfileName = "runc"
	tests := map[string][]v1.SeccompProfile{
		"replicas with different default actions": {
			profile("a", v1.ActErrno, allow("read")), profile("b", v1.ActLog, allow("read"))},
		"replicas with different base profiles": {profile("a", v1.ActErrno, allow("read")), based},
	}
	for sentence, in := range tests {
		t.Run(sentence, func(t *testing.T) {
			if _, err := Merge(in); !errors.Is(err, ErrConflict) {
				t.Errorf("Merge error = %v, want ErrConflict", err)
			}
		})
	}
	t.Run("no profiles at all", func(t *testing.T) {
		if _, err := Merge(nil); err == nil || errors.Is(err, ErrConflict) {
			t.Errorf("Merge(nil) error = %v, want a non-conflict error", err)
		}
	})
}

func TestCoverage(t *testing.T) {
	tests := map[string]struct {
		in   []v1.SeccompProfile
		want map[string]float64
	}{
		"a replica that had every merged syscall covers 1": {
			in:   []v1.SeccompProfile{profile("a", v1.ActErrno, allow("read", "write"))},
			want: map[string]float64{"a": 1},
		},
		"shares are rounded to two decimals": {
			in: []v1.SeccompProfile{
				profile("a", v1.ActErrno, allow("read")),
				profile("b", v1.ActErrno, allow("read", "write", "close")),
			},
			want: map[string]float64{"a": 0.33, "b": 1},
		},
		"a replica that allowed nothing covers 0": {
			in:   []v1.SeccompProfile{profile("a", v1.ActErrno), profile("b", v1.ActErrno, allow("read"))},
			want: map[string]float64{"a": 0, "b": 1},
		},
		"when nothing is allowed at all every replica covers 1": {
			in:   []v1.SeccompProfile{profile("a", v1.ActLog)},
			want: map[string]float64{"a": 1},
		},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			merged, err := Merge(tc.in)
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if got := Coverage(&merged, tc.in); !equality.Semantic.DeepEqual(got, tc.want) {
				t.Errorf("Coverage = %v, want %v", got, tc.want)
			}
		})
	}
}
