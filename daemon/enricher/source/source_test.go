package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic/go-libaudit/v2/auparse"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

func TestNewNamesTheAcceptedKindsForAnUnknownOne(t *testing.T) {
	_, err := New("journald", Options{})
	if err == nil {
		t.Fatal("New accepted an unknown kind")
	}
	for _, k := range []string{"journald", "auto", "auditd", "syslog", "netlink"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not name %q", err, k)
		}
	}
}

func TestChooseIsAPureFunctionOfTheFacts(t *testing.T) {
	refused := errors.New("netlink: joining: operation not permitted: needs CAP_AUDIT_READ")
	cases := []struct {
		name    string
		facts   facts
		want    string
		wantErr string
	}{
		{"a running auditd with its log present is followed through the log",
			facts{Auditd: "pid 1", AuditLog: true, Syslog: "/var/log/syslog"}, KindAuditd, ""},
		{"the log wins over netlink even when both work",
			facts{Auditd: "pid 1", AuditLog: true}, KindAuditd, ""},
		{"a running auditd whose log is not mounted leaves netlink",
			facts{Auditd: "pid 1"}, KindNetlink, ""},
		{"a stale audit log without auditd is not followed",
			facts{AuditLog: true, Syslog: "/var/log/syslog"}, KindNetlink, ""},
		{"no auditd and a refused netlink group falls back to syslog",
			facts{NetlinkErr: refused, Syslog: "/var/log/messages"}, KindSyslog, ""},
		{"an auditd with an unreadable log and a refused group falls back to syslog",
			facts{Auditd: "pid 1", NetlinkErr: refused, Syslog: "/var/log/syslog"}, KindSyslog, ""},
		{"nothing available is an error that gives every reason",
			facts{NetlinkErr: refused}, "", "needs CAP_AUDIT_READ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kind, why, err := choose(c.facts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "no auditd") {
					t.Fatalf("choose = %q, %v; want an error with %q", kind, err, c.wantErr)
				}
				return
			}
			if err != nil || kind != c.want || why == "" {
				t.Fatalf("choose = %q (%q), %v; want %q with a reason", kind, why, err, c.want)
			}
		})
	}
}

func TestInitialNetnsDecision(t *testing.T) {
	cases := []struct {
		name       string
		self, pid1 uint64
		release    [2]int
		want       bool
	}{
		{"the fixed initial inode is the initial namespace", procNetInitIno, 4026532000, [2]int{6, 18}, true},
		{"another inode on a kernel with the fixed number is not", 4026532000, procNetInitIno, [2]int{6, 18}, false},
		{"a newer major kernel knows the fixed number too", 4026532000, 4026532000, [2]int{7, 0}, false},
		{"an older kernel differing from the host's pid 1 is not", 4026532100, 4026531992, [2]int{5, 15}, false},
		{"an older kernel sharing pid 1's namespace cannot tell and says yes", 4026531992, 4026531992, [2]int{5, 15}, true},
		{"an older kernel without pid 1 to compare says yes", 4026531992, 0, [2]int{6, 1}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := initialNetns(c.self, c.pid1, c.release); got != c.want {
				t.Fatalf("initialNetns(%d, %d, %v) = %v", c.self, c.pid1, c.release, got)
			}
		})
	}
	if r := parseRelease("6.18.44-fc-v595"); r != [2]int{6, 18} {
		t.Errorf("parseRelease = %v", r)
	}
}

func TestNetlinkLineIsWhatAuditdWouldLog(t *testing.T) {
	payload := "audit(1732576226.123:456): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=4321 " +
		`comm="nginx" exe="/usr/sbin/nginx" sig=0 arch=c000003e syscall=140 compat=0 ip=0x7f00 code=0x7ffc0000` + "\x00"
	line := netlinkLine(auparse.AUDIT_SECCOMP, []byte(payload))
	if !strings.HasPrefix(line, "type=SECCOMP msg=audit(") || strings.ContainsRune(line, 0) {
		t.Fatalf("line %q", line)
	}
	ev, err := audit.Parse(line)
	if err != nil {
		t.Fatalf("audit.Parse(%q): %v", line, err)
	}
	if ev.Seccomp == nil || ev.Seccomp.PID != 4321 || ev.Seccomp.SyscallName != "getpriority" || ev.Stamp.Serial != 456 {
		t.Fatalf("parsed %+v", ev)
	}
	if got := netlinkLine(auparse.AuditMessageType(1999), []byte("audit(1.000:1): x=1")); got != "type=1999 msg=audit(1.000:1): x=1" {
		t.Errorf("unknown type: %q", got)
	}
}

