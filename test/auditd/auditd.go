// Package auditd runs the real audit daemon for tests: `auditd -n` with a
// private configuration whose log is in the test's temporary directory.
//
// The kernel talks to one audit daemon at a time (the audit pid), so Start
// takes an exclusive file lock first: test packages run in parallel, and
// two harnesses would otherwise steal the pid from each other. Cleanup
// stops the daemon by its pid, waits for it, and puts back the kernel
// audit settings it found.
package auditd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
)

// lockPath serializes harnesses across test binaries.
const lockPath = "/tmp/spo-test-auditd.lock"

// How long the daemon gets to come up and to go away. These only bound a
// hang; a healthy daemon needs milliseconds.
const (
	startTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
)

// Auditd is a running audit daemon owned by one test.
type Auditd struct {
	dir     string
	logPath string
	cmd     *exec.Cmd
	out     *lockedBuffer
	exited  chan struct{}
	waitErr error
}

// Start runs auditd for t and stops it in t's cleanup. Without root it
// skips, or fails when CI=true (in CI a skip is a failure).
func Start(t TB) *Auditd { t.Helper(); return start(t, "") }

// StartLoggingTo runs auditd for t writing its log to logFile, as a node's
// auditd does (/var/log/audit/audit.log, where a deployed log enricher
// reads it). The host's log and its directory are given back as found:
// auditd makes the directory 0700 and root's, and appends to the file;
// t's cleanup, after the daemon stopped, restores the directory's mode and
// owner, truncates the file to its old length (a log that did not exist is
// removed) and removes a directory that did not exist.
func StartLoggingTo(t TB, logFile string) *Auditd { t.Helper(); return start(t, logFile) }

func start(t TB, logFile string) *Auditd {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "auditd needs root (the kernel audit pid and netlink control need CAP_AUDIT_CONTROL)")
	}
	bin := ensureInstalled(t)
	before := Absent(t) // the lock's release is registered first, so it runs last
	t.Cleanup(func() { restoreStatus(t, before) })

	a := &Auditd{dir: t.TempDir(), out: &lockedBuffer{}, exited: make(chan struct{})}
	a.logPath = filepath.Join(a.dir, "audit.log")
	if logFile != "" {
		a.logPath = logFile
		// Registered before the daemon's stop, so it runs after it.
		t.Cleanup(keepHostLog(t, logFile))
	}
	if err := writeConfig(a.dir, a.logPath); err != nil {
		t.Fatal(err)
	}
	a.cmd = exec.Command(bin, "-n", "-c", a.dir)
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("starting auditd: %v", err)
	}
	go func() { a.waitErr = a.cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() { a.stop(t) })
	a.waitReady(t)
	setBacklogLikeADistribution(t)
	return a
}

// Absent holds the harness lock until t ends, so no harness starts an
// auditd meanwhile, and fails t if an audit daemon owns the kernel's audit
// pid anyway (one started outside the tests). It returns the kernel's
// audit settings, for tests about what the kernel does with no daemon.
func Absent(t TB) libaudit.AuditStatus {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "the kernel audit status needs root (CAP_AUDIT_CONTROL)")
	}
	t.Cleanup(lock(t))
	st, err := status()
	if err != nil {
		skipOrFail(t, fmt.Sprintf("cannot read the kernel audit status (needs CAP_AUDIT_CONTROL in the initial user namespace): %v", err))
	}
	if st.PID != 0 && alive(int(st.PID)) {
		t.Fatalf("the kernel's audit pid is %d, a live process: another audit daemon runs; stop it first", st.PID)
	}
	return st
}

// LogPath is the file auditd writes, in ENRICHED format.
func (a *Auditd) LogPath() string { return a.logPath }

// PID is the daemon's process id.
func (a *Auditd) PID() int { return a.cmd.Process.Pid }

// Output is what the daemon printed, for failure messages.
func (a *Auditd) Output() string { return a.out.String() }

