package jsonenricher

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secprofiles/spo/reconcilers/spod"
)

// readEnv makes the test binary print what ReadProcess finds in a pid.
const readEnv = "SPO_JSON_ENRICHER_READ"

func TestJSONEnricherReadHelper(t *testing.T) {
	pid, err := strconv.Atoi(os.Getenv(readEnv))
	if err != nil {
		return
	}
	p := ReadProcess("/proc", pid, "")
	fmt.Printf("requestUID=%s exe=%s\n", p.RequestUID, p.Exe)
	os.Exit(0)
}

// readWithCapabilities runs ReadProcess on pid as root with only caps in
// the bounding set, as the DaemonSet runs the json-enricher.
func readWithCapabilities(t *testing.T, pid int, caps []string) string {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs setpriv (util-linux)")
		}
		t.Skip("needs setpriv (util-linux) to drop capabilities")
	}
	set := "-all"
	for _, c := range caps {
		set += ",+" + strings.ToLower(c)
	}
	cmd := exec.Command(setpriv, "--bounding-set="+set, "--inh-caps=-all", "--", os.Args[0], "-test.run=^TestJSONEnricherReadHelper$")
	cmd.Env = append(os.Environ(), readEnv+"="+strconv.Itoa(pid))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return string(out)
}

// TestReadsTheRequestUIDWithDeployedCapabilities reads the environment of
// a process with every capability (as a container's processes have more
// than the enricher) with exactly the rendered capabilities, and shows
// that without SYS_PTRACE the request UID is lost.
func TestReadsTheRequestUIDWithDeployedCapabilities(t *testing.T) {
	requireRoot(t)
	const uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	other := exec.Command("/usr/bin/env", "SPO_EXEC_REQUEST_UID="+uid, "sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	pid := other.Process.Pid
	// Until env has exec'd sleep: then the UID is in the environment only.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		raw, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if bytes.HasPrefix(raw, []byte("sleep\x00")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("env did not exec sleep: %q", raw)
		}
	}
	var deployed []string
	for _, c := range spod.JSONEnricherCapabilities {
		deployed = append(deployed, string(c))
	}
	if out := readWithCapabilities(t, pid, deployed); !strings.Contains(out, "requestUID="+uid+" exe=") || strings.Contains(out, "exe=\n") {
		t.Fatalf("with %v: %q", deployed, out)
	}
	if out := readWithCapabilities(t, pid, nil); !strings.Contains(out, "requestUID= exe=\n") {
		t.Fatalf("without capabilities the environment was readable, so SYS_PTRACE is not needed: %q", out)
	}
}
