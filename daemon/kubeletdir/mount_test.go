package kubeletdir

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountTable returns the mountinfo of a shell run in a new mount namespace
// after script (mount commands; $D is a fresh directory), read by the
// kernel, so the parser sees what a container's daemon sees.
func mountTable(t *testing.T, script string) (table []byte, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a mount namespace")
	}
	dir = t.TempDir()
	cmd := exec.Command("/bin/sh", "-ec", "mount --make-rprivate / && "+script+" && cat /proc/self/mountinfo")
	cmd.Env = append(os.Environ(), "D="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", script, err, stderr.String())
	}
	return out, dir
}

func TestCheckMounted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  string
		check   string // below $D
		wantErr bool
	}{
		{name: "accepts a hostPath bind-mounted at the seccomp directory",
			script: "mkdir -p $D/host/seccomp $D/var/lib/kubelet/seccomp && mount --bind $D/host/seccomp $D/var/lib/kubelet/seccomp",
			check:  "var/lib/kubelet/seccomp"},
		{name: "accepts a mount of a directory above it",
			script: "mkdir -p $D/var/lib/kubelet && mount -t tmpfs spo-test $D/var/lib/kubelet",
			check:  "var/lib/kubelet/seccomp"},
		{name: "refuses a directory on the root filesystem",
			script: "mkdir -p $D/var/lib/kubelet/seccomp", check: "var/lib/kubelet/seccomp", wantErr: true},
		{name: "refuses a directory next to a mount whose name it extends",
			script: "mkdir -p $D/kubelet $D/kubelet-x/seccomp && mount -t tmpfs spo-test $D/kubelet",
			check:  "kubelet-x/seccomp", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table, dir := mountTable(t, tc.script)
			// t.TempDir is on the root filesystem only on machines without
			// a separate /tmp; the refusals mean nothing otherwise.
			if tc.wantErr && !bytes.Contains(table, []byte(" / / ")) {
				t.Skip("no root mount in the table")
			}
			if tc.wantErr {
				if err := CheckMounted(bytes.NewReader(onRoot(table, dir)), filepath.Join(dir, tc.check)); err == nil {
					t.Fatal("accepted a directory on the root filesystem")
				}
				return
			}
			if err := CheckMounted(bytes.NewReader(table), filepath.Join(dir, tc.check)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// onRoot drops the mounts between "/" and dir (such as a tmpfs /tmp), so
// that dir is on the root mount as /var/lib/kubelet is in a container
// without a hostPath.
func onRoot(table []byte, dir string) []byte {
	var out []string
	for _, line := range strings.Split(string(table), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] != "/" && strings.HasPrefix(dir, f[4]+"/") {
			continue
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}