// waitReady returns once the kernel sends records to this daemon and its
// log exists (it writes DAEMON_START first).
func (a *Auditd) waitReady(t TB) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-a.exited:
			t.Fatalf("auditd exited while starting: %v\n%s", a.waitErr, a.Output())
		default:
		}
		st, err := status()
		_, logErr := os.Stat(a.LogPath())
		if err == nil && int(st.PID) == a.PID() && logErr == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("auditd (pid %d) not ready after %v: kernel status %+v (%v), log: %v\n%s",
				a.PID(), startTimeout, st, err, logErr, a.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM to the daemon's pid and waits; SIGKILL if it hangs,
// so no process outlives the test.
func (a *Auditd) stop(t TB) {
	select {
	case <-a.exited:
		t.Errorf("auditd exited before the test ended: %v\n%s", a.waitErr, a.Output())
		return
	default:
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(stopTimeout):
		_ = a.cmd.Process.Kill()
		<-a.exited
		t.Errorf("auditd ignored SIGTERM for %v and was killed\n%s", stopTimeout, a.Output())
	}
}

func skipOrFail(t TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(reason + " (CI=true: a skip would hide this)")
	}
	t.Skip(reason)
}

// ensureInstalled finds auditd, installing Debian's package when it is
// missing (the same as `make deps`).
func ensureInstalled(t TB) string {
	t.Helper()
	if p, err := findAuditd(); err == nil {
		return p
	}
	const hint = "auditd is not installed: run `make deps` or `apt-get install -y auditd`"
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Fatal(hint)
	}
	if out, err := aptInstall(); err != nil {
		t.Fatalf("%s (installing it failed: %v)\n%s", hint, err, out)
	}
	p, err := findAuditd()
	if err != nil {
		t.Fatal(hint)
	}
	return p
}

// findAuditd also looks in /usr/sbin and /sbin: go test's PATH often
// lacks them.
func findAuditd() (string, error) {
	if p, err := exec.LookPath("auditd"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/auditd", "/sbin/auditd"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("auditd not found")
}

// aptInstall installs auditd, refreshing the package lists when apt does
// not know the package yet.
func aptInstall() ([]byte, error) {
	install := func() ([]byte, error) {
		cmd := exec.Command("apt-get", "install", "-y", "-qq", "--no-install-recommends", "auditd")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	if out, err := install(); err == nil {
		return out, nil
	}
	if out, err := exec.Command("apt-get", "update", "-qq").CombinedOutput(); err != nil {
		return out, err
	}
	return install()
}

// lock takes the cross-process lock, waiting for another test's auditd to
// stop. The kernel drops the lock if the test binary dies.
func lock(t TB) func() {
	t.Helper()
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("auditd lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("auditd lock %s: %v", lockPath, err)
	}
	return func() { f.Close() } // closing the only descriptor releases the lock
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writeConfig writes a private auditd.conf: no rules are needed (seccomp
// records are emitted without any), nothing listens on the network, no
// plugin runs, and every record is flushed as it comes so tests see it at
// once. auditd refuses a config that is group- or world-writable.
func writeConfig(dir, logFile string) error {
	plugins := filepath.Join(dir, "plugins.d")
	if err := os.Mkdir(plugins, 0o750); err != nil {
		return err
	}
	conf := strings.Join([]string{
		"local_events = yes",
		"write_logs = yes",
		"log_file = " + logFile,
		"log_group = root",
		"log_format = ENRICHED",
		"flush = INCREMENTAL_ASYNC",
		"freq = 1",
		"max_log_file = 64",
		"max_log_file_action = IGNORE",
		"num_logs = 0",
		"priority_boost = 0",
		"name_format = NONE",
		// Small test machines: never suspend logging for disk space.
		"space_left = 2",
		"space_left_action = IGNORE",
		"admin_space_left = 1",
		"admin_space_left_action = IGNORE",
		"disk_full_action = IGNORE",
		"disk_error_action = IGNORE",
		"use_libwrap = no",
		"transport = TCP",
		"distribute_network = no",
		"q_depth = 2000",
		"overflow_action = IGNORE",
		"plugin_dir = " + plugins,
		"end_of_event_timeout = 2",
		"",
	}, "\n")
	return os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte(conf), 0o640)
}

// lockedBuffer collects the daemon's output from exec's copying goroutine
// while a failing test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TB is the part of testing.TB the harness uses, so that Ginkgo's
// GinkgoT() can be passed as well as a *testing.T.
type TB interface {
	Helper()
	Cleanup(func())
	TempDir() string
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
}
