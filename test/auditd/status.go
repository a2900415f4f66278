package auditd

import (
	"errors"
	"fmt"

	libaudit "github.com/elastic/go-libaudit/v2"
)

// status reads the kernel's audit settings (what `auditctl -s` prints).
func status() (libaudit.AuditStatus, error) {
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		return libaudit.AuditStatus{}, err
	}
	defer c.Close()
	st, err := c.GetStatus()
	if err != nil {
		return libaudit.AuditStatus{}, err
	}
	return *st, nil
}

func readStatus(t TB) libaudit.AuditStatus {
	t.Helper()
	st, err := status()
	if err != nil {
		t.Fatalf("reading the kernel audit status: %v", err)
	}
	return st
}

// restoreStatus puts back the settings auditd may have changed: it sets
// enabled=1 at start and leaves it so at exit, and a daemon's rules could
// change the limits. The audit pid is the daemon's own business: a clean
// exit clears it, and a stale one is reported.
func restoreStatus(t TB, before libaudit.AuditStatus) {
	t.Helper()
	now, err := status()
	if err != nil {
		t.Errorf("reading the kernel audit status to restore it: %v", err)
		return
	}
	if err := restore(before, now); err != nil {
		t.Errorf("restoring the kernel audit settings %+v: %v", before, err)
	}
	if now.PID != 0 && now.PID != before.PID {
		t.Errorf("the kernel's audit pid is still %d after auditd stopped", now.PID)
	}
}

// distroBacklog is the kernel queue auditd's packaged rules ask for
// (Debian's audit.rules: "-b 8192"). The kernel's own default, 64, drops
// records of a burst whenever auditd is slow to read (seen as
// "audit_lost=1 ... audit_backlog_limit=64" on a loaded test machine), and
// a node running auditd has its distribution's rules.
const distroBacklog = 8192

// setBacklogLikeADistribution raises the kernel's backlog limit as auditd's
// packaged rules do; Start's cleanup restores the value found before.
func setBacklogLikeADistribution(t TB) {
	t.Helper()
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		t.Fatalf("audit client: %v", err)
	}
	defer c.Close()
	if st := readStatus(t); st.BacklogLimit >= distroBacklog {
		return
	}
	if err := c.SetBacklogLimit(distroBacklog, libaudit.WaitForReply); err != nil {
		t.Fatalf("setting the kernel audit backlog limit to %d: %v", distroBacklog, err)
	}
}

func restore(before, now libaudit.AuditStatus) error {
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		return err
	}
	defer c.Close()
	var errs []error
	set := func(name string, changed bool, fn func() error) {
		if changed {
			if err := fn(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	// enabled=2 is locked until reboot: nothing can change it either way.
	set("enabled", before.Enabled != now.Enabled && before.Enabled != 2 && now.Enabled != 2, func() error {
		return c.SetEnabled(before.Enabled == 1, libaudit.WaitForReply)
	})
	set("rate_limit", before.RateLimit != now.RateLimit, func() error {
		return c.SetRateLimit(before.RateLimit, libaudit.WaitForReply)
	})
	set("backlog_limit", before.BacklogLimit != now.BacklogLimit, func() error {
		return c.SetBacklogLimit(before.BacklogLimit, libaudit.WaitForReply)
	})
	set("backlog_wait_time", before.BacklogWaitTime != now.BacklogWaitTime, func() error {
		return c.SetBacklogWaitTime(int32(before.BacklogWaitTime), libaudit.WaitForReply)
	})
	set("failure", before.Failure != now.Failure, func() error {
		return c.SetFailure(libaudit.FailureMode(before.Failure), libaudit.WaitForReply)
	})
	return errors.Join(errs...)
}

// Lost is the kernel's count of audit records it dropped (backlog full,
// out of memory, rate limit), as `auditctl -s` prints it: a test that
// misses records can tell the kernel's loss from its reader's.
func Lost(t TB) uint32 {
	t.Helper()
	return readStatus(t).Lost
}
