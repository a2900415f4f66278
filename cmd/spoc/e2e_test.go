package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
)

// These tests build spoc and run it on real programs with the kernel's
// seccomp (and, for record, the eBPF recorder): no fakes.

var (
	buildOnce sync.Once
	spocPath  string
	buildErr  error
)

// TestMain removes the spoc binary the end-to-end tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if spocPath != "" {
		os.RemoveAll(filepath.Dir(spocPath))
	}
	os.Exit(code)
}

// spocBinary builds spoc once per test binary run, into a directory
// TestMain removes (one build shared by all tests, unlike t.TempDir).
func spocBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "spoc-e2e")
		if err != nil {
			buildErr = err
			return
		}
		spocPath = filepath.Join(dir, "spoc")
		out, err := exec.Command("go", "build", "-o", spocPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building spoc: %v", buildErr)
	}
	return spocPath
}

// spoc runs the built spoc and returns its combined output and exit code.
func spoc(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(spocBinary(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running spoc %v: %v", args, err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

const denyMkdir = `apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: deny-mkdir
spec:
  defaultAction: SCMP_ACT_ALLOW
  syscalls:
  - names: [mkdir, mkdirat]
    action: SCMP_ACT_ERRNO
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunEnforcesProfile(t *testing.T) {
	dir := t.TempDir()
	profile := writeFile(t, dir, "deny-mkdir.yaml", denyMkdir)
	target := filepath.Join(dir, "made")

	out, code := spoc(t, "run", "-p", profile, "--", "/bin/mkdir", target)
	if code != 1 || !strings.Contains(out, "Operation not permitted") {
		t.Errorf("mkdir under the profile: exit %d, output %q; want mkdir's exit 1 and EPERM", code, out)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("mkdir under the profile created %s (stat: %v)", target, err)
	}

	if out, code := spoc(t, "run", "-p", profile, "--", "/bin/true"); code != 0 {
		t.Errorf("true under the profile: exit %d, output %q", code, out)
	}
	if out, code := spoc(t, "run", "-p", profile, "--", "/bin/sh", "-c", "exit 42"); code != 42 {
		t.Errorf("exit status is not passed through: got %d, output %q", code, out)
	}
}

func TestRunAcceptsOCIJSON(t *testing.T) {
	dir := t.TempDir()
	manifest := writeFile(t, dir, "deny-mkdir.yaml", denyMkdir)
	oci := filepath.Join(dir, "deny-mkdir.json")
	if out, code := spoc(t, "convert", manifest, "-o", oci); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, out)
	}
	out, code := spoc(t, "run", "-p", oci, "--", "/bin/mkdir", filepath.Join(dir, "made"))
	if code != 1 || !strings.Contains(out, "Operation not permitted") {
		t.Errorf("mkdir under the OCI profile: exit %d, output %q", code, out)
	}
}

func TestRunRefusesProfileDenyingExecve(t *testing.T) {
	profile := writeFile(t, t.TempDir(), "no-exec.yaml", strings.Replace(denyMkdir, "[mkdir, mkdirat]", "[execve]", 1))
	out, code := spoc(t, "run", "-p", profile, "--", "/bin/true")
	if code != 1 || !strings.Contains(out, "must allow execve") {
		t.Errorf("exit %d, output %q; want a refusal explaining execve", code, out)
	}
}

func TestRunMissingCommandExits127(t *testing.T) {
	profile := writeFile(t, t.TempDir(), "deny-mkdir.yaml", denyMkdir)
	if out, code := spoc(t, "run", "-p", profile, "--", "/nonexistent/cmd"); code != 127 {
		t.Errorf("exit %d, output %q; want 127", code, out)
	}
}

// requireRecorder skips unless the test can record (root, for the new mount
// namespace and the BPF programs); in CI a skip would hide a broken recorder,
// so there it fails instead.
func requireRecorder(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("recording needs root (CAP_SYS_ADMIN and CAP_BPF); CI must run this test as root")
	}
	t.Skip("recording needs root (CAP_SYS_ADMIN for the mount namespace, CAP_BPF for the recorder)")
}

// TestRecordThenRun is the record → run proof: a profile recorded from a
// command lets the same command run under it, and removing one syscall it
// needs makes exactly that syscall fail with EPERM.
func TestRecordThenRun(t *testing.T) {
	requireRecorder(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "ls.yaml")
	out, code := spoc(t, "record", "-o", profile, "--", "/bin/ls", "/")
	if code != 0 || !strings.Contains(out, "recorded") {
		t.Fatalf("record: exit %d: %s", code, out)
	}
	names := allowedNames(t, profile)
	for _, want := range []string{"execve", "getdents64", "openat", "exit_group"} {
		if !slices.Contains(names, want) {
			t.Errorf("recorded profile lacks %s: %v", want, names)
		}
	}
	if out, code := spoc(t, "run", "-p", profile, "--", "/bin/ls", "/"); code != 0 {
		t.Fatalf("run under the recorded profile: exit %d: %s", code, out)
	}
}

func TestRecordedProfileMissingOneSyscallFailsOnIt(t *testing.T) {
	requireRecorder(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "mkdir.yaml")
	if out, code := spoc(t, "record", "-o", profile, "--", "/bin/mkdir", filepath.Join(dir, "recorded")); code != 0 {
		t.Fatalf("record: exit %d: %s", code, out)
	}
	if !slices.Contains(allowedNames(t, profile), "mkdir") && !slices.Contains(allowedNames(t, profile), "mkdirat") {
		t.Fatalf("recorded profile allows neither mkdir nor mkdirat")
	}
	removeSyscalls(t, profile, "mkdir", "mkdirat")
	out, code := spoc(t, "run", "-p", profile, "--", "/bin/mkdir", filepath.Join(dir, "replayed"))
	if code != 1 || !strings.Contains(out, "cannot create directory") || !strings.Contains(out, "Operation not permitted") {
		t.Errorf("mkdir without mkdir(at) in its profile: exit %d, output %q", code, out)
	}
}

func TestRecordPassesExitStatusAndWritesRawJSON(t *testing.T) {
	requireRecorder(t)
	profile := filepath.Join(t.TempDir(), "fail.json")
	out, code := spoc(t, "record", "-t", "raw-seccomp", "-o", profile, "--", "/bin/sh", "-c", "exit 3")
	if code != 3 {
		t.Fatalf("record: exit %d, want 3: %s", code, out)
	}
	data, err := os.ReadFile(profile)
	if err != nil || !bytes.HasPrefix(data, []byte("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\"")) {
		t.Fatalf("raw profile %q, %v", data, err)
	}
}

func readManifest(t *testing.T, path string) *v1.SeccompProfile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p v1.SeccompProfile
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func allowedNames(t *testing.T, path string) []string {
	p := readManifest(t, path)
	if len(p.Spec.Syscalls) != 1 || p.Spec.Syscalls[0].Action != v1.ActAllow || p.Spec.DefaultAction != v1.ActErrno {
		t.Fatalf("recorded profile is not deny-by-default with one ALLOW rule: %+v", p.Spec)
	}
	names := p.Spec.Syscalls[0].Names
	if !slices.IsSorted(names) {
		t.Errorf("recorded names are not sorted: %v", names)
	}
	return names
}

func removeSyscalls(t *testing.T, path string, drop ...string) {
	p := readManifest(t, path)
	p.Spec.Syscalls[0].Names = slices.DeleteFunc(p.Spec.Syscalls[0].Names, func(n string) bool { return slices.Contains(drop, n) })
	data, err := marshalManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
