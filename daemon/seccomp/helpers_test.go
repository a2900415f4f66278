package seccomp

import (
	"errors"
	"strings"
	"sync"
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"

	v1 "github.com/secprofiles/spo/api/v1"
)

func rule(action v1.SeccompAction, names ...string) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: names, Action: action}
}

func errnoRet(v uint) *uint { return &v }

// assertError checks err against the expected reason, field and message
// (a substring); an empty reason means no error is expected.
func assertError(t *testing.T, err error, reason, field, msg string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an *Error with reason %s", err, reason)
	}
	if e.Reason != reason || e.Field != field || !strings.Contains(e.Message, msg) {
		t.Fatalf("error = {%s %q %q}, want {%s %q containing %q}", e.Reason, e.Field, e.Message, reason, field, msg)
	}
}

var (
	syscallNamesOnce sync.Once
	syscallNames     []string
)

// realSyscallNames returns n distinct syscall names as libseccomp knows them:
// x86_64's numbers 0-450 first, then i386's for names x86_64 lacks (x86_64
// alone has only about 360).
func realSyscallNames(tb testing.TB, n int) []string {
	tb.Helper()
	syscallNamesOnce.Do(func() {
		seen := map[string]bool{}
		for _, arch := range []libseccomp.ScmpArch{libseccomp.ArchAMD64, libseccomp.ArchX86} {
			for nr := 0; nr <= 450; nr++ {
				name, err := libseccomp.ScmpSyscall(nr).GetNameByArch(arch)
				if err == nil && !seen[name] {
					seen[name] = true
					syscallNames = append(syscallNames, name)
				}
			}
		}
	})
	if len(syscallNames) < n {
		tb.Fatalf("libseccomp knows only %d syscall names, want %d", len(syscallNames), n)
	}
	return syscallNames[:n]
}

// bigProfile is the shape of a recorded profile: deny by default, one allow
// rule with every syscall the workload made, for the architectures Docker's
// default profile lists on x86_64.
func bigProfile(tb testing.TB, n int) *v1.SeccompProfileSpec {
	return &v1.SeccompProfileSpec{
		DefaultAction: v1.ActErrno,
		Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
		Syscalls:      []v1.SeccompSyscall{rule(v1.ActAllow, realSyscallNames(tb, n)...)},
	}
}
