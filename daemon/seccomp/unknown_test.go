package seccomp

import (
	"reflect"
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestUnknownSyscalls(t *testing.T) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	x8664, x86, arm64 := v1.SeccompArch("SCMP_ARCH_X86_64"), v1.SeccompArch("SCMP_ARCH_X86"), v1.SeccompArch("SCMP_ARCH_AARCH64")
	for name, tt := range map[string]struct {
		archs []v1.SeccompArch
		rules []v1.SeccompSyscall
		want  []ArchNames
	}{
		"finds nothing when every architecture knows every name": {
			archs: []v1.SeccompArch{x8664, x86},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "read", "write"), rule(v1.ActErrno, "mount")},
		},
		"finds nothing in a profile without rules": {
			archs: []v1.SeccompArch{x8664},
		},
		"skips names unknown on the architecture, like SPO's profile-complain-block-high-risk": {
			archs: []v1.SeccompArch{x8664},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "exit", "futex"),
				rule(v1.ActErrno, "acct", "stime", "umount2", "umount", "vm86old", "vm86", "_sysctl")},
			want: []ArchNames{{Arch: "SCMP_ARCH_X86_64", Names: []string{"stime", "umount", "vm86", "vm86old"}}},
		},
		"reports each architecture's own unknown names, in the order listed": {
			archs: []v1.SeccompArch{arm64, x8664},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "openat", "open", "stime")},
			want: []ArchNames{
				{Arch: "SCMP_ARCH_AARCH64", Names: []string{"open", "stime"}},
				{Arch: "SCMP_ARCH_X86_64", Names: []string{"stime"}},
			},
		},
		"leaves out an architecture that knows the name another lacks": {
			archs: []v1.SeccompArch{x8664, x86},
			rules: []v1.SeccompSyscall{rule(v1.ActErrno, "stime")},
			want:  []ArchNames{{Arch: "SCMP_ARCH_X86_64", Names: []string{"stime"}}},
		},
		"reports a name no architecture knows on every architecture": {
			archs: []v1.SeccompArch{x8664, x86},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "read", "fooo")},
			want: []ArchNames{
				{Arch: "SCMP_ARCH_X86_64", Names: []string{"fooo"}},
				{Arch: "SCMP_ARCH_X86", Names: []string{"fooo"}},
			},
		},
		"names a name once however many rules repeat it": {
			archs: []v1.SeccompArch{x8664},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "fooo", "read"), rule(v1.ActLog, "fooo")},
			want:  []ArchNames{{Arch: "SCMP_ARCH_X86_64", Names: []string{"fooo"}}},
		},
		"looks a repeated architecture up once": {
			archs: []v1.SeccompArch{x8664, x8664},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "fooo")},
			want:  []ArchNames{{Arch: "SCMP_ARCH_X86_64", Names: []string{"fooo"}}},
		},
		"uses the native architecture when none is listed": {
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "read", "fooo")},
			want:  []ArchNames{{Arch: archName(native), Names: []string{"fooo"}}},
		},
		"leaves architectures that do not parse to Validate": {
			archs: []v1.SeccompArch{"SCMP_ARCH_Z80"},
			rules: []v1.SeccompSyscall{rule(v1.ActAllow, "fooo")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := UnknownSyscalls(&v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: tt.archs, Syscalls: tt.rules})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnknownSyscalls() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnknownSyscallsMessage(t *testing.T) {
	for name, tt := range map[string]struct {
		in   []ArchNames
		want string
	}{
		"is empty when nothing is skipped": {},
		"names every architecture and its names": {
			in: []ArchNames{{Arch: "SCMP_ARCH_AARCH64", Names: []string{"open", "stime"}}, {Arch: "SCMP_ARCH_X86_64", Names: []string{"stime"}}},
			want: "syscalls unknown on their architecture, which container runtimes skip: " +
				"SCMP_ARCH_AARCH64: open, stime; SCMP_ARCH_X86_64: stime",
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := UnknownSyscallsMessage(tt.in); got != tt.want {
				t.Errorf("UnknownSyscallsMessage() = %q, want %q", got, tt.want)
			}
		})
	}
}
