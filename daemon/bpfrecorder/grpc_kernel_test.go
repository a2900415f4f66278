package bpfrecorder

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// The real server and the real kernel: a shell placed in a cgroup named as
// containerd names a container's starts a process in a new mount namespace
// (as runc does: cgroup first, then unshare) that runs for microseconds and
// exits before the server hears of the container's id, as with a real
// kubelet, which publishes the id only after the container ran. Every
// cgroup hierarchy the host has with cgroup.procs is tried: the recorder
// names the container from the v2 cgroup or from the v1 memory one.
func TestGRPCRecordsAContainerThatExitedBeforeItsIDWasKnown(t *testing.T) {
	forModes(t, testGRPCShortContainer)
}

func testGRPCShortContainer(t *testing.T, mode Kind) {
	needRootForGRPC(t)
	if _, err := os.Stat(DefaultBTFPath); err != nil && mode == KindBTF {
		skipOrFailGRPC(t, "no kernel BTF: "+err.Error())
	}
	hierarchies := cgroupHierarchies()
	if len(hierarchies) == 0 {
		skipOrFailGRPC(t, "no cgroup hierarchy with cgroup.procs under /sys/fs/cgroup")
	}
	c, _ := serve(t, ServerConfig{Node: "test", Options: withMode(mode, Options{})})
	ctx := context.Background()
	// Start without a container, as the daemon does while the pod is Pending.
	if _, err := c.Start(ctx, &pb.StartRequest{}); status.Code(err) == codes.Unavailable {
		skipOrFailGRPC(t, err.Error()) // the kernel lacks a feature; the message names it
	} else if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx, &pb.StopRequest{})
	for i, h := range hierarchies {
		t.Run(filepath.Base(h), func(t *testing.T) {
			id := fmt.Sprintf("%063x%d", 0xbeef, i)
			runContainer(t, filepath.Join(h, "cri-containerd-"+id+".scope"),
				`exec unshare -m /bin/sh -c "/bin/sync -f /; exec /bin/true"`)

			start, err := c.Start(ctx, &pb.StartRequest{ContainerId: "containerd://" + id, Profile: "short"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: id})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"execve", "syncfs", "exit_group"} {
				if !slices.Contains(got.GetSyscalls(), want) {
					t.Errorf("recorded syscalls %v lack %s", got.GetSyscalls(), want)
				}
			}
			if got.GetMountNamespace() == 0 || got.GetMountNamespace() != start.GetMountNamespace() {
				t.Errorf("response = %v; want the mount namespace Start reported (%d)", got, start.GetMountNamespace())
			}
			for _, exe := range []string{"/bin/sh", "/bin/sync", "/bin/true"} {
				if !slices.Contains(got.GetExecutables(), exe) {
					t.Errorf("executables %v lack %s", got.GetExecutables(), exe)
				}
			}
			if _, err := c.Stop(ctx, &pb.StopRequest{ContainerId: id, Profile: "short"}); err != nil {
				t.Fatal(err)
			}
			_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: id})
			wantCode(t, err, codes.NotFound, "no process of the container made a syscall")
		})
	}
}

// runContainer runs script in /bin/sh moved into a new cgroup dir first,
// waits for it, and removes the cgroup.
func runContainer(t *testing.T, cgroup, script string) {
	t.Helper()
	must(t, os.Mkdir(cgroup, 0o755))
	defer os.Remove(cgroup)
	sh := exec.Command("/bin/sh", "-c", "read _ && "+script)
	stdin, err := sh.StdinPipe()
	must(t, err)
	out := &strings.Builder{}
	sh.Stdout, sh.Stderr = out, out
	must(t, sh.Start())
	defer sh.Process.Kill()
	must(t, os.WriteFile(filepath.Join(cgroup, "cgroup.procs"), []byte(strconv.Itoa(sh.Process.Pid)), 0o644))
	_, err = stdin.Write([]byte("go\n"))
	must(t, err)
	if err := sh.Wait(); err != nil {
		t.Fatalf("container: %v: %s", err, out)
	}
}

// cgroupHierarchies are the host's cgroup v2 hierarchy (at /sys/fs/cgroup
// or beside v1 controllers) and its v1 memory one, where they exist.
func cgroupHierarchies() []string {
	var out []string
	for _, dir := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory"} {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			out = append(out, dir)
		}
	}
	return out
}

// needRootForGRPC skips (or, with CI=true, fails) without root: loading BPF
// needs CAP_BPF and CAP_PERFMON, and CLONE_NEWNS needs CAP_SYS_ADMIN.
func needRootForGRPC(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFailGRPC(t, "needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN for CLONE_NEWNS)")
	}
}

func skipOrFailGRPC(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", reason)
	}
	t.Skip(reason)
}
