package bpfrecorder

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"syscall"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// SelfTest loads a recorder with opts, records a child started in a new
// mount namespace (/bin/sh waiting on stdin, then exec /bin/true), checks
// that its execve was recorded, and unloads. Errors name the missing kernel
// feature (see Load).
func SelfTest(ctx context.Context, opts Options) error {
	rec, err := Load(opts)
	if err != nil {
		return fmt.Errorf("bpf recorder self-test: %w", err)
	}
	defer rec.Close()
	names, err := recordChild(ctx, rec, "/bin/sh", "-c", "read _ && exec /bin/true")
	if err != nil {
		return fmt.Errorf("bpf recorder self-test: %w", err)
	}
	if !slices.Contains(names, "execve") {
		return fmt.Errorf("bpf recorder self-test: execve of the child was not recorded (got %v)", names)
	}
	return nil
}

// recordChild runs argv in a new mount namespace, tracks it before writing
// a line to its stdin, waits for it and returns its syscalls.
func recordChild(ctx context.Context, rec *Recorder, argv ...string) ([]string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	ns, err := startTracked(rec, cmd)
	if err != nil {
		return nil, err
	}
	defer rec.Forget(ns)
	arch, err := seccomp.GetNativeArch()
	if err != nil {
		return nil, err
	}
	return rec.Syscalls(ns, arch)
}

// startTracked starts cmd (which must wait for a line on stdin), tracks its
// mount namespace, releases it and waits for it to exit.
func startTracked(rec *Recorder, cmd *exec.Cmd) (uint32, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s in a new mount namespace: %w", cmd.Path, err)
	}
	ns, err := MountNamespaceOf(cmd.Process.Pid)
	if err == nil {
		err = rec.Track(ns)
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return 0, err
	}
	_, werr := stdin.Write([]byte("go\n"))
	stdin.Close()
	if err := cmd.Wait(); err != nil || werr != nil {
		return ns, fmt.Errorf("child %s: %w", cmd.Path, errors.Join(err, werr))
	}
	return ns, rec.Untrack(ns)
}
