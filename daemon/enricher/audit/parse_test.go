package audit

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFixtures(t *testing.T) {
	unset := uint32(4294967295)
	tests := []struct {
		name  string
		file  string
		index int
		want  Event
	}{
		{"a real dmesg SECCOMP line resolves getpid on x86_64", "seccomp-kmsg.log", 0, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1795646687, 789, 2},
			Seccomp: &Seccomp{Process: Process{PID: 3340, AUID: unset, Ses: unset, Comm: "seclog", Exe: "/tmp/seccap/seclog"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 39, SyscallName: "getpid", IP: 0x7f31fdf864e7, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"a real line with hex-encoded comm and exe is decoded", "seccomp-kmsg.log", 3, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1795646687, 793, 5},
			Seccomp: &Seccomp{Process: Process{PID: 3341, AUID: unset, Ses: unset, Comm: "my prog", Exe: "/tmp/seccap/my prog"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 39, SyscallName: "getpid", IP: 0x7f9e809994e7, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"a dmesg -r line with a <level> prefix parses", "seccomp-kmsg.log", 4, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1795646687, 793, 6},
			Seccomp: &Seccomp{Process: Process{PID: 3341, AUID: unset, Ses: unset, Comm: "my prog", Exe: "/tmp/seccap/my prog"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 1, SyscallName: "write", IP: 0x7f9e809bc350, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"a /dev/kmsg line parses", "seccomp-kmsg.log", 5, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1795646687, 793, 7},
			Seccomp: &Seccomp{Process: Process{PID: 3341, AUID: unset, Ses: unset, Comm: "my prog", Exe: "/tmp/seccap/my prog"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 231, SyscallName: "exit_group", IP: 0x7f9e80998409, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"an auditd RAW line parses with subj and ids", "seccomp-auditd.log", 0, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1700000000, 123, 456},
			Seccomp: &Seccomp{Process: Process{PID: 4321, UID: 1000, AUID: 1000, Ses: 2, Subj: "unconfined", Comm: "curl", Exe: "/usr/bin/curl"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 41, SyscallName: "socket", IP: 0x7f2b1c8e3a4b, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"an ENRICHED line ignores the interpreted fields", "seccomp-auditd.log", 1, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1700000001, 4, 457},
			Seccomp: &Seccomp{Process: Process{PID: 4322, UID: 1000, AUID: 1000, Ses: 2, Subj: "unconfined", Comm: "nginx", Exe: "/usr/sbin/nginx"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 257, SyscallName: "openat", IP: 0x7f0e6d1f2c3e, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"an i386 compat syscall is named for i386, not x86_64", "seccomp-auditd.log", 2, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1700000002, 500, 458},
			Seccomp: &Seccomp{Process: Process{PID: 77, AUID: unset, Ses: unset, Subj: "system_u:system_r:container_t:s0:c12,c34", Comm: "app", Exe: "/app"},
				Sig: 31, ArchAudit: 0x40000003, Arch: "SCMP_ARCH_X86", Syscall: 11, SyscallName: "execve", Compat: 1, IP: 0xf7fa1549, Code: 0x80000000, Action: "SCMP_ACT_KILL_PROCESS"}}},
		{"an aarch64 syscall is named for aarch64", "seccomp-auditd.log", 3, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1700000003, 0, 459},
			Seccomp: &Seccomp{Process: Process{PID: 900, AUID: unset, Ses: unset, Subj: "unconfined", Comm: "server", Exe: "/usr/local/bin/server"},
				ArchAudit: 0xc00000b7, Arch: "SCMP_ARCH_AARCH64", Syscall: 63, SyscallName: "read", IP: 0xffff8a2b3c4d, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"an unresolvable syscall number gives an error, never a made-up name", "seccomp-auditd.log", 4, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1700000004, 250, 460},
			Seccomp: &Seccomp{Process: Process{PID: 901, AUID: unset, Ses: unset, Subj: "unconfined", Comm: "odd", Exe: "/odd"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 999, SyscallError: "syscall 999 unknown on SCMP_ARCH_X86_64", IP: 0x401000, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"a syslog-forwarded kernel line parses", "seccomp-auditd.log", 5, Event{
			Kind: KindSeccomp, RecordType: 1326, Stamp: Stamp{1700000005, 1, 461},
			Seccomp: &Seccomp{Process: Process{PID: 902, AUID: unset, Ses: unset, Comm: "sh", Exe: "/bin/sh"},
				ArchAudit: 0xc000003e, Arch: "SCMP_ARCH_X86_64", Syscall: 59, SyscallName: "execve", IP: 0x7f11aa22bb33, Code: 0x7ffc0000, Action: "SCMP_ACT_LOG"}}},
		{"an SELinux denial lists every permission and both contexts", "selinux.log", 0, Event{
			Kind: KindSELinux, RecordType: 1400, Stamp: Stamp{1700000100, 321, 900},
			AVC: &AVC{Process: Process{PID: 2345, Comm: "nginx"}, Denied: true, Permissions: []string{"read", "write"},
				SContext: "system_u:system_r:container_t:s0:c123,c456", TContext: "system_u:object_r:var_lib_t:s0", TClass: "file"}}},
		{"a granted AVC without permissive= is not denied", "selinux.log", 1, Event{
			Kind: KindSELinux, RecordType: 1400, Stamp: Stamp{1700000101, 0, 901},
			AVC: &AVC{Process: Process{PID: 1, Comm: "systemd"}, Permissions: []string{"setenforce"},
				SContext: "system_u:system_r:init_t:s0", TContext: "system_u:object_r:security_t:s0", TClass: "security"}}},
		{"a kernel AVC in permissive mode with a hex comm parses", "selinux.log", 2, Event{
			Kind: KindSELinux, RecordType: 1400, Stamp: Stamp{1700000102, 777, 902},
			AVC: &AVC{Process: Process{PID: 3456, Comm: "my app"}, Denied: true, Permissions: []string{"name_bind"}, Permissive: true,
				SContext: "system_u:system_r:container_t:s0:c1,c2", TContext: "system_u:object_r:http_cache_port_t:s0", TClass: "tcp_socket"}}},
		{"a USER_AVC takes the sender from outside msg and the decision from inside", "selinux.log", 3, Event{
			Kind: KindSELinux, RecordType: 1107, Stamp: Stamp{1700000103, 10, 903},
			AVC: &AVC{Process: Process{PID: 1, AUID: unset, Ses: unset, Subj: "system_u:system_r:init_t:s0", Exe: "/usr/lib/systemd/systemd"},
				Denied: true, Permissions: []string{"start"},
				SContext: "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023", TContext: "system_u:object_r:systemd_unit_file_t:s0", TClass: "service"}}},
		{"an AppArmor kernel denial parses", "apparmor.log", 0, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000200, 100, 50},
			AppArmor: &AppArmor{PID: 1122, Comm: "cupsd", Result: "DENIED", Operation: "open", Profile: "/usr/sbin/cupsd", Name: "/etc/shadow", RequestedMask: "r", DeniedMask: "r"}}},
		{"an AppArmor complain-mode ALLOWED from auditd parses", "apparmor.log", 1, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000201, 200, 51},
			AppArmor: &AppArmor{PID: 3344, Comm: "sh", Result: "ALLOWED", Operation: "exec", Profile: "spo-nginx", Name: "/usr/bin/curl", RequestedMask: "x", DeniedMask: "x"}}},
		{"an AppArmor capability denial with a hex comm parses", "apparmor.log", 2, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000202, 300, 52},
			AppArmor: &AppArmor{PID: 5566, Comm: "worker 1", Result: "DENIED", Operation: "capable", Profile: "docker-default", Capability: "sys_admin"}}},
		{"an AppArmor dbus USER_AVC takes its profile from label", "apparmor.log", 3, Event{
			Kind: KindAppArmor, RecordType: 1107, Stamp: Stamp{1700000203, 400, 53},
			AppArmor: &AppArmor{PID: 4455, Result: "DENIED", Operation: "dbus_method_call", Profile: "snap.foo.bar", Name: "org.freedesktop.hostname1"}}},
		{"an AppArmor STATUS record is kept with its result", "apparmor.log", 4, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000204, 500, 54},
			AppArmor: &AppArmor{PID: 6677, Comm: "apparmor_parser", Result: "STATUS", Operation: "profile_load", Profile: "unconfined", Name: "spo-nginx"}}},
		{"an AppArmor socket create keeps family, type and protocol", "apparmor.log", 5, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000205, 600, 55},
			AppArmor: &AppArmor{PID: 7788, Comm: "curl", Result: "ALLOWED", Operation: "create", Profile: "spo-nginx", RequestedMask: "create", DeniedMask: "create", Family: "inet", SockType: "stream", Protocol: 6}}},
		{"an AppArmor mknod from dmesg keeps the path and mask", "apparmor.log", 6, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000206, 700, 56},
			AppArmor: &AppArmor{PID: 7789, Comm: "nginx", Result: "DENIED", Operation: "mknod", Profile: "spo-nginx", Name: "/tmp/nginx.sock", RequestedMask: "c", DeniedMask: "c"}}},
		{"an AppArmor complain-mode capability keeps capname", "apparmor.log", 7, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000207, 800, 57},
			AppArmor: &AppArmor{PID: 7790, Comm: "ping", Result: "ALLOWED", Operation: "capable", Profile: "spo-nginx", Capability: "net_raw"}}},
		{"an AppArmor complain-mode file open keeps the path and mask", "apparmor.log", 8, Event{
			Kind: KindAppArmor, RecordType: 1400, Stamp: Stamp{1700000208, 900, 58},
			AppArmor: &AppArmor{PID: 7791, Comm: "nginx", Result: "ALLOWED", Operation: "open", Profile: "spo-nginx", Name: "/etc/nginx/nginx.conf", RequestedMask: "r", DeniedMask: "r"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(records(t, tc.file)[tc.index])
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("-want +got:\n%s", d)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want error
	}{
		{"a line without a record is not audit", "Nov 25 10:00:00 node1 sshd[1]: Accepted publickey", ErrNotAudit},
		{"a type= word without audit( is not audit", "config type=foo value=1", ErrNotAudit},
		{"a SYSCALL record is unsupported, not malformed", "type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=1 success=yes", ErrUnsupported},
		{"a bad stamp is malformed", "type=SECCOMP msg=audit(17x.123:456): arch=c000003e syscall=1", ErrMalformed},
		{"a SECCOMP record without syscall is malformed", "type=SECCOMP msg=audit(1700000000.123:456): pid=1 arch=c000003e", ErrMalformed},
		{"a non-numeric pid is malformed", "type=SECCOMP msg=audit(1700000000.123:456): pid=abc arch=c000003e syscall=1", ErrMalformed},
		{"an unterminated quote is malformed", `type=SECCOMP msg=audit(1700000000.123:456): comm="abc arch=c000003e syscall=1`, ErrMalformed},
		{"an AVC without a decision is malformed", "type=AVC msg=audit(1700000000.123:456): avc: maybe { read } for pid=1 scontext=a tcontext=b tclass=file", ErrMalformed},
		{"an AVC whose permissions lack the opening brace is malformed", "type=AVC msg=audit(1700000000.123:456): avc: denied }} for pid=1 scontext=a tcontext=b tclass=file", ErrMalformed},
		{"an AVC without tclass is malformed", "type=AVC msg=audit(1700000000.123:456): avc:  denied  { read } for pid=1 scontext=a tcontext=b", ErrMalformed},
		{"an AppArmor record with a non-numeric protocol is malformed", `type=AVC msg=audit(1700000000.123:456): apparmor="DENIED" operation="create" pid=1 family="inet" protocol=tcp`, ErrMalformed},
		{"an AppArmor record without operation is malformed", `type=AVC msg=audit(1700000000.123:456): apparmor="DENIED" pid=1`, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.line)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}
