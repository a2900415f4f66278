package source

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	libaudit "github.com/elastic/go-libaudit/v2"
)

// auditdPIDFile is where auditd writes its pid (auditd.c, PIDFILE).
const auditdPIDFile = "/var/run/auditd.pid"

// facts is what auto observed on the node; choose decides from them only.
type facts struct {
	// Auditd says how a live auditd was found ("pid 812 from /var/run/auditd.pid"),
	// "" when none runs.
	Auditd string
	// AuditLog: the audit log file exists.
	AuditLog bool
	// NetlinkErr is why the multicast group cannot be joined; nil when it can.
	NetlinkErr error
	// Syslog is the first existing syslog file, "" when none.
	Syslog string
}

// choose picks a source kind and says why. auditd's log comes first: it
// holds every record with no rate limit and survives our restarts. Netlink
// comes next: every record too, but only while we listen. Syslog is last:
// without auditd the kernel rate-limits audit lines to the console (printk,
// 10 per 5 s by default), so records are lost under load.
func choose(f facts) (kind, why string, err error) {
	switch {
	case f.Auditd != "" && f.AuditLog:
		return KindAuditd, "auditd runs (" + f.Auditd + ") and its log exists", nil
	case f.NetlinkErr == nil:
		if f.Auditd != "" {
			return KindNetlink, "auditd runs (" + f.Auditd + ") but its log is not readable here", nil
		}
		return KindNetlink, "no auditd runs", nil
	case f.Syslog != "":
		return KindSyslog, fmt.Sprintf("no auditd log to follow and %v", f.NetlinkErr), nil
	}
	return "", "", fmt.Errorf("auto: no audit source: %s; %v; no syslog file", auditdFact(f), f.NetlinkErr)
}

func auditdFact(f facts) string {
	switch {
	case f.Auditd == "":
		return "no auditd runs"
	case !f.AuditLog:
		return "auditd runs (" + f.Auditd + ") but its log is not readable here"
	}
	return "auditd runs"
}

// autoSource is the chosen source, named with the reason it was chosen.
type autoSource struct {
	Source
	why string
}

func (a *autoSource) Name() string { return a.Source.Name() + " (auto: " + a.why + ")" }

func (a *autoSource) Run(ctx context.Context, emit func(line string)) error {
	return a.Source.Run(ctx, emit)
}

// Close closes the chosen source.
func (a *autoSource) Close() error { return closeSource(a.Source) }

func closeSource(s Source) error {
	if c, ok := s.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// newAuto observes the node and builds the chosen source. The netlink
// source opened while observing is kept when chosen, so no record falls
// between probing and listening.
func newAuto(opts Options) (Source, error) {
	f, nl := observe(opts)
	kind, why, err := choose(f)
	if nl != nil && kind != KindNetlink {
		nl.Close()
	}
	if err != nil {
		return nil, err
	}
	var s Source
	switch kind {
	case KindAuditd:
		s = newAuditd(opts)
	case KindNetlink:
		s = nl
	case KindSyslog:
		if s, err = newSyslog(opts); err != nil {
			return nil, err
		}
	}
	return &autoSource{Source: s, why: why}, nil
}

// observe gathers the facts. The netlink source it returns is open (nil
// when joining failed).
func observe(opts Options) (facts, *netlinkSource) {
	var f facts
	f.Auditd = findAuditd()
	if st, err := os.Stat(opts.AuditLog); err == nil && st.Mode().IsRegular() {
		f.AuditLog = true
	}
	nl, err := newNetlink()
	f.NetlinkErr = err
	f.Syslog, _ = firstExisting(opts.Syslog)
	return f, nl
}

// findAuditd looks for a live auditd through its pid file, then through
// the kernel's audit pid (needs CAP_AUDIT_CONTROL). A pid whose process we
// can see must be named auditd: pids are reused, and another audit daemon
// (auditbeat, go-audit) may own the kernel's pid without writing our log.
func findAuditd() string {
	if pid, err := readPIDFile(auditdPIDFile); err == nil && isAuditd(pid) {
		return fmt.Sprintf("pid %d from %s", pid, auditdPIDFile)
	}
	if pid := kernelAuditPID(); pid > 0 && isAuditd(pid) {
		return fmt.Sprintf("pid %d from the kernel's audit status", pid)
	}
	return ""
}

func readPIDFile(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// isAuditd reports whether pid is a live process named auditd. Seeing it
// needs the host's pid namespace (hostPID); so does the kernel's audit pid,
// which the kernel translates into the caller's namespace (0 when the
// daemon is not in it: kernel/audit.c, auditd_pid_vnr).
func isAuditd(pid int) bool {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && strings.TrimSpace(string(comm)) == "auditd"
}

func kernelAuditPID() int {
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		return 0
	}
	defer c.Close()
	st, err := c.GetStatus()
	if err != nil {
		return 0
	}
	return int(st.PID)
}
