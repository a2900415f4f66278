package kubelet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/daemon/seccomp"
)

// The environment that makes the test binary a container's init.
const (
	scriptEnv  = "SPO_TEST_CONTAINER_SCRIPT"
	seccompEnv = "SPO_TEST_CONTAINER_SECCOMP"
)

// RunIfContainer turns the process into a container's init when it was
// started as one, and exits with the script's failure to start; otherwise
// it returns at once.
func RunIfContainer() {
	if script, ok := os.LookupEnv(scriptEnv); ok {
		os.Exit(containerMain(script))
	}
}

func containerMain(script string) int {
	var b [1]byte
	if _, err := os.Stdin.Read(b[:]); err != nil {
		fmt.Fprintln(os.Stderr, "container: waiting for release:", err)
		return 2
	}
	if path := os.Getenv(seccompEnv); path != "" {
		if err := loadSeccomp(path); err != nil {
			fmt.Fprintln(os.Stderr, "container:", err)
			return 2
		}
	}
	err := syscall.Exec("/bin/sh", []string{"sh", "-c", script}, os.Environ())
	fmt.Fprintln(os.Stderr, "container: exec:", err)
	return 2
}

func loadSeccomp(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("seccomp profile %s: %w", path, err)
	}
	return seccomp.LoadFilter(&s)
}

// Node is one node's kubelet.
type Node struct {
	Client client.Client
	// KubeletDir is where Localhost seccomp profiles are found
	// (<KubeletDir>/seccomp/<localhostProfile>).
	KubeletDir string
	// Output receives the containers' stdout and stderr.
	Output io.Writer
}

// Container is one started container.
type Container struct {
	ID     string // 64 hex digits, without the runtime prefix
	Name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	cgroup string
	waited bool
}

// PID is the container's first process.
func (c *Container) PID() int { return c.cmd.Process.Pid }

// Start creates the container's process, blocked before exec, in its
// cgroup, and reports the container Running in the pod status. Release
// lets it run. A profile the securityContext names must appear in the
// kubelet directory first (the daemon installs it); Start waits for it as
// long as ctx allows.
func (n *Node) Start(ctx context.Context, pod *corev1.Pod, name, script string) (*Container, error) {
	c := &Container{ID: newContainerID(), Name: name}
	root, err := CgroupRoot()
	if err != nil {
		return nil, err
	}
	c.cgroup = filepath.Join(root, "spo-test", "cri-containerd-"+c.ID+".scope")
	if err := os.MkdirAll(c.cgroup, 0o755); err != nil {
		return nil, err
	}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), scriptEnv+"="+script)
	if profile := n.seccompFile(pod, name); profile != "" {
		if err := waitForFile(ctx, profile); err != nil {
			c.Close()
			return nil, fmt.Errorf("seccomp profile of container %s: %w", name, err)
		}
		c.cmd.Env = append(c.cmd.Env, seccompEnv+"="+profile)
	}
	c.cmd.Stdout, c.cmd.Stderr = n.Output, n.Output
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	// Like runc, the process is in its cgroup before its first syscall in
	// the new mount namespace: on cgroup v2 with clone3(CLONE_INTO_CGROUP).
	if dir, err := os.Open(c.cgroup); err == nil {
		defer dir.Close()
		var fs unix.Statfs_t
		if unix.Fstatfs(int(dir.Fd()), &fs) == nil && fs.Type == unix.CGROUP2_SUPER_MAGIC {
			c.cmd.SysProcAttr.UseCgroupFD, c.cmd.SysProcAttr.CgroupFD = true, int(dir.Fd())
		}
	}
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		c.Close()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.cgroup, "cgroup.procs"), []byte(strconv.Itoa(c.PID())), 0o644); err != nil {
		c.Close()
		return nil, fmt.Errorf("moving the container into its cgroup: %w", err)
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
	if err := n.SetState(ctx, pod, name, "containerd://"+c.ID, running, corev1.PodRunning); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Release lets the container exec its script.
func (c *Container) Release() error {
	_, err := c.stdin.Write([]byte{'\n'})
	return err
}

// Exit waits until the container's script has ended and reports it
// Terminated, with the pod in phase (unchanged if "").
func (n *Node) Exit(ctx context.Context, pod *corev1.Pod, c *Container, phase corev1.PodPhase) error {
	c.waited = true
	if err := c.cmd.Wait(); err != nil {
		return fmt.Errorf("container %s: %w", c.Name, err)
	}
	done := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: "Completed", FinishedAt: metav1.Now(), ContainerID: "containerd://" + c.ID}}
	return n.SetState(ctx, pod, c.Name, "containerd://"+c.ID, done, phase)
}

// Close kills the container if it still runs and removes its cgroup.
func (c *Container) Close() {
	if c.cmd != nil && c.cmd.Process != nil && !c.waited {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
	if c.cgroup != "" {
		_ = os.Remove(c.cgroup)
		_ = os.Remove(filepath.Dir(c.cgroup)) // the shared parent, once empty
	}
}

// SetState writes one container's status, as the kubelet does.
func (n *Node) SetState(ctx context.Context, pod *corev1.Pod, name, id string, state corev1.ContainerState,
	phase corev1.PodPhase) error {
	status := corev1.ContainerStatus{Name: name, ContainerID: id, State: state, Ready: state.Running != nil,
		Image: "example.com/app:1", ImageID: "example.com/app@sha256:" + hex.EncodeToString(make([]byte, 32))}
	return wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		cur := &corev1.Pod{}
		if err := n.Client.Get(ctx, client.ObjectKeyFromObject(pod), cur); err != nil {
			return false, err
		}
		if phase != "" {
			cur.Status.Phase = phase
		}
		replaced := false
		for i := range cur.Status.ContainerStatuses {
			if cur.Status.ContainerStatuses[i].Name == name {
				cur.Status.ContainerStatuses[i], replaced = status, true
			}
		}
		if !replaced {
			cur.Status.ContainerStatuses = append(cur.Status.ContainerStatuses, status)
		}
		// A conflict means another writer got there first: read and retry.
		return n.Client.Status().Update(ctx, cur) == nil, nil
	})
}

// seccompFile is the node file of the Localhost seccomp profile the
// container's (or else the pod's) securityContext names, or "".
func (n *Node) seccompFile(pod *corev1.Pod, name string) string {
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
	return filepath.Join(n.KubeletDir, "seccomp", *profile.LocalhostProfile)
}

func waitForFile(ctx context.Context, path string) error {
	return wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
		_, err := os.Stat(path)
		return err == nil, nil
	})
}

// CgroupRoot is a cgroup hierarchy processes can be moved in: the unified
// (v2) one at /sys/fs/cgroup or beside the v1 controllers, else the v1 pids
// hierarchy. Only the path matters to the recorders.
func CgroupRoot() (string, error) {
	for _, dir := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/pids"} {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("no cgroup hierarchy with cgroup.procs under /sys/fs/cgroup")
}

func newContainerID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
