package seccomp

import (
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestCheckPolicy(t *testing.T) {
	allowList := v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
		rule(v1.ActAllow, "read", "write"), rule(v1.ActErrno, "ptrace"),
	}}
	tests := map[string]struct {
		spec       v1.SeccompProfileSpec
		sec        v1.SecurityConfig
		wantReason string
		wantField  string
		wantMsg    string
	}{
		"allows anything when no limits are set": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow, Syscalls: []v1.SeccompSyscall{rule(v1.ActNotify, "ptrace")}},
		},
		"accepts actions that are all allowed": {
			spec: allowList,
			sec:  v1.SecurityConfig{AllowedSeccompActions: []v1.SeccompAction{v1.ActErrno, v1.ActAllow}},
		},
		"refuses a default action that is not allowed": {
			spec:       allowList,
			sec:        v1.SecurityConfig{AllowedSeccompActions: []v1.SeccompAction{v1.ActAllow}},
			wantReason: ReasonActionNotAllowed, wantField: "spec.defaultAction",
			wantMsg: "action SCMP_ACT_ERRNO is not in the SecurityProfilesOperatorDaemon's security.allowedSeccompActions",
		},
		"refuses a rule action that is not allowed": {
			spec:       allowList,
			sec:        v1.SecurityConfig{AllowedSeccompActions: []v1.SeccompAction{v1.ActErrno, v1.ActLog}},
			wantReason: ReasonActionNotAllowed, wantField: "spec.syscalls[0].action", wantMsg: "action SCMP_ACT_ALLOW",
		},
		"accepts allowed syscalls that are all in the list": {
			spec: allowList,
			sec:  v1.SecurityConfig{AllowedSyscalls: []string{"read", "write"}},
		},
		"refuses an allowed syscall that is not in the list": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				rule(v1.ActAllow, "read"), rule(v1.ActAllow, "write", "ptrace"),
			}},
			sec:        v1.SecurityConfig{AllowedSyscalls: []string{"read", "write"}},
			wantReason: ReasonSyscallNotAllowed, wantField: "spec.syscalls[1].names[1]",
			wantMsg: `syscall "ptrace" is not in the SecurityProfilesOperatorDaemon's security.allowedSyscalls`,
		},
		"lets a denied syscall that is not in the list through": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActKillProcess, Syscalls: []v1.SeccompSyscall{
				rule(v1.ActErrno, "ptrace"), rule(v1.ActKill, "reboot"), rule(v1.ActKillThread, "swapon"),
				rule(v1.ActKillProcess, "kexec_load"), rule(v1.ActTrap, "acct"),
			}},
			sec: v1.SecurityConfig{AllowedSyscalls: []string{"read"}},
		},
		"counts a logged syscall as allowed": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{rule(v1.ActLog, "ptrace")}},
			sec:        v1.SecurityConfig{AllowedSyscalls: []string{"read"}},
			wantReason: ReasonSyscallNotAllowed, wantField: "spec.syscalls[0].names[0]", wantMsg: `syscall "ptrace"`,
		},
		"counts a syscall handed to a seccomp agent as allowed": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{rule(v1.ActNotify, "mount")}},
			sec:        v1.SecurityConfig{AllowedSyscalls: []string{"read"}},
			wantReason: ReasonSyscallNotAllowed, wantField: "spec.syscalls[0].names[0]", wantMsg: `syscall "mount"`,
		},
		"refuses a default action that lets every unlisted syscall through when syscalls are limited": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActAllow, Syscalls: []v1.SeccompSyscall{rule(v1.ActErrno, "ptrace")}},
			sec:        v1.SecurityConfig{AllowedSyscalls: []string{"read"}},
			wantReason: ReasonSyscallNotAllowed, wantField: "spec.defaultAction", wantMsg: "default action SCMP_ACT_ALLOW lets through every syscall not listed",
		},
		"treats a tracing default action as letting syscalls through": {
			spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActTrace},
			sec:        v1.SecurityConfig{AllowedSyscalls: []string{"read"}},
			wantReason: ReasonSyscallNotAllowed, wantField: "spec.defaultAction", wantMsg: "SCMP_ACT_TRACE",
		},
		"accepts an allowing default action when only actions are limited": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog},
			sec:  v1.SecurityConfig{AllowedSeccompActions: []v1.SeccompAction{v1.ActLog}},
		},
		"checks actions before syscalls": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{rule(v1.ActLog, "ptrace")}},
			sec: v1.SecurityConfig{
				AllowedSyscalls:       []string{"read"},
				AllowedSeccompActions: []v1.SeccompAction{v1.ActErrno, v1.ActAllow},
			},
			wantReason: ReasonActionNotAllowed, wantField: "spec.syscalls[0].action", wantMsg: "SCMP_ACT_LOG",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertError(t, CheckPolicy(&tc.spec, tc.sec), tc.wantReason, tc.wantField, tc.wantMsg)
		})
	}
}
