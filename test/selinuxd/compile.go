package selinuxd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/secprofiles/spo/daemon/selinux/policies"
)

// BasePolicy is the path of the stub base policy in test/fixtures/selinux:
// classes, a user, a role, MLS and the types spo's container templates
// refer to, the least secilc needs to compile modules.
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

// Compile compiles the base policy, spo's seed modules (the container
// templates and selinuxrecording, daemon/selinux/policies) and modules,
// in order, the way a node has them all loaded once the daemon started,
// and returns secilc's complaint if it refuses them.
func Compile(secilc string, modules ...[]byte) error {
	var all [][]byte
	for _, m := range policies.Modules() {
		all = append(all, m.CIL)
	}
	return CompileBare(secilc, append(all, modules...)...)
}

// CompileBare compiles the base policy with modules alone, as a node
// has them before the daemon installed its seed.
func CompileBare(secilc string, modules ...[]byte) error {
	_, err := compile(secilc, false, modules)
	return err
}

// CompileVerbose is Compile with secilc's -vvv output returned, which
// names every optional block secilc disabled because something it
// refers to is missing.
func CompileVerbose(secilc string, modules ...[]byte) (string, error) {
	var all [][]byte
	for _, m := range policies.Modules() {
		all = append(all, m.CIL)
	}
	return compile(secilc, true, append(all, modules...))
}

func compile(secilc string, verbose bool, modules [][]byte) (string, error) {
	dir, err := os.MkdirTemp("", "secilc-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	args := []string{"-o", filepath.Join(dir, "policy"), "-f", filepath.Join(dir, "file_contexts")}
	if verbose {
		args = append(args, "-vvv")
	}
	args = append(args, BasePolicy())
	for i, m := range modules {
		path := filepath.Join(dir, fmt.Sprintf("module%d.cil", i))
		if err := os.WriteFile(path, m, 0o600); err != nil {
			return "", err
		}
		args = append(args, path)
	}
	cmd := exec.Command(secilc, args...)
	cmd.Dir = dir // secilc may drop files in its working directory
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("secilc: %w: %s", err, bytes.TrimSpace(out))
	}
	return string(out), nil
}
