package profilemerge_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/profilemerge"
)

func seccompSpec(arch string, names ...string) v1.SeccompProfileSpec {
	spec := v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}
	if arch != "" {
		spec.Architectures = []v1.SeccompArch{v1.SeccompArch(arch)}
	}
	if len(names) > 0 {
		spec.Syscalls = []v1.SeccompSyscall{{Names: names, Action: v1.ActAllow}}
	}
	return spec
}

func TestSeccomp(t *testing.T) {
	tests := map[string]struct {
		into, add, want v1.SeccompProfileSpec
	}{
		"allowed syscalls and architectures are united": {
			seccompSpec("SCMP_ARCH_X86_64", "read", "write"),
			seccompSpec("SCMP_ARCH_AARCH64", "openat", "read"),
			v1.SeccompProfileSpec{
				DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"},
				Syscalls:      []v1.SeccompSyscall{{Names: []string{"openat", "read", "write"}, Action: v1.ActAllow}},
			},
		},
		"merging the same recording twice changes nothing": {
			seccompSpec("SCMP_ARCH_X86_64", "read"), seccompSpec("SCMP_ARCH_X86_64", "read"), seccompSpec("SCMP_ARCH_X86_64", "read"),
		},
		"a profile with no allow rule gets one": {
			seccompSpec(""), seccompSpec("", "read"), seccompSpec("", "read"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			profilemerge.Seccomp(&tc.into, tc.add)
			if diff := cmp.Diff(tc.want, tc.into); diff != "" {
				t.Errorf("Seccomp (-want +got):\n%s", diff)
			}
		})
	}
}

type allowMap = map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet

func TestSelinux(t *testing.T) {
	into := v1.SelinuxProfileSpec{Mode: v1.SelinuxPermissive}
	profilemerge.Selinux(&into, v1.SelinuxProfileSpec{Allow: allowMap{"var_t": {"file": {"write", "read"}}}})
	profilemerge.Selinux(&into, v1.SelinuxProfileSpec{Mode: v1.SelinuxEnforcing, Allow: allowMap{
		"var_t": {"file": {"open"}}, "@self": {"process": {"fork"}},
	}})
	want := v1.SelinuxProfileSpec{Mode: v1.SelinuxPermissive, Allow: allowMap{
		"var_t": {"file": {"open", "read", "write"}}, "@self": {"process": {"fork"}},
	}}
	if diff := cmp.Diff(want, into); diff != "" {
		t.Errorf("Selinux (-want +got):\n%s", diff)
	}
}

func ptr(b bool) *bool { return &b }

func network(raw, tcp, udp bool) *v1.AppArmorNetworkRules {
	return &v1.AppArmorNetworkRules{AllowRaw: ptr(raw), Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: ptr(tcp), AllowUDP: ptr(udp)}}
}

func paths(ps ...v1.AppArmorPath) []v1.AppArmorPath { return ps }

func TestAppArmor(t *testing.T) {
	tests := map[string]struct {
		into, add, want v1.AppArmorAbstract
	}{
		"every list is united and a path read in one and written in the other becomes read-write": {
			into: v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/bin/a")},
				Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/data", "/etc")},
				Network:    network(false, true, false),
				Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown"}},
			},
			add: v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/bin/b")},
				Filesystem: &v1.AppArmorFsRules{WriteOnlyPaths: paths("/data", "/tmp")},
				Network:    network(true, false, false),
				Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"kill"}},
			},
			want: v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/bin/a", "/bin/b")},
				Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/etc"), WriteOnlyPaths: paths("/tmp"), ReadWritePaths: paths("/data")},
				Network:    network(true, true, false),
				Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "kill"}},
			},
		},
		"globs and escaped literals are kept as written, not escaped again": {
			into: v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/etc/**", `/data/a\*b`)}},
			add:  v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/etc/**", `/data/a\*b`)}},
			want: v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths(`/data/a\*b`, "/etc/**")}},
		},
		"a write-only path that the other profile executes becomes read-write, since exec needs read": {
			into: v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{WriteOnlyPaths: paths("/opt/tool")}},
			add:  v1.AppArmorAbstract{Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/opt/tool")}},
			want: v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/opt/tool")},
				Filesystem: &v1.AppArmorFsRules{ReadWritePaths: paths("/opt/tool")},
			},
		},
		"empty profiles merge into an empty profile": {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			into := v1.AppArmorProfileSpec{Abstract: tc.into, Mode: v1.AppArmorComplain}
			profilemerge.AppArmor(&into, v1.AppArmorProfileSpec{Abstract: tc.add})
			want := v1.AppArmorProfileSpec{Abstract: tc.want, Mode: v1.AppArmorComplain}
			if diff := cmp.Diff(want, into); diff != "" {
				t.Errorf("AppArmor (-want +got):\n%s", diff)
			}
			again := *into.DeepCopy()
			profilemerge.AppArmor(&again, into)
			if diff := cmp.Diff(into, again); diff != "" {
				t.Errorf("merging the result with itself changed it (-once +twice):\n%s", diff)
			}
		})
	}
}
