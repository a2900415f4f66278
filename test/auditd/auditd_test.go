package auditd

import (
	"errors"
	"os"
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
