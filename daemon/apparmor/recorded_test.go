package apparmor_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
)

func TestRecordedAbstract(t *testing.T) {
	no, yes := false, true
	network := &v1.AppArmorNetworkRules{AllowRaw: &no, Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: &yes, AllowUDP: &no}}
	tests := map[string]struct {
		rec  apparmor.Recorded
		want v1.AppArmorAbstract
	}{
		"nothing recorded allows nothing, saying so for the network": {
			apparmor.Recorded{TCP: true},
			v1.AppArmorAbstract{Executable: &v1.AppArmorExecutablesRules{}, Network: network, Capability: &v1.AppArmorCapabilityRules{}},
		},
		"an exec'd binary is an executable, not a read-only file; its literal name is escaped": {
			apparmor.Recorded{TCP: true, Executables: []string{"/bin/sh", "/opt/a[1]"},
				Files: map[string]apparmor.Access{"/usr/bin/dash": {Read: true, Exec: true}}},
			v1.AppArmorAbstract{Executable: &v1.AppArmorExecutablesRules{
				AllowedExecutables: []v1.AppArmorPath{"/bin/sh", `/opt/a\[1\]`, "/usr/bin/dash"}},
				Network: network, Capability: &v1.AppArmorCapabilityRules{}},
		},
		"a library is listed once, as a library": {
			apparmor.Recorded{TCP: true, Files: map[string]apparmor.Access{"/lib/libc.so.6": {Read: true, Library: true}}},
			v1.AppArmorAbstract{Executable: &v1.AppArmorExecutablesRules{AllowedLibraries: []v1.AppArmorPath{"/lib/libc.so.6"}},
				Network: network, Capability: &v1.AppArmorCapabilityRules{}},
		},
		"files sort by access; a file written and run is read-write": {
			apparmor.Recorded{TCP: true, Capabilities: []string{"kill", "chown", "kill"}, Files: map[string]apparmor.Access{
				"/etc/hosts": {Read: true}, "/tmp/out": {Write: true}, "/data": {Read: true, Write: true},
				"/tmp/tool": {Write: true, Exec: true}, "/proc/[0-9]*/status": {Read: true}}},
			v1.AppArmorAbstract{
				Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/tmp/tool"}},
				Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: []v1.AppArmorPath{"/etc/hosts", "/proc/[0-9]*/status"},
					WriteOnlyPaths: []v1.AppArmorPath{"/tmp/out"}, ReadWritePaths: []v1.AppArmorPath{"/data", "/tmp/tool"}},
				Network: network, Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "kill"}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := tc.rec.Abstract()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Abstract() (-want +got):\n%s", diff)
			}
			spec := &v1.AppArmorProfileSpec{Abstract: got}
			if err := apparmor.Validate("recorded", spec); err != nil {
				t.Errorf("the abstract is refused: %v", err)
			}
		})
	}
}
