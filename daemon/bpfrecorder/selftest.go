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

// SelfTest loads a recorder with opts, records a child, checks that its
// execve was recorded, and unloads. child is the command to record: it
// must wait for a line on stdin, then execve. Without one it is /bin/sh
// waiting on stdin, then exec /bin/true; an image without a shell passes
// its own binary (cmd/spo). The child gets a new mount namespace when the
// process may create one (CAP_SYS_ADMIN); otherwise — the deployed
// bpf-recorder has only CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE — it runs
// in the recorder's own mount namespace, which in a container is not the
// host's. Errors name the missing kernel feature (see Load) or privilege;
// ErrSelfTestPartial means the programs loaded and attached but no
// namespace could be recorded to show it (the recorder still works for
// containers).
func SelfTest(ctx context.Context, opts Options, child ...string) error {
	rec, err := Load(opts)
	if err != nil {
		return fmt.Errorf("bpf recorder self-test: %w", err)
	}
	defer rec.Close()
	argv := child
	if len(argv) == 0 {
		argv = []string{"/bin/sh", "-c", "read _ && exec /bin/true"}
	}
	names, err := recordChild(ctx, rec, true, argv...)
	if errors.Is(err, syscall.EPERM) {
		names, err = recordChild(ctx, rec, false, argv...)
		if errors.Is(err, ErrHostNS) {
			// PID 1 could not be inspected (a sandboxed init), so the
			// recorder's own namespace stands for the host's and may not be
			// recorded: the programs are loaded and attached (Load), only
			// the recording step cannot be shown here.
			return fmt.Errorf("%w: without CAP_SYS_ADMIN the child runs in the recorder's own mount namespace, "+
				"which stands for the host's here (PID 1 cannot be inspected)", ErrSelfTestPartial)
		}
	}
	if err != nil {
		return fmt.Errorf("bpf recorder self-test: %w", err)
	}
	if !slices.Contains(names, "execve") {
		return fmt.Errorf("bpf recorder self-test: execve of the child was not recorded (got %v)", names)
	}
	return nil
}

// recordChild runs argv (in a new mount namespace when newNS), tracks its
// mount namespace before writing a line to its stdin, waits for it and
// returns its syscalls.
func recordChild(ctx context.Context, rec *Recorder, newNS bool, argv ...string) ([]string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if newNS {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	}
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
		return 0, fmt.Errorf("starting %s: %w", cmd.Path, err)
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
