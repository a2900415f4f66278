package main

// reap is what keeps a shared-PID-namespace pod free of zombies; pause is
// never PID 1 in a test, so this checks it on a child of the test itself.

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReapCollectsExitedChild(t *testing.T) {
	// The test binary itself, running no test: a child that exits at once.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	waitExited(t, pid)
	if n := reap(); n != 1 {
		t.Fatalf("reap() = %d, want 1", n)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); err != syscall.ECHILD {
		t.Fatalf("after reap, wait4(%d) = %v, want ECHILD", pid, err)
	}
}

func TestReapWithoutChildren(t *testing.T) {
	if n := reap(); n != 0 {
		t.Fatalf("reap() = %d, want 0", n)
	}
}

// waitExited blocks until pid can be waited for, and leaves it so
// (WNOWAIT), so reap has something to collect. /proc's "Z" state is not
// enough: a multi-threaded child's leader shows Z while its other threads
// still exit, and wait4 reports the group only once they are gone
// (delay_group_leader in kernel/exit.c).
func waitExited(t *testing.T, pid int) {
	t.Helper()
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("waitid(%d): %v", pid, err)
		}
		return
	}
}
