// Package demo runs `hack/demo.sh` the way a user runs `make demo`: a real
// etcd, kube-apiserver, manager and daemon on loopback, with the examples
// applied, then checks what the user is told and that `down` leaves nothing
// running. It uses its own folder and ports, so it does not disturb a demo
// a developer has running.
package demo

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestDemoUpTwiceThenDown(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "demo")
	bin := filepath.Join(tmp, "spo")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "spo")).CombinedOutput(); err != nil {
		t.Fatalf("building spo: %v\n%s", err, out)
	}
	base := freePortBlock(t)
	env := append(os.Environ(), "SPO_DEMO_DIR="+dir, "SPO_BIN="+bin,
		// etcd also takes its port +10 (peers); the components +1 and +2.
		fmt.Sprintf("SPO_DEMO_ETCD_PORT=%d", base), fmt.Sprintf("SPO_DEMO_API_PORT=%d", base+20),
		fmt.Sprintf("SPO_DEMO_MANAGER_PORT=%d", base+25), fmt.Sprintf("SPO_DEMO_DAEMON_PORT=%d", base+30),
		fmt.Sprintf("SPO_DEMO_WEBHOOK_PORT=%d", base+35))
	demo := func(arg string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(root, "hack", "demo.sh"), arg)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("demo.sh %s: %v\n%s", arg, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(root, "hack", "demo.sh"), "down")
		cmd.Env = env
		_ = cmd.Run()
	})

	out := demo("up")
	for _, want := range []string{
		"export KUBECONFIG=" + filepath.Join(dir, "kubeconfig") + "\n",
		"export KUBELET_DIR=" + filepath.Join(dir, "kubelet") + "\n",
		"export SPO_NAMESPACE=security-profiles-operator",
		"security_profiles_operator_seccomp_profile_total{operation=\"update\"} 4",
		"spod ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, profile := range []string{"webserver", "webserver-with-shell", "log-all"} {
		if _, err := os.Stat(filepath.Join(dir, "kubelet", "seccomp", "operator", profile+".json")); err != nil {
			t.Errorf("profile file of %s: %v", profile, err)
		}
	}
	// The examples, and the log-everything profile the manager keeps for
	// Logs recordings.
	want := "log-all=Installed log-enricher-trace=Installed webserver=Installed webserver-with-shell=Installed"
	got := kubectl(t, root, dir, "get", "sp", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.status} {end}`)
	if strings.TrimSpace(got) != want {
		t.Errorf("kubectl get sp says %q, want %q\n%s", got, want, out)
	}

	const bound = "{.spec.containers[0].securityContext.seccompProfile.localhostProfile}"
	if got := kubectl(t, root, dir, "-n", "demo", "get", "pod", "web", "-o", "jsonpath="+bound); got != "operator/webserver.json" {
		t.Errorf("pod demo/web has seccomp profile %q, want the bound operator/webserver.json", got)
	}

	pids := readPIDs(t, filepath.Join(dir, "pids"))
	if again := demo("up"); !strings.Contains(again, "already running") {
		t.Errorf("a second demo.sh up should report the running demo:\n%s", again)
	}
	demo("down")
	for name, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("%s (pid %d) still runs after demo.sh down", name, pid)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("demo.sh down left %s behind", dir)
	}
}

func kubectl(t *testing.T, root, dir string, args ...string) string {
	t.Helper()
	assets, err := exec.Command(filepath.Join(root, "hack", "controlplane.sh")).Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(strings.TrimSpace(string(assets)), "kubectl"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "kubeconfig"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

func readPIDs(t *testing.T, dir string) map[string]int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		pids[e.Name()] = pid
	}
	if len(pids) != 5 {
		t.Errorf("expected 5 processes (etcd, kube-apiserver, manager, daemon, webhook), found %v", pids)
	}
	return pids
}

// freePortBlock returns the first of 50 free ports below the kernel's
// ephemeral range (32768 and up on Linux): fixed ports in that range
// collide with the source ports of other tests' connections running in
// parallel.
func freePortBlock(t *testing.T) int {
	t.Helper()
	for try := 0; try < 100; try++ {
		base := 20000 + rand.IntN(200)*50
		if portsFree(base, 50) {
			return base
		}
	}
	t.Fatal("no block of 50 free ports between 20000 and 30000")
	return 0
}

func portsFree(base, n int) bool {
	for p := base; p < base+n; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		_ = l.Close()
	}
	return true
}
