package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "github.com/secprofiles/spo/api/v1"
)

func allow(names ...string) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: names, Action: v1.ActAllow}
}

func errnoRule(errno uint, names ...string) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: names, Action: v1.ActErrno, ErrnoRet: &errno}
}

func spec(def v1.SeccompAction, archs []v1.SeccompArch, rules ...v1.SeccompSyscall) *v1.SeccompProfileSpec {
	return &v1.SeccompProfileSpec{DefaultAction: def, Architectures: archs, Syscalls: rules}
}

var x86 = []v1.SeccompArch{"SCMP_ARCH_X86_64"}

func TestMergeSpecs(t *testing.T) {
	tests := map[string]struct {
		in      []namedSpec
		want    *v1.SeccompProfileSpec
		wantErr []string // substrings of the error
	}{
		"allowed syscalls of all inputs become one sorted ALLOW rule without duplicates": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActErrno, x86, allow("write", "read"))},
				{file: "b.yaml", spec: spec(v1.ActErrno, x86, allow("close", "read"), allow("openat"))},
			},
			want: spec(v1.ActErrno, x86, allow("close", "openat", "read", "write")),
		},
		"rules with other actions are kept after the ALLOW rule, once": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActErrno, x86, errnoRule(38, "mkdir"), allow("read"))},
				{file: "b.yaml", spec: spec(v1.ActErrno, x86, errnoRule(38, "mkdir"), allow("write"))},
			},
			want: spec(v1.ActErrno, x86, allow("read", "write"), errnoRule(38, "mkdir")),
		},
		"a syscall allowed in one file and denied in another is an error naming it and both files": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActAllow, x86, allow("mkdir"))},
				{file: "b.yaml", spec: spec(v1.ActAllow, x86, errnoRule(1, "mkdir"))},
			},
			wantErr: []string{"syscall mkdir", "SCMP_ACT_ALLOW in a.yaml", "SCMP_ACT_ERRNO(errno 1) in b.yaml"},
		},
		"the same action with different errnos is a conflict too": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActAllow, x86, errnoRule(1, "mkdir"))},
				{file: "b.yaml", spec: spec(v1.ActAllow, x86, errnoRule(38, "mkdir"))},
			},
			wantErr: []string{"syscall mkdir", "a.yaml", "b.yaml"},
		},
		"different default actions are an error naming the files": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActErrno, x86, allow("read"))},
				{file: "b.yaml", spec: spec(v1.ActLog, x86, allow("read"))},
			},
			wantErr: []string{"default actions differ", "a.yaml has SCMP_ACT_ERRNO", "b.yaml has SCMP_ACT_LOG"},
		},
		"different architectures are an error naming the files": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActErrno, x86, allow("read"))},
				{file: "b.yaml", spec: spec(v1.ActErrno, []v1.SeccompArch{"SCMP_ARCH_AARCH64"}, allow("read"))},
			},
			wantErr: []string{"architectures differ", "a.yaml has [SCMP_ARCH_X86_64]", "b.yaml has [SCMP_ARCH_AARCH64]"},
		},
		"architectures listed in another order match": {
			in: []namedSpec{
				{file: "a.yaml", spec: spec(v1.ActErrno, []v1.SeccompArch{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}, allow("read"))},
				{file: "b.yaml", spec: spec(v1.ActErrno, []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}, allow("write"))},
			},
			want: spec(v1.ActErrno, []v1.SeccompArch{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}, allow("read", "write")),
		},
		"a profile with a base profile is refused, since merge cannot fetch the base": {
			in: []namedSpec{
				{file: "a.yaml", spec: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: "runc"}},
			},
			wantErr: []string{"a.yaml extends base profile \"runc\""},
		},
		"flags are the sorted union": {
			in: []namedSpec{
				{file: "a.yaml", spec: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}}},
				{file: "b.yaml", spec: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"}}},
			},
			want: &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"}},
		},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			got, err := mergeSpecs(tc.in)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want one containing %q", tc.wantErr)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("merged spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckExecve(t *testing.T) {
	tests := map[string]struct {
		spec    *v1.SeccompProfileSpec
		refused bool
	}{
		"a profile allowing everything but mkdir runs":             {spec(v1.ActAllow, nil, errnoRule(1, "mkdir")), false},
		"a deny-by-default profile listing execve runs":            {spec(v1.ActErrno, nil, allow("execve", "read")), false},
		"a deny-by-default profile without execve is refused":      {spec(v1.ActErrno, nil, allow("read")), true},
		"an allow-by-default profile denying execve is refused":    {spec(v1.ActAllow, nil, errnoRule(1, "execve")), true},
		"execve allowed only for some arguments is refused":        {spec(v1.ActErrno, nil, v1.SeccompSyscall{Names: []string{"execve"}, Action: v1.ActAllow, Args: []v1.SeccompArg{{Index: 0, Value: 1, Op: "SCMP_CMP_EQ"}}}), true},
		"logging execve still lets it run":                         {spec(v1.ActErrno, nil, v1.SeccompSyscall{Names: []string{"execve"}, Action: v1.ActLog}), false},
		"tracing execve with no tracer fails it, so it is refused": {spec(v1.ActAllow, nil, v1.SeccompSyscall{Names: []string{"execve"}, Action: v1.ActTrace}), true},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			err := checkExecve(tc.spec)
			if (err != nil) != tc.refused {
				t.Fatalf("checkExecve = %v, refused want %v", err, tc.refused)
			}
		})
	}
}
