package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Down stops the cluster and removes everything Up made (see the package
// doc). It goes on past errors, so that one stuck part does not leave the
// rest behind, and returns them all.
//
// Pods are removed the way a node is drained, through the API while the
// kubelet still runs: the kubelet then stops their containers, unmounts
// their volumes and has the CNI plugins release their addresses and
// veths. The controllers stop first so nothing recreates them. What a
// dead API server or kubelet leaves is swept afterwards.
func Down(ctx context.Context) error {
	if os.Geteuid() != 0 {
		return errors.New("removing a node needs root")
	}
	b := RecordedBinaries()
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	add(stop(ControllerManager, 30*time.Second))
	add(stop(Scheduler, 30*time.Second))
	add(drainPods(ctx))
	add(stop(Kubelet, 30*time.Second))
	add(killContainers())
	add(stop(Containerd, 30*time.Second))
	add(stop(KubeProxy, 30*time.Second))
	add(cleanupKubeProxy(ctx, b))
	add(stop(APIServer, 30*time.Second))
	add(stop(Etcd, 30*time.Second))
	add(unmountAll())
	add(removeCgroups())
	add(removeBridge(ctx))
	add(restoreHost())
	for _, d := range []string{StateDir, RunDir} {
		add(os.RemoveAll(d))
	}
	return errors.Join(errs...)
}

// drainPods deletes every pod and waits until the kubelet has let them
// go (they leave the API only then).
func drainPods(ctx context.Context) error {
	if _, ok := running(APIServer); !ok {
		return nil
	}
	if _, ok := running(Kubelet); !ok {
		return nil
	}
	cs, err := adminClient()
	if err != nil {
		return err
	}
	del := metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](5)}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("draining pods: %w", err)
		}
		if len(pods.Items) == 0 {
			return nil
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				_ = cs.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, del)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("draining pods: %d left: %w", len(pods.Items), ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// killContainers ends whatever runs in the kubelet's cgroups and the
// shims containerd recorded, for a kubelet that could not drain its
// pods. Both pid sources are the kernel's and containerd's own records.
func killContainers() error {
	pids := podProcesses()
	shims, _ := filepath.Glob(filepath.Join(containerdState, "io.containerd.runtime.v2.task", "*", "*", "shim.pid"))
	for _, f := range shims {
		pids = append(pids, readPids(f)...)
	}
	var stuck []int
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, pid := range pids {
		if !waitGone(pid, 10*time.Second) {
			stuck = append(stuck, pid)
		}
	}
	if len(stuck) > 0 {
		return fmt.Errorf("processes survived SIGKILL: %v", stuck)
	}
	return nil
}

func readPids(path string) []int {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cleanupKubeProxy removes kube-proxy's nftables tables (and any iptables
// or IPVS rules of other modes), with kube-proxy's own cleanup.
func cleanupKubeProxy(ctx context.Context, b Binaries) error {
	if _, err := os.Stat(b.path("kube-proxy")); b.Node == "" || err != nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, b.path("kube-proxy"), "--cleanup").CombinedOutput()
	if err != nil {
		return fmt.Errorf("kube-proxy --cleanup: %w: %s", err, out)
	}
	return nil
}

// unmountAll unmounts every mount under the cluster's directories
// (volumes, container root filesystems, network namespaces, shm), the
// deepest first.
func unmountAll() error {
	var errs []error
	for _, m := range ourMounts() {
		if err := syscall.Unmount(m, 0); err != nil && !errors.Is(err, syscall.EINVAL) {
			// Busy: detach it, so it goes once its last user does.
			if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
				errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
			}
		}
	}
	return errors.Join(errs...)
}

// removeCgroups removes the kubelet's pod cgroups in every hierarchy,
// children first (a cgroup can only be removed once empty).
func removeCgroups() error {
	var errs []error
	for _, dir := range kubepodsDirs() {
		var dirs []string
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := syscall.Rmdir(dirs[i]); err != nil && !errors.Is(err, syscall.ENOENT) {
				errs = append(errs, fmt.Errorf("rmdir %s: %w", dirs[i], err))
			}
		}
	}
	return errors.Join(errs...)
}

func removeBridge(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join("/sys/class/net", Bridge)); err != nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "ip", "link", "delete", Bridge).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip link delete %s: %w: %s", Bridge, err, out)
	}
	return nil
}
