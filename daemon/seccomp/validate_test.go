package seccomp

import (
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestValidate(t *testing.T) {
	x8664 := []v1.SeccompArch{"SCMP_ARCH_X86_64"}
	tests := map[string]struct {
		spec       v1.SeccompProfileSpec
		wantReason string
		wantField  string
		wantMsg    string
	}{
		"accepts a small allow list": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: x8664,
				Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read", "write", "exit_group")}},
		},
		"accepts a profile with no rules and no architectures": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog},
		},
		"accepts SCMP_ARCH_NATIVE": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: []v1.SeccompArch{"SCMP_ARCH_NATIVE"},
				Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read")}},
		},
		"accepts a name no architecture knows: runtimes skip it, UnknownSyscalls warns": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: x8664,
				Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read"), rule(v1.ActAllow, "fooo")}},
		},
		"accepts a name only another architecture knows": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog, Architectures: x8664,
				Syscalls: []v1.SeccompSyscall{rule(v1.ActErrno, "stime", "vm86", "mount")}},
		},
		"accepts open when only aarch64, which lacks it, is listed": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_AARCH64"},
				Syscalls:      []v1.SeccompSyscall{rule(v1.ActAllow, "openat", "open")}},
		},
		"refuses an unknown default action": {
			spec:       v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_MAYBE"},
			wantReason: ReasonInvalidAction, wantField: "spec.defaultAction", wantMsg: `unknown action "SCMP_ACT_MAYBE"`,
		},
		"refuses an unknown rule action": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read"), rule("SCMP_ACT_MAYBE", "write")}},
			wantReason: ReasonInvalidAction, wantField: "spec.syscalls[1].action", wantMsg: `unknown action "SCMP_ACT_MAYBE"`,
		},
		"refuses an unknown architecture": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"}},
			wantReason: ReasonInvalidArchitecture, wantField: "spec.architectures[1]", wantMsg: `unknown architecture "SCMP_ARCH_VAX"`,
		},
		"refuses libseccomp's alias of an architecture that runtimes would not accept": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: []v1.SeccompArch{"SCMP_ARCH_AMD64"}},
			wantReason: ReasonInvalidArchitecture, wantField: "spec.architectures[0]", wantMsg: "unknown architecture",
		},
		"refuses an argument index beyond the sixth argument": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"read"}, Action: v1.ActAllow, Args: []v1.SeccompArg{{Index: 6, Op: "SCMP_CMP_EQ"}},
			}}},
			wantReason: ReasonInvalidArgument, wantField: "spec.syscalls[0].args[0]", wantMsg: "argument index 6 is out of range 0-5",
		},
		"refuses two comparisons of the same argument in one rule": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"personality"}, Action: v1.ActAllow, Args: []v1.SeccompArg{
					{Index: 0, Value: 0, Op: "SCMP_CMP_EQ"}, {Index: 0, Value: 8, Op: "SCMP_CMP_EQ"},
				},
			}}},
			wantReason: ReasonInvalidArgument, wantField: "spec.syscalls[0].args[1]", wantMsg: "argument 0 is compared twice",
		},
		"refuses an unknown comparison operator": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"read"}, Action: v1.ActAllow, Args: []v1.SeccompArg{{Index: 0, Op: "SCMP_CMP_ALMOST"}},
			}}},
			wantReason: ReasonInvalidArgument, wantField: "spec.syscalls[0].args[0]", wantMsg: `unknown operator "SCMP_CMP_ALMOST"`,
		},
		"accepts comparisons of different arguments, including a masked one": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"clone"}, Action: v1.ActAllow, Args: []v1.SeccompArg{
					{Index: 0, Value: 0x7E020000, ValueTwo: 0, Op: "SCMP_CMP_MASKED_EQ"}, {Index: 1, Value: 5, Op: "SCMP_CMP_LE"},
				},
			}}},
		},
		"refuses a rule without names": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow)}},
			wantReason: ReasonInvalidSyscall, wantField: "spec.syscalls[0].names", wantMsg: "at least one syscall",
		},
		"refuses errnoRet on an allow rule": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"read"}, Action: v1.ActAllow, ErrnoRet: errnoRet(1),
			}}},
			wantReason: ReasonInvalidAction, wantField: "spec.syscalls[0].errnoRet", wantMsg: "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno",
		},
		"refuses an errno larger than the kernel passes back": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow, Syscalls: []v1.SeccompSyscall{{
				Names: []string{"mkdir"}, Action: v1.ActErrno, ErrnoRet: errnoRet(4096),
			}}},
			wantReason: ReasonInvalidAction, wantField: "spec.syscalls[0].errnoRet", wantMsg: "errno 4096 is larger than 4095",
		},
		"accepts a rule that repeats the default action": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Syscalls: []v1.SeccompSyscall{rule(v1.ActErrno, "ptrace"), rule(v1.ActAllow, "read")}},
		},
		"accepts the log, spec-allow and tsync flags": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"}},
		},
		"accepts SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV whether or not this libseccomp has it": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
		},
		"refuses an unknown flag": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_FAST"}},
			wantReason: ReasonInvalidFlag, wantField: "spec.flags[0]", wantMsg: "unknown flag",
		},
		"refuses SCMP_ACT_NOTIFY as the default action": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActNotify, ListenerPath: "/run/agent.sock"},
			wantReason: ReasonInvalidAction, wantField: "spec.defaultAction", wantMsg: "cannot be the default action",
		},
		"refuses SCMP_ACT_NOTIFY without a listener": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow,
				Syscalls: []v1.SeccompSyscall{rule(v1.ActNotify, "mount")}},
			wantReason: ReasonInvalidAction, wantField: "spec.syscalls[0].action", wantMsg: "needs listenerPath",
		},
		"refuses SCMP_ACT_NOTIFY on write": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow, ListenerPath: "/run/agent.sock",
				Syscalls: []v1.SeccompSyscall{rule(v1.ActNotify, "mount", "write")}},
			wantReason: ReasonInvalidAction, wantField: "spec.syscalls[0].names[1]", wantMsg: "cannot be used for write",
		},
		"accepts SCMP_ACT_NOTIFY with a listener": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow, ListenerPath: "/run/agent.sock",
				Syscalls: []v1.SeccompSyscall{rule(v1.ActNotify, "mount")}},
		},
		"accepts every action as a rule action": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, ListenerPath: "/run/agent.sock",
				Syscalls: []v1.SeccompSyscall{
					rule(v1.ActKill, "kexec_load"), rule(v1.ActKillProcess, "reboot"), rule(v1.ActKillThread, "swapon"),
					rule(v1.ActTrap, "swapoff"), {Names: []string{"ptrace"}, Action: v1.ActErrno, ErrnoRet: errnoRet(38)},
					rule(v1.ActTrace, "acct"), rule(v1.ActAllow, "read"), rule(v1.ActLog, "write"), rule(v1.ActNotify, "mount"),
				}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertError(t, Validate(&tc.spec), tc.wantReason, tc.wantField, tc.wantMsg)
		})
	}
}

func TestValidateAcceptsA400SyscallProfile(t *testing.T) {
	if err := Validate(bigProfile(t, 400)); err != nil {
		t.Fatal(err)
	}
}

func TestValidateErrorText(t *testing.T) {
	spec := &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64"},
		Syscalls: []v1.SeccompSyscall{rule(v1.ActAllow, "read"), rule(v1.ActAllow)}}
	const want = `spec.syscalls[1].names: a rule must name at least one syscall`
	if err := Validate(spec); err == nil || err.Error() != want {
		t.Fatalf("Validate = %v, want %q", err, want)
	}
}
