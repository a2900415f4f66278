package main

// The pause binary is what the runtime stops on every pod deletion; a
// non-zero exit there marks the sandbox as failed. So the real binary is
// compiled and signalled, as containerd does.

import (
	"bufio"
	"os/exec"
	"syscall"
	"testing"
)

func TestPauseExitsZeroOnSignal(t *testing.T) {
	bin := pauseBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Its one line means the handler is installed; a signal
			// before that would kill it with the default action.
			if _, err := bufio.NewReader(stderr).ReadString('\n'); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil || cmd.ProcessState.ExitCode() != 0 {
				t.Fatalf("after %v: %v (exit status %d), want exit 0", sig, err, cmd.ProcessState.ExitCode())
			}
		})
	}
}
