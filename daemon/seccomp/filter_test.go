package seccomp

import (
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

func TestBuildFilter(t *testing.T) {
	tests := map[string]struct {
		s          specs.LinuxSeccomp
		wantReason string
		wantField  string
		wantMsg    string
	}{
		"builds a filter with every kind of rule": {
			s: specs.LinuxSeccomp{
				DefaultAction: specs.ActErrno, DefaultErrnoRet: errnoRet(38),
				Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86},
				Flags:         []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog},
				Syscalls: []specs.LinuxSyscall{
					{Names: []string{"read", "write"}, Action: specs.ActAllow},
					{Names: []string{"clone"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0x7E020000, Op: specs.OpMaskedEqual}}},
					{Names: []string{"ptrace"}, Action: specs.ActErrno, ErrnoRet: errnoRet(1)},
				},
			},
		},
		"skips names this libseccomp does not know, as runtimes do": {
			s: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"fooo", "read"}, Action: specs.ActAllow}}},
		},
		"skips a rule that repeats the default action, errno included": {
			s: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: errnoRet(1)}}},
		},
		"names fields relative to the OCI document": {
			s: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActAllow},
				{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 7, Op: specs.OpEqualTo}}},
			}},
			wantReason: ReasonInvalidArgument, wantField: "syscalls[1].args[0]", wantMsg: "up to 6 arguments",
		},
		"refuses an errno on a default action that takes none": {
			s:          specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: errnoRet(1)},
			wantReason: ReasonInvalidAction, wantField: "defaultErrnoRet", wantMsg: "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := BuildFilter(&tc.s)
			assertError(t, err, tc.wantReason, tc.wantField, tc.wantMsg)
			if err == nil {
				f.Release()
			}
		})
	}
}

func TestBuildFilterSetsTheDefaultErrno(t *testing.T) {
	tests := map[string]struct {
		errno *uint
		want  int16
	}{
		"returns EPERM when no errno is given": {want: 1},
		"returns the given errno":              {errno: errnoRet(38), want: 38},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := BuildFilter(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: tc.errno})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Release()
			def, err := f.GetDefaultAction()
			if err != nil {
				t.Fatal(err)
			}
			if def != libseccomp.ActErrno.SetReturnCode(tc.want) {
				t.Fatalf("default action = %v (errno %d), want errno %d", def, def.GetReturnCode(), tc.want)
			}
		})
	}
}

func TestBuildFilterIgnoresWaitKillableRecvOnOldLibseccomp(t *testing.T) {
	f, ignored, err := buildFilter(&specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	major, minor, _ := libseccomp.GetLibraryVersion()
	if major > 2 || minor >= 6 {
		if len(ignored) != 0 {
			t.Fatalf("libseccomp %d.%d has the flag, yet it was ignored: %v", major, minor, ignored)
		}
		return
	}
	if len(ignored) != 1 || !strings.Contains(ignored[0].Error(), "ignoring SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") {
		t.Fatalf("ignored = %v, want one message about SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", ignored)
	}
}

func TestLoadFilterRefusesNotify(t *testing.T) {
	// Refused before anything is built, so nothing is loaded into the test
	// process.
	tests := map[string]struct {
		s         specs.LinuxSeccomp
		wantField string
	}{
		"refuses SCMP_ACT_NOTIFY as the default action": {
			s: specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, wantField: "defaultAction",
		},
		"refuses a rule that notifies an agent nobody runs": {
			s: specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock", Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActLog},
				{Names: []string{"mount"}, Action: specs.ActNotify},
			}},
			wantField: "syscalls[1].action",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertError(t, LoadFilter(&tc.s), ReasonActionNotAllowed, tc.wantField, "needs a seccomp agent")
		})
	}
}
