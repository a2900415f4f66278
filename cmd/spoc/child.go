package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// helperCommand prepares spoc's own binary to run a hidden helper
// subcommand that ends by exec'ing argv (argv[0] resolved to path). The
// helper reads from fd 3, which is the returned pipe's read end; the caller
// writes to the other end after Start. Going through our own binary is what
// lets the helper do its last steps (load a filter, wait to be tracked) in
// the new process itself, right before exec, which os/exec cannot.
func helperCommand(helper string, argv []string) (*exec.Cmd, *os.File, error) {
	if len(argv) == 0 {
		return nil, nil, usageError("missing the command to run after --")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		// 127, as a shell does, so scripts can tell "not found" apart.
		fmt.Fprintf(os.Stderr, "spoc: %v\n", err)
		return nil, nil, exitCode(127)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command("/proc/self/exe", append([]string{helper, path}, argv...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{r}
	return cmd, w, nil
}

// waitChild waits for cmd and returns its exit status the way a shell
// reports it: the exit code, or 128 + the signal that killed it. SIGINT and
// SIGQUIT from the terminal reach the child directly (same process group),
// so spoc ignores them rather than dying first; SIGTERM and SIGHUP, which
// are usually sent to spoc alone, are passed on.
func waitChild(cmd *exec.Cmd) (int, error) {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT)
	fwd := make(chan os.Signal, 1)
	signal.Notify(fwd, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(fwd)
	go func() {
		for s := range fwd {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return 0, err
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return cmd.ProcessState.ExitCode(), nil
}

// helperArgs splits a helper's arguments into the resolved path and argv.
func helperArgs(args []string) (string, []string, error) {
	if len(args) < 2 {
		return "", nil, fmt.Errorf("internal helper called with %d arguments; it is run by spoc itself", len(args))
	}
	return args[0], args[1:], nil
}

// execOrExit replaces the helper with the command. It only returns on
// failure, with the status a shell would use: 127 when the file is gone,
// 126 otherwise.
func execOrExit(path string, argv []string, hint string) error {
	err := syscall.Exec(path, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "spoc: exec %s: %v%s\n", path, err, hint)
	if errors.Is(err, syscall.ENOENT) {
		return exitCode(127)
	}
	return exitCode(126)
}
