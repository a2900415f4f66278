package auditd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestStartRunsAuditdAndCleanupPutsTheKernelBack(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root")
	}
	before := readStatus(t)
	var pid int
	t.Run("running", func(t *testing.T) {
		a := Start(t)
		pid = a.PID()
		st := readStatus(t)
		if int(st.PID) != pid || st.Enabled != 1 {
			t.Fatalf("kernel audit status %+v, want pid %d and enabled 1", st, pid)
		}
		data, err := os.ReadFile(a.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "type=DAEMON_START") || !strings.Contains(string(data), "\x1d") {
			t.Fatalf("log has no ENRICHED DAEMON_START record:\n%s", data)
		}
	})
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("auditd pid %d still exists after cleanup (kill 0: %v)", pid, err)
	}
	after := readStatus(t)
	if after.Enabled != before.Enabled || after.PID != 0 || after.RateLimit != before.RateLimit ||
		after.BacklogLimit != before.BacklogLimit || after.Failure != before.Failure {
		t.Errorf("kernel audit status after cleanup %+v, before %+v", after, before)
	}
}

// The e2e suite runs auditd on the node's own log, as the deployed log
// enricher reads it; auditd makes the directory 0700 and appends to the
// file, and both must be as they were afterwards.
func TestStartLoggingToGivesTheHostLogBack(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root")
	}
	dir := filepath.Join(t.TempDir(), "audit")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "audit.log")
	const old = "type=DAEMON_END msg=audit(1.000:1): an old record\n"
	if err := os.WriteFile(log, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "new", "audit.log")
	t.Run("running", func(t *testing.T) {
		a := StartLoggingTo(t, log)
		if a.LogPath() != log {
			t.Errorf("LogPath %s, want %s", a.LogPath(), log)
		}
		data, err := os.ReadFile(log)
		if err != nil || !strings.HasPrefix(string(data), old) || !strings.Contains(string(data), "type=DAEMON_START") {
			t.Fatalf("log while running (%v):\n%s", err, data)
		}
	})
	t.Run("into a directory that did not exist", func(t *testing.T) {
		StartLoggingTo(t, fresh)
		if _, err := os.Stat(fresh); err != nil {
			t.Fatal(err)
		}
	})
	if data, err := os.ReadFile(log); err != nil || string(data) != old {
		t.Errorf("log after cleanup (%v):\n%s", err, data)
	}
	for path, mode := range map[string]os.FileMode{dir: 0o750, log: 0o640} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s after cleanup: %v, mode %v, want %v", path, err, fi.Mode().Perm(), mode)
		}
	}
	if _, err := os.Stat(filepath.Dir(fresh)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory auditd was given to create, after cleanup: %v", err)
	}
}
