package bpfrecorder

import (
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
)

// event builds an access event from a path's components, root first.
func event(kind uint8, components ...string) accessEvent {
	ev := accessEvent{Kind: uint32(kind), Depth: uint32(min(len(components), accessDepth))}
	for i := range ev.Depth {
		copy(ev.Names[i][:accessNameLen-1], components[len(components)-1-int(i)])
	}
	return ev
}

func TestPolicyPath(t *testing.T) {
	long := strings.Repeat("x", accessNameLen-1)
	deep := strings.Split(strings.Repeat("d/", accessDepth), "/")[:accessDepth]
	tests := map[string]struct {
		ev       accessEvent
		want     string
		wantBits uint8
	}{
		"a file read keeps its path":                          {event(AccessRead, "etc", "hostname"), "/etc/hostname", AccessRead},
		"a directory ends in a slash":                         {event(AccessRead|accessDir, "etc"), "/etc/", AccessRead},
		"the root directory is a single slash":                {event(AccessRead | accessDir), "/", AccessRead},
		"a library keeps its bit":                             {event(AccessRead|AccessLibrary, "lib", "libc.so.6"), "/lib/libc.so.6", AccessRead | AccessLibrary},
		"a process's /proc entry matches any pid":             {event(AccessRead, "proc", "4242", "status"), "/proc/[0-9]*/status", AccessRead},
		"a thread's /proc entry matches any pid and tid":      {event(AccessRead, "proc", "1", "task", "2", "stat"), "/proc/[0-9]*/task/[0-9]*/stat", AccessRead},
		"/proc files not of a process stay":                   {event(AccessRead, "proc", "sys", "kernel", "pid_max"), "/proc/sys/kernel/pid_max", AccessRead},
		"glob characters in names are escaped":                {event(AccessWrite, "data", "a[1]*"), `/data/a\[1\]\*`, AccessWrite},
		"a control character becomes a one-character glob":    {event(AccessRead, "tmp", "a\nb"), "/tmp/a?b", AccessRead},
		"a cut name is widened to the names it may have been": {event(AccessRead|accessTrunc, "tmp", long), "/tmp/" + long + "*", AccessRead},
		"a path deeper than the walk matches any prefix":      {event(AccessRead|accessDeep, deep...), "/**/" + strings.Join(deep, "/"), AccessRead},
		"a file outside the namespace's tree has no path":     {event(AccessRead|accessOutside, "x"), "", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, bits := tc.ev.policyPath()
			if got != tc.want || bits != tc.wantBits {
				t.Errorf("policyPath() = %q, %d; want %q, %d", got, bits, tc.want, tc.wantBits)
			}
		})
	}
}

// FuzzPolicyPath: whatever the kernel sends, the path is one the API
// accepts (or "" for none).
func FuzzPolicyPath(f *testing.F) {
	f.Add(uint8(AccessRead), "etc", "hostname")
	f.Add(uint8(AccessRead|accessDir|accessTrunc), "proc", "12")
	f.Add(uint8(accessDeep), "a,b", "{x}")
	f.Fuzz(func(t *testing.T, kind uint8, a, b string) {
		ev := event(kind, a, b)
		path, _ := ev.policyPath()
		if path == "" {
			return
		}
		if err := apparmor.Validate("fuzz", abstractWith(path)); err != nil {
			t.Errorf("path %q from %q, %q (kind %d) is refused: %v", path, a, b, kind, err)
		}
	})
}

func abstractWith(path string) *v1.AppArmorProfileSpec {
	return &v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: []v1.AppArmorPath{v1.AppArmorPath(path)}}}}
}
