package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRecordWithBTFNone records with the no-BTF recorder (--btf=none) and
// replays the profile: the record → run proof of TestRecordThenRun, for the
// recorder that kernels without BTF get.
func TestRecordWithBTFNone(t *testing.T) {
	requireRecorder(t)
	profile := filepath.Join(t.TempDir(), "ls.yaml")
	out, code := spoc(t, "record", "--btf=none", "-o", profile, "--", "/bin/ls", "/")
	if code != 0 || !strings.Contains(out, "spoc: using the no-btf eBPF recorder: forced") {
		t.Fatalf("record --btf=none: exit %d, want the no-BTF recorder named: %s", code, out)
	}
	names := allowedNames(t, profile)
	for _, want := range []string{"execve", "getdents64", "openat", "exit_group"} {
		if !slices.Contains(names, want) {
			t.Errorf("recorded profile lacks %s: %v", want, names)
		}
	}
	if out, code := spoc(t, "run", "-p", profile, "--", "/bin/ls", "/"); code != 0 {
		t.Fatalf("run under the profile recorded without BTF: exit %d: %s", code, out)
	}
}

// TestRecordWithoutKernelBTFSelectsTheNoBTFRecorder runs spoc record where
// /sys/kernel/btf/vmlinux is missing (an empty tmpfs over /sys/kernel/btf
// in a mount namespace of the test's own), as on a kernel built without
// CONFIG_DEBUG_INFO_BTF: the default selects the no-BTF recorder and says so.
func TestRecordWithoutKernelBTFSelectsTheNoBTFRecorder(t *testing.T) {
	requireRecorder(t)
	profile := filepath.Join(t.TempDir(), "true.yaml")
	out, err := withoutKernelBTF(t, spocBinary(t), "record", "-o", profile, "--", "/bin/true").CombinedOutput()
	want := "spoc: using the no-btf eBPF recorder: /sys/kernel/btf/vmlinux is missing"
	if err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("record without kernel BTF: %v, want %q in: %s", err, want, out)
	}
	if names := allowedNames(t, profile); !slices.Contains(names, "execve") {
		t.Errorf("recorded profile lacks execve: %v", names)
	}
	// And where the file exists, the BTF recorder is the default.
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err == nil {
		out, code := spoc(t, "record", "-o", profile, "--", "/bin/true")
		if code != 0 || !strings.Contains(out, "spoc: using the btf eBPF recorder") {
			t.Fatalf("record with kernel BTF: exit %d, want the BTF recorder named: %s", code, out)
		}
	}
}

// withoutKernelBTF runs argv in a new mount namespace (private, so nothing
// reaches the host's) where an empty tmpfs hides /sys/kernel/btf.
func withoutKernelBTF(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("needs unshare (util-linux) to hide the kernel BTF: %v", err)
	}
	script := `mount -t tmpfs none /sys/kernel/btf && exec "$@"`
	return exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"}, argv...)...)
}
