package bpfrecorder

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMountNamespaceOfProc(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "42", "ns"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("mnt:[4026532001]", filepath.Join(root, "42", "ns", "mnt")); err != nil {
		t.Fatal(err)
	}
	t.Run("the mount namespace is read from the ns/mnt link under the root", func(t *testing.T) {
		ns, err := MountNamespaceOfProc(root, 42)
		if err != nil || ns != 4026532001 {
			t.Fatalf("MountNamespaceOfProc() = %d, %v", ns, err)
		}
	})
	t.Run("a process without the link is an error naming the pid", func(t *testing.T) {
		_, err := MountNamespaceOfProc(root, 100)
		if err == nil || !strings.Contains(err.Error(), "pid 100") {
			t.Fatalf("err = %v", err)
		}
	})
}

const (
	idA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	idB = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

// fakeProc writes a /proc tree: per pid a cgroup file and an ns/mnt link.
func fakeProc(t *testing.T, procs map[int]string, mntns map[int]uint32) string {
	t.Helper()
	root := t.TempDir()
	for pid, cgroup := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		must(t, os.MkdirAll(filepath.Join(dir, "ns"), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cgroup), 0o644))
		if ns, ok := mntns[pid]; ok {
			must(t, os.Symlink("mnt:["+strconv.FormatUint(uint64(ns), 10)+"]", filepath.Join(dir, "ns", "mnt")))
		}
	}
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
