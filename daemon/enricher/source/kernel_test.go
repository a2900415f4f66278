package source

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/test/auditd"
)

// The kernel tests run the test binary again as a child: a seccomp filter
// cannot be unloaded, so it must not land in the process running the tests.
const (
	helperEnv      = "SPO_SOURCE_HELPER"
	markerCallsEnv = "SPO_SOURCE_MARKER_CALLS" // how often the child calls the marker
)

// markerSyscall is what the child calls after loading its filter. The Go
// runtime never calls it, so its records come from the child's own call.
const markerSyscall = "getpriority"

// TestKernelHelperProcess is the child; run directly it does nothing.
func TestKernelHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "log":
		os.Exit(logMarkerSyscall())
	case "join":
		_, err := New(KindNetlink, Options{})
		fmt.Println(err)
		os.Exit(0)
	}
}

// logMarkerSyscall loads a filter whose default action is SCMP_ACT_LOG, so
// the kernel emits a type=1326 record for every syscall from here on, and
// calls the marker syscall.
func logMarkerSyscall() int {
	f, err := libseccomp.NewFilter(libseccomp.ActLog)
	if err == nil {
		err = f.SetNoNewPrivsBit(true)
	}
	if err == nil {
		err = f.Load()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loading the filter:", err)
		return 2
	}
	calls := 3
	if n, err := strconv.Atoi(os.Getenv(markerCallsEnv)); err == nil {
		calls = n
	}
	for i := 0; i < calls; i++ {
		syscall.RawSyscall(syscall.SYS_GETPRIORITY, 0 /* PRIO_PROCESS */, 0, 0)
	}
	return 0
}

// requireRoot skips without root, and fails in CI where a skip would hide
// an untested kernel path.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("kernel test needs root (CI=true: a skip would hide this)")
	}
	t.Skip("kernel test needs root")
}

// expectMarker runs src, starts the logging child once start returns, and
// waits for the child's marker record, checked with audit.Parse.
func expectMarker(t *testing.T, src Source) {
	t.Helper()
	nr, err := libseccomp.GetSyscallFromName(markerSyscall)
	if err != nil {
		t.Fatal(err)
	}
	// The pid is stored before the child runs its filter: the source may
	// deliver the record before the child has even exited.
	var child atomic.Int64
	seen := 0
	var match string
	done := make(chan struct{})
	go func() {
		defer close(done)
		runChild(t, func(pid int) { child.Store(int64(pid)) })
	}()
	err = runUntil(t, src, func(line string) bool {
		ev, err := audit.Parse(line)
		if err != nil || ev.Seccomp == nil {
			return false
		}
		if pid := child.Load(); pid == 0 || ev.Seccomp.PID != int(pid) {
			return false
		}
		seen++
		if ev.Seccomp.Syscall == int64(nr) && ev.Seccomp.SyscallName == markerSyscall {
			match = line
			return true
		}
		return false
	})
	<-done
	if err != nil {
		t.Fatalf("%s: %v", src.Name(), err)
	}
	t.Logf("%s delivered %d SECCOMP records of child %d before the marker: %q", src.Name(), seen, child.Load(), match)
}

// runChild runs the logging child to its end, telling started its pid
// before the child loads its filter.
func runChild(t *testing.T, started func(pid int)) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=log")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Errorf("starting the child: %v", err)
		return
	}
	started(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		t.Errorf("child failed: %v\n%s", err, out.String())
	}
}

func TestAuditdSourceDeliversTheKernelsSeccompRecord(t *testing.T) {
	requireRoot(t)
	a := auditd.Start(t)
	src, err := New(KindAuditd, Options{AuditLog: a.LogPath(), FromStart: true, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	expectMarker(t, src)
}

func TestNetlinkSourceDeliversTheKernelsSeccompRecordBesideAuditd(t *testing.T) {
	requireRoot(t)
	auditd.Start(t)
	src, err := New(KindNetlink, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectMarker(t, src)
}

func TestNetlinkSourceDeliversWithoutAuditd(t *testing.T) {
	requireRoot(t)
	auditd.Absent(t)
	src, err := New(KindNetlink, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectMarker(t, src)
}

func TestAutoPicksTheRunningAuditdsLog(t *testing.T) {
	requireRoot(t)
	a := auditd.Start(t)
	src, err := New(KindAuto, Options{AuditLog: a.LogPath(), FromStart: true, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(src.Name())
	if !strings.HasPrefix(src.Name(), "auditd:"+a.LogPath()+" (auto: auditd runs (pid ") {
		t.Fatalf("auto chose %s", src.Name())
	}
	expectMarker(t, src)
}

func TestNetlinkSourceRefusesAnotherNetworkNamespace(t *testing.T) {
	requireRoot(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHelperProcess$", "-test.count=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	expectJoinError(t, cmd, "needs hostNetwork")
}

func TestNetlinkSourceExplainsAMissingCapability(t *testing.T) {
	requireRoot(t)
	setpriv, err := exec.LookPath("setpriv") // util-linux: drops a capability for the child's exec
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--bounding-set=-audit_read", os.Args[0], "-test.run=^TestKernelHelperProcess$", "-test.count=1")
	expectJoinError(t, cmd, "operation not permitted: needs CAP_AUDIT_READ")
}

// expectJoinError runs the helper that calls New(netlink) and checks what it
// reported.
func expectJoinError(t *testing.T, cmd *exec.Cmd, want string) {
	t.Helper()
	cmd.Env = append(os.Environ(), helperEnv+"=join")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), want) {
		t.Fatalf("New(netlink) said:\n%s\nwant %q", out, want)
	}
}
