package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/test/controlplane"
)

const auditFixtures = "../../test/fixtures/audit"

// buildSpo builds the real binary once per test run: the command is
// tested end to end, flags and exit codes included.
func buildSpo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spo")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestLogEnricherOnce(t *testing.T) {
	bin := buildSpo(t)
	log := filepath.Join(auditFixtures, "mixed.log")
	// No process of the fixture's pids runs here: no containerID.
	noProcs := t.TempDir()
	golden, err := os.ReadFile(filepath.Join(auditFixtures, "mixed.golden.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // exact, when not empty
		wantStderr []string
	}{
		{"a file is printed as one JSON object per record and the bad line is reported",
			[]string{"--audit-log", log, "--once", "--output", "json", "--proc", noProcs}, 0, string(golden),
			[]string{`"msg":"starting"`, `"version"`, "line 8: skipped: malformed audit record"}},
		{"with --strict the first bad line fails the run and is named",
			[]string{"--audit-log", log, "--once", "--strict"}, 1, "",
			[]string{"spo log-enricher: line 8: malformed audit record"}},
		{"an output format other than json is refused",
			[]string{"--audit-log", log, "--once", "--output", "yaml"}, 1, "",
			[]string{"only json is supported"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, append([]string{"log-enricher"}, tc.args...)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := exitCode(t, cmd.Run())
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if tc.wantStdout != "" && stdout.String() != tc.wantStdout {
				t.Errorf("stdout differs from golden:\n%s", stdout.String())
			}
			for _, s := range tc.wantStderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

// TestLogEnricherOnceNamesTheContainerOfALiveProcess gives the first
// record's pid a container in a /proc tree: its JSON names the container,
// the others do not.
func TestLogEnricherOnceNamesTheContainerOfALiveProcess(t *testing.T) {
	bin := buildSpo(t)
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	proc := t.TempDir()
	if err := os.MkdirAll(filepath.Join(proc, "3340"), 0o755); err != nil {
		t.Fatal(err)
	}
	cgroup := "0::/kubepods.slice/cri-containerd-" + id + ".scope\n"
	if err := os.WriteFile(filepath.Join(proc, "3340", "cgroup"), []byte(cgroup), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "log-enricher", "--audit-log", filepath.Join(auditFixtures, "mixed.log"),
		"--once", "--proc", proc).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if !strings.HasPrefix(lines[0], `{"line":4,"containerID":"`+id+`","type":"SECCOMP"`) {
		t.Errorf("first record %s; want the container of pid 3340", lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "containerID") {
			t.Errorf("record %s names a container; its pid runs in none", l)
		}
	}
}

// TestLogEnricherServiceChecksFlagsFirst: a service that cannot work
// says why before it touches the cluster.
func TestLogEnricherServiceChecksFlagsFirst(t *testing.T) {
	bin := buildSpo(t)
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"serving needs the node name", nil, "", "--node-name (or NODE_NAME) is required"},
		{"a filter with an unknown action names the entry", []string{"--node-name", "n1", "--filters", `[{"action":"drop"},{"action":"skip"}]`},
			"", `--filters: log filter 1: field "action": "skip" is neither`},
		{"filters come from the environment too", []string{"--node-name", "n1"},
			`SPO_ENRICHER_FILTERS=[{"action":"drop","nmespace":"x"}]`, `log filter 0: json: unknown field "nmespace"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"log-enricher"}, tc.args...)...)
			cmd.Env = append(os.Environ(), "NODE_NAME=")
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if code := exitCode(t, cmd.Run()); code != 1 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 1 and %q", code, stderr.String(), tc.want)
			}
		})
	}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// TestLogEnricherFollowsRotation follows a log from its start, then
// rotates it the way auditd does (rename, new file) and stops the
// enricher with SIGTERM.
func TestLogEnricherFollowsRotation(t *testing.T) {
	bin := buildSpo(t)
	golden := readLines(t, filepath.Join(auditFixtures, "mixed.golden.jsonl"))
	mixed := readLines(t, filepath.Join(auditFixtures, "mixed.log"))
	path := filepath.Join(t.TempDir(), "audit.log")
	writeLines(t, path, mixed)

	cmd := exec.Command(bin, "log-enricher", "--audit-log", path, "--from-start", "--output", "json", "--proc", t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out <- sc.Text()
		}
		close(out)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-out:
			if got != want {
				t.Fatalf("got  %s\nwant %s\nstderr:\n%s", got, want, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no output line %s; stderr:\n%s", want, stderr.String())
		}
	}
	for _, g := range golden {
		expect(g)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	// The first record of mixed.log is on its line 4; in the new file it is line 1.
	writeLines(t, path, mixed[3:4])
	expect(strings.Replace(golden[0], `{"line":4,`, `{"line":1,`, 1))

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v; stderr:\n%s", err, stderr.String())
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestLogEnricherServesARecording runs the real binary against a real
// kube-apiserver: a pod of its node with a recording annotation and a
// container id in its status, a /proc tree putting the records' pid in
// that container, and an auditd-format log file. The daemon's gRPC call
// returns the recorded syscalls.
func TestLogEnricherServesARecording(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	const value = "rec_app_aaaaa_1700000000"
	env, k8s, kubeconfig := startControlPlane(t)
	defer env.Stop()

	dir := t.TempDir()
	proc := filepath.Join(dir, "proc")
	if err := os.MkdirAll(filepath.Join(proc, "4321"), 0o755); err != nil {
		t.Fatal(err)
	}
	cgroup := "0::/kubepods.slice/cri-containerd-" + id + ".scope\n"
	if err := os.WriteFile(filepath.Join(proc, "4321", "cgroup"), []byte(cgroup), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "audit.log")
	lines := []string{
		`type=SECCOMP msg=audit(1700000000.123:1): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4321 comm="app" exe="/usr/bin/app" sig=0 arch=c000003e syscall=0 compat=0 ip=0x7f0000000000 code=0x7ffc0000`,
		`type=SECCOMP msg=audit(1700000000.124:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4321 comm="app" exe="/usr/bin/app" sig=0 arch=c000003e syscall=1 compat=0 ip=0x7f0000000000 code=0x7ffc0000`,
	}
	writeLines(t, log, lines)

	socket := filepath.Join(dir, "log-enricher.sock")
	cmd := exec.Command(buildSpo(t), "log-enricher", "--node-name", "node-a", "--source", "auditd",
		"--audit-log", log, "--from-start", "--proc", proc, "--socket", socket,
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// The records are read before the pod is known: they are held, then
	// attributed when the pod shows up with its container id.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	key := createRunningPod(ctx, t, k8s, "node-a", id, value)
	c, err := enricher.Dial(ctx, socket)
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
	defer c.Close()
	var got *enricherv1.SyscallsResponse
	for got == nil || len(got.GetSyscalls()) < 2 {
		if ctx.Err() != nil {
			t.Fatalf("Syscalls = %v, %v; stderr:\n%s", got, err, stderr.String())
		}
		got, err = c.Syscalls(ctx, &enricherv1.ProfileRequest{Profile: key})
		time.Sleep(100 * time.Millisecond)
	}
	if !slices.Equal(got.GetSyscalls(), []string{"read", "write"}) || !slices.Equal(got.GetExecutables(), []string{"/usr/bin/app"}) {
		t.Errorf("Syscalls = %v", got)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v; stderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{`"pod":"web-1"`, `"syscall":"write"`, `"node":"node-a"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
}

// startControlPlane starts envtest and writes an admin kubeconfig.
func startControlPlane(t *testing.T) (*envtest.Environment, client.Client, string) {
	env, err := controlplane.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		env.Stop()
		t.Fatal(err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		env.Stop()
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		env.Stop()
		t.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: controlplane.Scheme()})
	if err != nil {
		env.Stop()
		t.Fatal(err)
	}
	return env, k8s, path
}

// createRunningPod creates a pod on node and writes the status a kubelet
// would once its container started (envtest has no kubelet).
// It returns the key the log enricher keeps the pod's recording under.
func createRunningPod(ctx context.Context, t *testing.T, k8s client.Client, node, id, value string) string {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-1",
			Annotations: map[string]string{"io.containers.trace-logs/app": value}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	if err := k8s.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "nginx", ImageID: "nginx",
		ContainerID: "containerd://" + id}}
	if err := k8s.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	return enricher.RecordingKey(pod.UID, "app")
}
