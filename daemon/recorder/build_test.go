package recorder_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/daemon/seccomp"
)

func TestSeccompSpec(t *testing.T) {
	tests := map[string]struct {
		arch     string
		syscalls []string
		want     v1.SeccompProfileSpec
	}{
		"recorded syscalls and the runtime base are allowed sorted and unique, everything else fails": {
			"SCMP_ARCH_X86_64", []string{"umask", "mkdir", "exit_group", "umask"},
			v1.SeccompProfileSpec{
				DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64"},
				Syscalls:      []v1.SeccompSyscall{{Names: withBase("SCMP_ARCH_X86_64", "exit_group", "mkdir", "umask"), Action: v1.ActAllow}},
			},
		},
		"an unknown architecture is left to the node, and the base is the node's": {
			"", []string{"umask"},
			v1.SeccompProfileSpec{
				DefaultAction: v1.ActErrno,
				Syscalls:      []v1.SeccompSyscall{{Names: withBase("", "umask"), Action: v1.ActAllow}},
			},
		},
		"no syscalls make no rule, not a base-only profile": {
			"SCMP_ARCH_X86_64", nil,
			v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, recorder.SeccompSpec(tc.arch, tc.syscalls)); diff != "" {
				t.Errorf("SeccompSpec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSeccompSpecAllowsWhatTimingDecides: the e2e Logs recording flaked
// with exit code 139 because the idle container's recording caught no
// signal in runc's init (no rt_sigreturn) and its replay did. What a
// recording may or may not see depending on timing is allowed always.
func TestSeccompSpecAllowsWhatTimingDecides(t *testing.T) {
	// The idle container of the failed run, as the enricher had it.
	recorded := []string{"capget", "capset", "chdir", "clock_nanosleep", "close", "close_range",
		"epoll_ctl", "execve", "exit_group", "faccessat2", "fcntl", "fstat", "fstatfs", "futex",
		"getcwd", "getdents64", "getpid", "getppid", "getuid", "newfstatat", "openat", "openat2",
		"prctl", "read", "setgid", "setgroups", "setuid", "statx", "tgkill", "umask", "write"}
	for _, arch := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", ""} {
		spec := recorder.SeccompSpec(arch, recorded)
		for _, need := range []string{"rt_sigreturn", "exit", "exit_group", "futex", "sched_yield"} {
			if !slices.Contains(spec.Syscalls[0].Names, need) {
				t.Errorf("arch %q: the profile does not allow %s: %v", arch, need, spec.Syscalls[0].Names)
			}
		}
	}
	// A profile must not name what its architecture lacks.
	if names := recorder.SeccompSpec("SCMP_ARCH_AARCH64", recorded).Syscalls[0].Names; slices.Contains(names, "arch_prctl") {
		t.Errorf("an arm64 profile allows the x86-only arch_prctl: %v", names)
	}
}

// withBase is what SeccompSpec allows for names recorded on arch.
func withBase(arch string, names ...string) []string {
	all := append(slices.Clone(names), seccomp.RuntimeBase(arch)...)
	slices.Sort(all)
	return slices.Compact(all)
}

const self = "system_u:system_r:selinuxrecording.process:s0:c1,c2"

func avc(tcontext, class string, perms ...string) *enricherv1.Avc {
	return &enricherv1.Avc{Scontext: self, Tcontext: tcontext, Tclass: class, Permissions: perms}
}

func TestSelinuxSpec(t *testing.T) {
	inherit := []v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: "container"}}
	type allow = map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet
	tests := map[string]struct {
		avcs []*enricherv1.Avc
		want allow
	}{
		"targets are keyed by the type of their context": {
			[]*enricherv1.Avc{avc("system_u:object_r:container_file_t:s0", "file", "read", "open")},
			allow{"container_file_t": {"file": {"open", "read"}}},
		},
		"the recording's own type becomes @self": {
			[]*enricherv1.Avc{avc(self, "process", "fork")},
			allow{"@self": {"process": {"fork"}}},
		},
		"permissions of one class are united, sorted and unique": {
			[]*enricherv1.Avc{
				avc("system_u:object_r:var_t:s0", "dir", "search", "read"),
				avc("system_u:object_r:var_t:s0", "dir", "read", "getattr"),
				avc("system_u:object_r:var_t:s0", "file", "write"),
			},
			allow{"var_t": {"dir": {"getattr", "read", "search"}, "file": {"write"}}},
		},
		"a level with colons does not confuse the type": {
			[]*enricherv1.Avc{avc("u:r:proc_t:s0-s0:c0.c1023", "file", "read")},
			allow{"proc_t": {"file": {"read"}}},
		},
		"a type the CRD refuses is skipped rather than failing the profile": {
			[]*enricherv1.Avc{avc("u:r:other.process:s0", "file", "read"), avc("garbage", "file", "read")},
			allow{},
		},
		"nothing recorded allows nothing beyond the template": {nil, allow{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := v1.SelinuxProfileSpec{Inherit: inherit, Allow: tc.want}
			if diff := cmp.Diff(want, recorder.SelinuxSpec(tc.avcs)); diff != "" {
				t.Errorf("SelinuxSpec (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr(b bool) *bool { return &b }

func network(raw, tcp, udp bool) *v1.AppArmorNetworkRules {
	return &v1.AppArmorNetworkRules{AllowRaw: ptr(raw), Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: ptr(tcp), AllowUDP: ptr(udp)}}
}

func TestAppArmorSpec(t *testing.T) {
	file := func(name, mask string) *enricherv1.AppArmorAccess {
		return &enricherv1.AppArmorAccess{Operation: "open", Name: name, RequestedMask: mask}
	}
	sock := func(family, typ string) *enricherv1.AppArmorAccess {
		return &enricherv1.AppArmorAccess{Operation: "create", Family: family, SockType: typ}
	}
	tests := map[string]struct {
		execs    []string
		accesses []*enricherv1.AppArmorAccess
		want     v1.AppArmorAbstract
	}{
		"executables alone make a profile that allows nothing else": {
			[]string{"/bin/sh", "/usr/bin/app", "/bin/sh"}, nil,
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/sh", "/usr/bin/app"}},
				Network:    network(false, false, false),
				Capability: &v1.AppArmorCapabilityRules{},
			},
		},
		"file accesses sort into read-only, write-only and read-write": {
			nil, []*enricherv1.AppArmorAccess{
				file("/etc/passwd", "r"), file("/tmp/out", "w"), file("/var/log/app", "a"),
				file("/data", "r"), file("/data", "w"), file("/run/lock", "c"), file("/run/x", "rd"),
			},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{},
				Filesystem: &v1.AppArmorFsRules{
					ReadOnlyPaths:  []v1.AppArmorPath{"/etc/passwd"},
					WriteOnlyPaths: []v1.AppArmorPath{"/run/lock", "/tmp/out", "/var/log/app"},
					ReadWritePaths: []v1.AppArmorPath{"/data", "/run/x"},
				},
				Network:    network(false, false, false),
				Capability: &v1.AppArmorCapabilityRules{},
			},
		},
		"an exec decision adds an executable; relative names are dropped": {
			[]string{"app"}, []*enricherv1.AppArmorAccess{file("/bin/true", "x")},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/true"}},
				Network:    network(false, false, false),
				Capability: &v1.AppArmorCapabilityRules{},
			},
		},
		"a file written and then run is read-write, and recorded names match only themselves": {
			[]string{"/tmp/tool"}, []*enricherv1.AppArmorAccess{file("/tmp/tool", "w"), file("/data/a[1]*", "r")},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/tmp/tool"}},
				Filesystem: &v1.AppArmorFsRules{
					ReadOnlyPaths:  []v1.AppArmorPath{`/data/a\[1\]\*`},
					ReadWritePaths: []v1.AppArmorPath{"/tmp/tool"},
				},
				Network:    network(false, false, false),
				Capability: &v1.AppArmorCapabilityRules{},
			},
		},
		"sockets allow tcp, udp and raw by family and type": {
			nil, []*enricherv1.AppArmorAccess{sock("inet", "stream"), sock("inet6", "dgram"), sock("packet", "dgram")},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{},
				Network:    network(true, true, true),
				Capability: &v1.AppArmorCapabilityRules{},
			},
		},
		"unix sockets allow no network protocol": {
			nil, []*enricherv1.AppArmorAccess{sock("unix", "stream")},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{},
				Network:    network(false, false, false),
				Capability: &v1.AppArmorCapabilityRules{},
			},
		},
		"capabilities are sorted and unique": {
			nil, []*enricherv1.AppArmorAccess{
				{Operation: "capable", Capability: "net_bind_service"},
				{Operation: "capable", Capability: "chown"},
				{Operation: "capable", Capability: "chown"},
			},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{},
				Network:    network(false, false, false),
				Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "net_bind_service"}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := v1.AppArmorProfileSpec{Abstract: tc.want}
			if diff := cmp.Diff(want, recorder.AppArmorSpec(tc.execs, tc.accesses, nil)); diff != "" {
				t.Errorf("AppArmorSpec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppArmorSpecJoinsTheBpfRecorders(t *testing.T) {
	execs := []string{"/bin/sh"}
	accesses := []*enricherv1.AppArmorAccess{
		{Operation: "open", Name: "/etc/hosts", RequestedMask: "r"}, {Operation: "capable", Capability: "kill"}}
	bpf := []*bpfrecorderv1.AppArmor{
		{Files: []*bpfrecorderv1.FileAccess{
			{Path: "/etc/", Read: true}, {Path: "/proc/[0-9]*/status", Read: true},
			{Path: "/lib/libc.so.6", Read: true, Library: true}, {Path: "/tmp/out", Write: true},
			{Path: "/data", Read: true}, {Path: `/data/a\\[1\\]`, Read: true, Write: true},
		}, Capabilities: []string{"chown"}, Tcp: true},
		{Files: []*bpfrecorderv1.FileAccess{{Path: "/data", Write: true}}, Udp: true, Capabilities: []string{"chown"}},
	}
	// Paths from bpf are policy already (globs kept, escapes not doubled);
	// a library is listed as one only; incarnations unite.
	want := v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/sh"},
			AllowedLibraries: []v1.AppArmorPath{"/lib/libc.so.6"}},
		Filesystem: &v1.AppArmorFsRules{
			ReadOnlyPaths:  []v1.AppArmorPath{"/etc/", "/etc/hosts", "/proc/[0-9]*/status"},
			WriteOnlyPaths: []v1.AppArmorPath{"/tmp/out"},
			ReadWritePaths: []v1.AppArmorPath{"/data", `/data/a\\[1\\]`},
		},
		Network:    network(false, true, true),
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "kill"}},
	}}
	if diff := cmp.Diff(want, recorder.AppArmorSpec(execs, accesses, bpf)); diff != "" {
		t.Errorf("AppArmorSpec (-want +got):\n%s", diff)
	}
}
