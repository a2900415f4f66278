package selinuxd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BasePolicy is the path of the stub base policy in test/fixtures/selinux:
// classes, a user, a role, MLS and container-selinux's "container" and
// "net_container" templates, the least secilc needs to compile modules.
func BasePolicy() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "fixtures", "selinux", "base.cil")
}

// RequireSecilc returns the path of secilc, or skips the test when it is
// missing, except under CI=true, where a missing tool must not let a
// test pass silently.
func RequireSecilc(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("secilc")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("secilc is required under CI=true (Debian package secilc): %v", err)
	}
	t.Skipf("secilc not installed (Debian package secilc): %v", err)
	return ""
}

// Compile compiles the base policy with modules, in order, the way the
// node would have them all loaded, and returns secilc's complaint if it
// refuses them.
func Compile(secilc string, modules ...[]byte) error {
	dir, err := os.MkdirTemp("", "secilc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	args := []string{"-o", filepath.Join(dir, "policy"), "-f", filepath.Join(dir, "file_contexts"), BasePolicy()}
	for i, m := range modules {
		path := filepath.Join(dir, fmt.Sprintf("module%d.cil", i))
		if err := os.WriteFile(path, m, 0o600); err != nil {
			return err
		}
		args = append(args, path)
	}
	cmd := exec.Command(secilc, args...)
	cmd.Dir = dir // secilc may drop files in its working directory
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("secilc: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}
