package apparmor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodeSupport(t *testing.T) {
	dir := t.TempDir()
	param := filepath.Join(dir, "enabled")
	secfs := filepath.Join(dir, "apparmor")
	s := NodeSupport{ModuleEnabled: param, SecurityFS: secfs}

	check := func(wantOK bool, wantWhy string) {
		t.Helper()
		ok, why := s.Supported()
		if ok != wantOK || !strings.Contains(why, wantWhy) {
			t.Fatalf("Supported() = %v, %q; want %v, ...%q...", ok, why, wantOK, wantWhy)
		}
	}
	check(false, "the kernel has no AppArmor")
	if err := os.WriteFile(param, []byte("N\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(false, `not enabled (`+param+` is "N"`)
	if err := os.WriteFile(param, []byte("Y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(false, "securityfs must be mounted")
	if err := os.Mkdir(secfs, 0o755); err != nil {
		t.Fatal(err)
	}
	check(true, "")
}

// TestHostWithoutAppArmor runs the real check on a machine without
// AppArmor, which is what these build machines are.
func TestHostWithoutAppArmor(t *testing.T) {
	ok, why := Supported()
	if ok {
		t.Skip("this machine runs AppArmor")
	}
	if why == "" {
		t.Fatal("no reason given")
	}
	t.Logf("Supported() = false, %q", why)
}