// Real syslog lines: rsyslog's traditional and RFC 3339 timestamps with the
// kernel's audit lines (and dmesg's time in brackets) among other daemons'.
var syslogFixture = []string{
	`Nov 25 23:10:26 node1 systemd[1]: Starting auditd.service - Security Auditing Service...`,
	`Nov 25 23:10:27 node1 kernel: [12345.678901] audit: type=1326 audit(1732576227.123:456): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=4321 comm="nginx" exe="/usr/sbin/nginx" sig=0 arch=c000003e syscall=140 compat=0 ip=0x7f3a code=0x7ffc0000`,
	`Nov 25 23:10:27 node1 sshd[812]: Accepted publickey for root from 10.0.0.1 port 50000 ssh2`,
	`2026-11-25T23:10:28.123456+00:00 node1 kernel: audit: type=1326 audit(1732576228.001:457): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=4321 comm="nginx" exe="/usr/sbin/nginx" sig=0 arch=c000003e syscall=140 compat=0 ip=0x7f3a code=0x7ffc0000`,
	`2026-11-25T23:10:29.000000+00:00 node1 kubelet[900]: I1125 audit logging is configured`,
}

func TestSyslogSourceDeliversOnlyAuditRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "messages")
	if err := os.WriteFile(path, []byte(strings.Join(syslogFixture, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := New(KindSyslog, Options{Syslog: []string{filepath.Join(dir, "syslog"), path}, FromStart: true, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "syslog:"+path {
		t.Errorf("Name() = %q", src.Name())
	}
	got := collect(t, src, 2)
	want := []string{syslogFixture[1], syslogFixture[3]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("delivered\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range got {
		ev, err := audit.Parse(line)
		if err != nil || ev.Seccomp == nil || ev.Seccomp.PID != 4321 || ev.Seccomp.SyscallName != "getpriority" {
			t.Errorf("audit.Parse(%q) = %+v, %v", line, ev, err)
		}
	}
}

func TestSyslogSourceNamesTheFilesItLookedFor(t *testing.T) {
	dir := t.TempDir()
	_, err := New(KindSyslog, Options{Syslog: []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a")) || !strings.Contains(err.Error(), filepath.Join(dir, "b")) {
		t.Fatalf("err = %v", err)
	}
}

func TestAuditdSourceFollowsTheLogAcrossRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	first := `type=SECCOMP msg=audit(1732576227.123:456): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=1 comm="a" exe="/a" sig=0 arch=c000003e syscall=140 compat=0 ip=0x1 code=0x7ffc0000`
	second := strings.Replace(first, ":456)", ":457)", 1)
	if err := os.WriteFile(path, []byte(first+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := New(KindAuditd, Options{AuditLog: path, FromStart: true, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = runUntil(t, src, func(line string) bool {
		got = append(got, line)
		if len(got) == 1 { // rotate the way auditd does: rename, then a new file
			if err := os.Rename(path, path+".1"); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(path, []byte(second+"\n"), 0o600); err != nil {
				t.Error(err)
			}
		}
		return len(got) == 2
	})
	if err != nil || len(got) != 2 || got[0] != first || got[1] != second {
		t.Fatalf("got %q, %v", got, err)
	}
}

// collect runs src until it delivered n lines.
func collect(t *testing.T, src Source, n int) []string {
	t.Helper()
	var got []string
	if err := runUntil(t, src, func(line string) bool { got = append(got, line); return len(got) == n }); err != nil {
		t.Fatal(err)
	}
	return got
}

// runUntil runs src until done reports true for a delivered line; done is
// called from the source's goroutine, one line at a time. A source that
// never delivers fails the test after a minute rather than hanging it.
func runUntil(t *testing.T, src Source, done func(line string) bool) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	finished := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- src.Run(ctx, func(line string) {
			if done(line) {
				once.Do(func() { close(finished) })
			}
		})
	}()
	select {
	case <-finished:
		cancel()
		return <-errc
	case err := <-errc:
		return err
	case <-time.After(time.Minute):
		cancel()
		<-errc
		t.Fatalf("%s delivered no expected line within a minute", src.Name())
		return nil
	}
}

// runUntilQuiet runs src until done reports true or nothing was stored in
// last for five seconds: for counting, where a lost record would otherwise
// hang the test.
func runUntilQuiet(src Source, last *atomic.Int64, done func(line string) bool) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if time.Since(time.Unix(0, last.Load())) > 5*time.Second {
				cancel()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return src.Run(ctx, func(line string) {
		if done(line) {
			cancel()
		}
	})
}

func TestEverySourceCanBeClosedWithoutRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "syslog")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{KindAuditd, KindSyslog, KindAuto} {
		src, err := New(kind, Options{AuditLog: path, Syslog: []string{path}})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		c, ok := src.(io.Closer)
		if !ok {
			t.Fatalf("%s source %T is not an io.Closer", kind, src)
		}
		if err := c.Close(); err != nil {
			t.Errorf("%s: Close: %v", kind, err)
		}
	}
}
