package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// component is one long-running process of the cluster.
type component struct {
	name string
	bin  string
	args []string
	env  []string
}

// pidFile holds "<pid> <binary>": the binary lets stop tell our process
// from an unrelated one that got the same pid after a reboot.
func pidFile(name string) string { return filepath.Join(pidDir, name+".pid") }

// running returns the pid of the component's recorded process, if that
// process still runs the recorded binary.
func running(name string) (int, bool) {
	b, err := os.ReadFile(pidFile(name))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || exe != f[1] {
		return 0, false
	}
	return pid, true
}

// start runs c in its own session, detached from the caller (the cluster
// outlives `make cluster`), logging to logDir, unless it already runs.
func start(c component) error {
	if _, ok := running(c.name); ok {
		return nil
	}
	log, err := os.OpenFile(filepath.Join(logDir, c.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(c.bin, c.args...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.name, err)
	}
	exe, err := filepath.EvalSymlinks(c.bin)
	if err != nil {
		return err
	}
	rec := fmt.Sprintf("%d %s\n", cmd.Process.Pid, exe)
	if err := os.WriteFile(pidFile(c.name), []byte(rec), 0o644); err != nil {
		return err
	}
	// Reap it if it dies while we wait for it, so running() sees it gone.
	go func() { _ = cmd.Wait() }()
	return nil
}

// stop ends the component's recorded process: SIGTERM, then SIGKILL after
// grace, and waits until it is gone.
func stop(name string, grace time.Duration) error {
	pid, ok := running(name)
	if !ok {
		return os.RemoveAll(pidFile(name))
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if !waitGone(pid, grace) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		if !waitGone(pid, 10*time.Second) {
			return fmt.Errorf("%s (pid %d) survived SIGKILL", name, pid)
		}
	}
	return os.RemoveAll(pidFile(name))
}

// waitGone reports whether pid exited within d. A zombie counts as gone.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		// The state follows the command's closing parenthesis.
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && i+2 < len(b) && b[i+2] == 'Z' {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logTail is the end of a component's log, for errors.
func logTail(name string) string {
	b, err := os.ReadFile(filepath.Join(logDir, name+".log"))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// Processes are the pids of the cluster's running components, by name.
func Processes() map[string]int {
	pids := map[string]int{}
	for _, name := range startOrder {
		if pid, ok := running(name); ok {
			pids[name] = pid
		}
	}
	return pids
}
