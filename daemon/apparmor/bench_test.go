package apparmor

import (
	"fmt"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// BenchmarkTranslate500Paths measures Validate+Render of a profile with 500
// paths spread over every list, the size of a busy recorded profile.
func BenchmarkTranslate500Paths(b *testing.B) {
	list := func(prefix string, n int) []v1.AppArmorPath {
		out := make([]v1.AppArmorPath, n)
		for i := range out {
			out[i] = v1.AppArmorPath(fmt.Sprintf("/%s/dir-%d/{a,b}/file %d*", prefix, i, i))
		}
		return out
	}
	p := profile("busy", v1.AppArmorEnforce, v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: list("usr/bin", 50), AllowedLibraries: list("usr/lib", 50)},
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: list("etc", 200), WriteOnlyPaths: list("var/log", 100),
			ReadWritePaths: list("var/lib", 100)},
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "setuid", "setgid"}},
	})
	b.ReportAllocs()
	var size int
	for b.Loop() {
		out, err := Translate(p)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/policy")
}
