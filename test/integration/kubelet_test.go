package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/daemon/seccomp"
)

// envtest has no kubelet and no container runtime. For recording tests the
// suite plays their part the way they do it, with real parts: a container is
// a real process in its own mount namespace, moved into a cgroup whose name
// carries a runtime container id ("cri-containerd-<id>.scope", as containerd
// with the systemd driver names it), running under the seccomp profile the
// pod's securityContext names from the node's kubelet directory; its id and
// Running/Terminated state are written into the pod status through the API
// server, as the kubelet would.

// containerEnv makes the test binary act as a container's init (TestMain).
const (
	containerEnv        = "SPO_TEST_CONTAINER_SCRIPT"
	containerSeccompEnv = "SPO_TEST_CONTAINER_SECCOMP"
)

// recordingNode is the node whose daemon records; its pods are "run" here.
const recordingNode = "node-rec"

func TestMain(m *testing.M) {
	if script := os.Getenv(containerEnv); script != "" {
		os.Exit(containerMain(script))
	}
	os.Exit(m.Run())
}

// containerMain waits until the "runtime" has placed it in its cgroup (a
// byte on stdin), loads the seccomp profile if any, and execs the script:
// the filter covers exactly what the container runs, as with runc.
func containerMain(script string) int {
	var b [1]byte
	if _, err := os.Stdin.Read(b[:]); err != nil {
		fmt.Fprintln(os.Stderr, "container: waiting for start:", err)
		return 2
	}
	if path := os.Getenv(containerSeccompEnv); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "container:", err)
			return 2
		}
		var s specs.LinuxSeccomp
		if err := json.Unmarshal(raw, &s); err != nil {
			fmt.Fprintln(os.Stderr, "container: profile:", err)
			return 2
		}
		if err := seccomp.LoadFilter(&s); err != nil {
			fmt.Fprintln(os.Stderr, "container:", err)
			return 2
		}
	}
	err := syscall.Exec("/bin/sh", []string{"sh", "-c", script}, os.Environ())
	fmt.Fprintln(os.Stderr, "container: exec:", err)
	return 2
}

// fakeContainer is one running container of a pod on the recording node.
type fakeContainer struct {
	ID     string // 64 hex digits, without the runtime prefix
	Name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	cgroup string
}

// PID is the container's init process.
func (c *fakeContainer) PID() int { return c.cmd.Process.Pid }

// startContainer creates the container's process, blocked before exec, in
// its cgroup, and reports it Running in the pod status. release lets it run.
func startContainer(ctx context.Context, pod *corev1.Pod, name, script string) *fakeContainer {
	GinkgoHelper()
	c := &fakeContainer{ID: newContainerID(), Name: name}
	c.cgroup = filepath.Join(cgroupRoot(), "spo-test", "cri-containerd-"+c.ID+".scope")
	Expect(os.MkdirAll(c.cgroup, 0o755)).To(Succeed())
	DeferCleanup(func() { _ = os.Remove(c.cgroup) })

	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), containerEnv+"="+script)
	if profile := seccompFileFor(pod, name); profile != "" {
		Eventually(func() error { _, err := os.Stat(profile); return err }).Should(Succeed(),
			"the daemon installs the profile the pod's securityContext names")
		c.cmd.Env = append(c.cmd.Env, containerSeccompEnv+"="+profile)
	}
	c.cmd.Stdout, c.cmd.Stderr = GinkgoWriter, GinkgoWriter
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	var err error
	c.stdin, err = c.cmd.StdinPipe()
	Expect(err).NotTo(HaveOccurred())
	Expect(c.cmd.Start()).To(Succeed())
	DeferCleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
	Expect(os.WriteFile(filepath.Join(c.cgroup, "cgroup.procs"), []byte(strconv.Itoa(c.PID())), 0o644)).To(Succeed())

	setContainerState(ctx, pod, name, corev1.ContainerState{Running: &corev1.ContainerStateRunning{
		StartedAt: metav1.Now()}}, "containerd://"+c.ID, corev1.PodRunning)
	return c
}

// release lets the container exec its script.
func (c *fakeContainer) release() {
	GinkgoHelper()
	_, err := c.stdin.Write([]byte{'\n'})
	Expect(err).NotTo(HaveOccurred())
}

// exit waits for the container's script to end and reports it Terminated.
// phase is the pod phase to report with it ("" keeps the current one).
func (c *fakeContainer) exit(ctx context.Context, pod *corev1.Pod, phase corev1.PodPhase) {
	GinkgoHelper()
	err := c.cmd.Wait()
	Expect(err).NotTo(HaveOccurred(), "container %s of pod %s", c.Name, pod.Name)
	setContainerState(ctx, pod, c.Name, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 0, Reason: "Completed", FinishedAt: metav1.Now(), ContainerID: "containerd://" + c.ID,
	}}, "containerd://"+c.ID, phase)
}

// setContainerState writes one container's status, as the kubelet does.
func setContainerState(ctx context.Context, pod *corev1.Pod, name string, state corev1.ContainerState,
	id string, phase corev1.PodPhase) {
	GinkgoHelper()
	Eventually(func() error {
		cur := &corev1.Pod{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(pod), cur); err != nil {
			return err
		}
		if phase != "" {
			cur.Status.Phase = phase
		}
		status := corev1.ContainerStatus{Name: name, ContainerID: id, State: state, Ready: state.Running != nil,
			Image: "example.com/app:1", ImageID: "example.com/app@sha256:" + hex.EncodeToString(make([]byte, 32))}
		replaced := false
		for i := range cur.Status.ContainerStatuses {
			if cur.Status.ContainerStatuses[i].Name == name {
				cur.Status.ContainerStatuses[i], replaced = status, true
			}
		}
		if !replaced {
			cur.Status.ContainerStatuses = append(cur.Status.ContainerStatuses, status)
		}
		return k8s.Status().Update(ctx, cur)
	}).Should(Succeed())
}

// seccompFileFor is the node file of the Localhost seccomp profile the
// container's (or else the pod's) securityContext names, or "".
func seccompFileFor(pod *corev1.Pod, name string) string {
	var profile *corev1.SeccompProfile
	if sc := pod.Spec.SecurityContext; sc != nil {
		profile = sc.SeccompProfile
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name && c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
			profile = c.SecurityContext.SeccompProfile
		}
	}
	if profile == nil || profile.Type != corev1.SeccompProfileTypeLocalhost || profile.LocalhostProfile == nil {
		return ""
	}
	return filepath.Join(nodeDirs[recordingNode], "seccomp", *profile.LocalhostProfile)
}

// cgroupRoot is a cgroup hierarchy processes can be moved in: the unified
// (v2) one when the host has it at /sys/fs/cgroup or beside v1 controllers,
// else the v1 pids hierarchy. Only the path matters to the recorders.
func cgroupRoot() string {
	for _, dir := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/pids"} {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			return dir
		}
	}
	Fail("no writable cgroup hierarchy under /sys/fs/cgroup")
	return ""
}

func newContainerID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// waitFor polls cond until it holds, for the few places a test needs to
// let a real process reach a point without a status to watch.
func waitFor(cond func() bool) {
	GinkgoHelper()
	Eventually(cond).WithPolling(20 * time.Millisecond).Should(BeTrue())
}
