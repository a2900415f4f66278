package jsonenricher

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/secprofiles/spo/daemon/enricher/source"
	"github.com/secprofiles/spo/test/auditd"
)

// TestExecGoneBeforeItsRecordIsDescribedFromItsExecEvent is `kubectl exec
// POD -- cat FILE` through auditd's log: the exec'd process has exited
// before its record is read. The test makes that certain by reading the
// log only once the process was reaped; only the kernel's exec events
// can then say where it ran and what it was.
func TestExecGoneBeforeItsRecordIsDescribedFromItsExecEvent(t *testing.T) {
	requireRoot(t)
	a := auditd.Start(t)
	id, cgroup := containerCgroup(t)
	const uid = "0d9e8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b"

	events, err := ListenExecs(testr.New(t))
	if err != nil {
		t.Fatal(err)
	}
	execs := NewExecs()
	ctx, cancel := context.WithCancel(context.Background())
	watchDone := make(chan error, 1)
	go func() { watchDone <- events.Run(ctx, "/proc", execs) }()
	defer func() {
		cancel()
		if err := <-watchDone; err != nil {
			t.Errorf("exec events: %v", err)
		}
	}()

	pid := runShortExec(t, cgroup, uid)
	// The watcher reads a process within microseconds of its exec; give
	// it until the process's snapshot is there, without asserting speed.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, ok := execs.find(pid, "", false, time.Now()); ok {
			break
		}
	}

	src, err := source.New(source.KindAuditd, source.Options{AuditLog: a.LogPath(), FromStart: true, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	e := New(Config{Node: "node-a", Out: &out, Execs: execs,
		Index: index{id: {Namespace: "team", Pod: "web", Container: "app"}}})
	feed(t, src, e)
	// cat, reading a closed stdin, may exit before its exec is read: then
	// both records are described by env's image, whose command line
	// names cat; a process that exits while it is read keeps its
	// container but may lose its command line.
	l := waitLine(t, &out, func(l Line) bool {
		return l.PID == pid && (l.Executable == "/usr/bin/cat" || l.Executable == "/usr/bin/env")
	})
	t.Logf("lines: %+v", out.lines(t))
	if l == nil {
		t.Fatalf("no line for the exec of cat (pid %d), which exited before its record was read", pid)
	}
	if l.ContainerID != id || l.Pod != "web" || l.Container != "app" || l.Syscall != "execve" {
		t.Errorf("workload: %+v", l)
	}
	if l.CmdLine != "" && (!strings.HasSuffix(l.CmdLine, "/usr/bin/cat") || l.RequestUID != uid) {
		t.Errorf("line %+v", l)
	}
}

// runShortExec runs the container helper in cgroup: it execs env, which
// execs cat, which finds its stdin closed and exits. It returns once the
// process is reaped, with its pid.
func runShortExec(t *testing.T, cgroup, uid string) int {
	t.Helper()
	h := startContainer(t, cgroup, uid)
	pid := h.cmd.Process.Pid
	if _, err := h.stdin.Write([]byte{'\n'}); err != nil {
		t.Fatal(err)
	}
	if err := h.end(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err == nil {
		t.Fatalf("pid %d still in /proc after it was reaped", pid)
	}
	return pid
}

// BenchmarkReadExec is what the exec watcher spends per exec on the node:
// a host process costs one read of its cgroup, a container process the
// whole read of /proc.
func BenchmarkReadExec(b *testing.B) {
	b.Run("host process", func(b *testing.B) {
		for b.Loop() {
			if _, ok := readExec("/proc", os.Getpid()); ok {
				b.Fatal("the test process read as a container's")
			}
		}
	})
	b.Run("container process", func(b *testing.B) {
		if os.Geteuid() != 0 {
			b.Skip("needs root: it creates a cgroup")
		}
		_, cgroup := containerCgroup(b)
		sleep := exec.Command("sleep", "60")
		if err := sleep.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = sleep.Process.Kill(); _ = sleep.Wait() }()
		if err := os.WriteFile(filepath.Join(cgroup, "cgroup.procs"), []byte(strconv.Itoa(sleep.Process.Pid)), 0o644); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, ok := readExec("/proc", sleep.Process.Pid); !ok {
				b.Fatal("the container process was not read")
			}
		}
	})
}
