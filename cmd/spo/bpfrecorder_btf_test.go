package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBPFRecorderSelectsTheRecorder starts the bpf-recorder as deployed
// (its self-test loads the recorder and records a child) with --btf=none,
// and with the default where /sys/kernel/btf/vmlinux is missing: both run
// the no-BTF recorder, say so in a log line, and pass the self-test.
func TestBPFRecorderSelectsTheRecorder(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("loading BPF programs needs root, and CI runs as root")
		}
		t.Skip("loading BPF programs needs root")
	}
	bin := buildSpo(t)
	args := func(extra ...string) []string {
		return append([]string{"bpf-recorder", "--node-name", "test", "--socket", filepath.Join(t.TempDir(), "r.sock"),
			"--metrics-sink-socket", "", "--health-probe-bind-address", "127.0.0.1:0"}, extra...)
	}
	t.Run("btf=none", func(t *testing.T) {
		got := startUntilSelfTest(t, exec.Command(bin, args("--btf=none")...))
		if got["recorder"] != "no-btf" || !strings.HasPrefix(got["reason"], "forced") {
			t.Fatalf("selection logged %v, want the no-btf recorder, forced", got)
		}
	})
	t.Run("no-kernel-btf", func(t *testing.T) {
		got := startUntilSelfTest(t, withoutKernelBTF(t, append([]string{bin}, args()...)...))
		if got["recorder"] != "no-btf" || !strings.Contains(got["reason"], "/sys/kernel/btf/vmlinux is missing") {
			t.Fatalf("selection logged %v, want the no-btf recorder because the BTF file is missing", got)
		}
	})
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err == nil {
		t.Run("kernel-btf", func(t *testing.T) {
			if got := startUntilSelfTest(t, exec.Command(bin, args()...)); got["recorder"] != "btf" {
				t.Fatalf("selection logged %v, want the btf recorder", got)
			}
		})
	}
}

// startUntilSelfTest starts the bpf-recorder, reads its log until the
// self-test passed (failing if it exits first), stops it (by its PID) and
// returns the fields of its "eBPF recorder selected" line.
func startUntilSelfTest(t *testing.T, cmd *exec.Cmd) map[string]string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var selected map[string]string
	var seen []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch line["msg"] {
		case "eBPF recorder selected":
			selected = map[string]string{}
			for k, v := range line {
				if s, ok := v.(string); ok {
					selected[k] = s
				}
			}
		case "self-test passed":
			if selected == nil {
				t.Fatalf("no \"eBPF recorder selected\" line before the self-test passed:\n%s", strings.Join(seen, "\n"))
			}
			return selected
		}
	}
	t.Fatalf("the bpf-recorder ended before its self-test passed:\n%s", strings.Join(seen, "\n"))
	return nil
}

// withoutKernelBTF runs argv in a new mount namespace (private, so nothing
// reaches the host's) where an empty tmpfs hides /sys/kernel/btf, as on a
// kernel built without CONFIG_DEBUG_INFO_BTF.
func withoutKernelBTF(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("needs unshare (util-linux) to hide the kernel BTF: %v", err)
	}
	script := `mount -t tmpfs none /sys/kernel/btf && exec "$@"`
	return exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"}, argv...)...)
}
