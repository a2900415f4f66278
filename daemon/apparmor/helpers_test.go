package apparmor

import (
	"context"
	"os"
	"os/exec"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// testParser is the real apparmor_parser, or a skip (a failure under CI)
// when the machine lacks it. The Debian apparmor package ships the
// includes the policy needs in /etc/apparmor.d, the parser's default -I.
func testParser(t testing.TB) ExecParser {
	t.Helper()
	path := DefaultParserPath
	if _, err := os.Stat(path); err != nil {
		found, lerr := exec.LookPath("apparmor_parser")
		if lerr != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("apparmor_parser is missing (install Debian's apparmor package): %v", err)
			}
			t.Skipf("apparmor_parser is missing (install Debian's apparmor package): %v", err)
		}
		path = found
	}
	return ExecParser{Path: path}
}

// mustCompile fails t unless apparmor_parser -QK accepts policy.
func mustCompile(t *testing.T, p ExecParser, policy []byte) {
	t.Helper()
	if err := p.Compile(context.Background(), policy); err != nil {
		t.Fatalf("apparmor_parser -QK refused the policy: %v\n%s", err, policy)
	}
}

func profile(name string, mode v1.AppArmorMode, a v1.AppArmorAbstract) *v1.AppArmorProfile {
	p := &v1.AppArmorProfile{Spec: v1.AppArmorProfileSpec{Abstract: a, Mode: mode}}
	p.Name = name
	return p
}

func paths(s ...string) []v1.AppArmorPath {
	out := make([]v1.AppArmorPath, len(s))
	for i, p := range s {
		out[i] = v1.AppArmorPath(p)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
