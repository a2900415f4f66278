package main

// reap is what keeps a shared-PID-namespace pod free of zombies; pause is
// never PID 1 in a test, so this checks it on a child of the test itself.

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReapCollectsExitedChild(t *testing.T) {
	// The test binary itself, running no test: a child that exits at once.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	waitZombie(t, pid)
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

// waitZombie returns once pid has exited but not been waited for, so reap
// has something to collect rather than racing the child's exit.
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	stat := "/proc/" + strconv.Itoa(pid) + "/stat"
	for {
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		// State is the field after the parenthesised command name.
		s := string(b)
		if fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); fields[0] == "Z" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
