package apparmor

import (
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestEscapePath(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/nginx":              "/usr/bin/nginx",
		"/tmp/a,b":                    `/tmp/a\,b`,
		"/data/@{HOME}/x":             `/data/@\{HOME\}/x`,
		"/w/[1] *?^":                  `/w/\[1\] \*\?\^`,
		`/back\slash`:                 `/back\\slash`,
		"/opt/my app/lib":             "/opt/my app/lib",
		"/weird/{a,b}/name, with } x": `/weird/\{a\,b\}/name\, with \} x`,
	}
	var ro []v1.AppArmorPath
	for in, want := range tests {
		got, err := EscapePath(in)
		if err != nil || string(got) != want {
			t.Errorf("EscapePath(%q) = %q, %v; want %q", in, got, err, want)
		}
		ro = append(ro, got)
	}
	for _, bad := range []string{"relative", "/a\nb", `/a"b`, ""} {
		if _, err := EscapePath(bad); err == nil {
			t.Errorf("EscapePath(%q) succeeded", bad)
		}
	}
	// What EscapePath returns passes Validate and compiles.
	p := profile("escaped", v1.AppArmorEnforce, v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: ro}})
	policy, err := Translate(p)
	if err != nil {
		t.Fatal(err)
	}
	mustCompile(t, testParser(t), policy)
}
