package bpfrecorder

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestSelfTest(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		needKernel(t)
		err := SelfTest(t.Context(), withMode(mode, Options{}))
		if errors.Is(err, ErrNoBTF) || errors.Is(err, ErrNoTpBTF) || errors.Is(err, ErrNoTracefs) {
			skipOrFail(t, err.Error())
		}
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestSelfTestNamesMissingBTF(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "vmlinux")
	err := SelfTest(t.Context(), Options{BTFPath: missing})
	if !errors.Is(err, ErrNoBTF) {
		t.Fatalf("SelfTest without BTF = %v, want ErrNoBTF", err)
	}
	if want := "kernel BTF not found at " + missing; !strings.Contains(err.Error(), want) {
		t.Fatalf("message %q lacks %q", err, want)
	}
}

func TestSharedLoadsOnFirstAndClosesOnLast(t *testing.T) {
	forModes(t, testShared)
}

func testShared(t *testing.T, mode Kind) {
	needKernel(t)
	s := &Shared{Options: withMode(mode, Options{})}
	a, err := s.Acquire()
	if errors.Is(err, ErrNoBTF) || errors.Is(err, ErrNoTpBTF) || errors.Is(err, ErrNoTracefs) {
		skipOrFail(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Acquire()
	if err != nil || a != b || s.Users() != 2 {
		t.Fatalf("second Acquire = %p, %v (first %p), users %d", b, err, a, s.Users())
	}
	if err := s.Release(); err != nil || a.usable(1) != nil {
		t.Fatalf("first Release closed the recorder: %v", err)
	}
	if err := s.Release(); err != nil || !errors.Is(a.usable(1), ErrRecorderShut) {
		t.Fatalf("last Release did not close the recorder: %v", err)
	}
	if err := s.Release(); err == nil {
		t.Fatal("Release without Acquire succeeded")
	}
}

func TestLoadWithoutPrivilegesNamesThem(t *testing.T) {
	forModes(t, testLoadWithoutPrivileges)
}

func testLoadWithoutPrivileges(t *testing.T, mode Kind) {
	needKernel(t)
	cmd := exec.Command(worldExecutableCopy(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=load", "SPO_BTF="+withMode(mode, Options{}).BTFPath)
	cmd.Stdin = strings.NewReader("go\n")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, os.ErrPermission) {
		t.Skipf("the test binary is not executable by uid 65534: %v", err)
	}
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	t.Logf("Load as uid 65534: %s", out)
	if want := "permission denied: needs CAP_BPF and CAP_PERFMON (or root)"; !strings.Contains(string(out), want) {
		t.Fatalf("Load as uid 65534 said %q, want it to contain %q", out, want)
	}
}

// worldExecutableCopy copies the test binary where uid 65534 can run it.
func worldExecutableCopy(t *testing.T) string {
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "helper")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}
