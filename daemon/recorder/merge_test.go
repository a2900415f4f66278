package recorder_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/recorder"
)

func TestMergeSeccomp(t *testing.T) {
	tests := map[string]struct {
		into, add, want v1.SeccompProfileSpec
	}{
		"allowed syscalls and architectures are united": {
			allowing("SCMP_ARCH_X86_64", "read", "write"),
			allowing("SCMP_ARCH_AARCH64", "openat", "read"),
			v1.SeccompProfileSpec{
				DefaultAction: v1.ActErrno,
				Architectures: []v1.SeccompArch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"},
				Syscalls:      []v1.SeccompSyscall{{Names: []string{"openat", "read", "write"}, Action: v1.ActAllow}},
			},
		},
		"merging the same recording twice changes nothing": {
			allowing("SCMP_ARCH_X86_64", "read"),
			allowing("SCMP_ARCH_X86_64", "read"),
			allowing("SCMP_ARCH_X86_64", "read"),
		},
		"a profile with no allow rule gets one": {
			v1.SeccompProfileSpec{DefaultAction: v1.ActErrno},
			allowing("", "read"),
			allowing("", "read"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			recorder.MergeSeccomp(&tc.into, tc.add)
			if diff := cmp.Diff(tc.want, tc.into); diff != "" {
				t.Errorf("MergeSeccomp (-want +got):\n%s", diff)
			}
		})
	}
}

// allowing is a recorded-looking spec without the runtime base, so the
// merge is what is tested here.
func allowing(arch string, names ...string) v1.SeccompProfileSpec {
	spec := v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
		Syscalls: []v1.SeccompSyscall{{Names: names, Action: v1.ActAllow}}}
	if arch != "" {
		spec.Architectures = []v1.SeccompArch{v1.SeccompArch(arch)}
	}
	return spec
}

func TestMergeSelinux(t *testing.T) {
	into := recorder.SelinuxSpec(nil)
	recorder.MergeSelinux(&into, v1.SelinuxProfileSpec{Allow: map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{
		"var_t": {"file": {"write", "read"}},
	}})
	recorder.MergeSelinux(&into, v1.SelinuxProfileSpec{Allow: map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{
		"var_t": {"file": {"open"}}, "@self": {"process": {"fork"}},
	}})
	want := map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{
		"var_t": {"file": {"open", "read", "write"}}, "@self": {"process": {"fork"}},
	}
	if diff := cmp.Diff(want, into.Allow); diff != "" {
		t.Errorf("MergeSelinux (-want +got):\n%s", diff)
	}
}

func TestMergeAppArmor(t *testing.T) {
	into := v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/a"}},
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: []v1.AppArmorPath{"/data", "/etc"}},
		Network:    network(false, true, false),
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown"}},
	}}
	recorder.MergeAppArmor(&into, v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/b"}},
		Filesystem: &v1.AppArmorFsRules{WriteOnlyPaths: []v1.AppArmorPath{"/data", "/tmp"}},
		Network:    network(true, false, false),
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"kill"}},
	}})
	want := v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/a", "/bin/b"}},
		Filesystem: &v1.AppArmorFsRules{
			ReadOnlyPaths: []v1.AppArmorPath{"/etc"}, WriteOnlyPaths: []v1.AppArmorPath{"/tmp"},
			ReadWritePaths: []v1.AppArmorPath{"/data"},
		},
		Network:    network(true, true, false),
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "kill"}},
	}}
	if diff := cmp.Diff(want, into); diff != "" {
		t.Errorf("MergeAppArmor (-want +got):\n%s", diff)
	}
}
