package bpfrecorder

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/secprofiles/spo/daemon/containerid"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// The real server and the real kernel: a child in a new mount namespace
// stands in for a container. Its cgroup cannot be made to look like a
// runtime's, so the container id → pids step is replaced, and only it.
func TestGRPCRecordsAChildInItsOwnMountNamespace(t *testing.T) {
	needRootForGRPC(t)
	if _, err := os.Stat(DefaultBTFPath); err != nil {
		skipOrFailGRPC(t, "no kernel BTF: "+err.Error())
	}
	// The child waits for a line, then runs sync -f, whose syncfs(2) no
	// shell makes on its own.
	child := exec.Command("/bin/sh", "-c", "read _ && exec /bin/sync -f /")
	child.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()

	const fakeID = "0000000000000000000000000000000000000000000000000000000000000001"
	pids := func(id string) ([]int, error) {
		if id == fakeID {
			return []int{child.Process.Pid}, nil
		}
		return containerid.PidsOf("/proc", id)
	}
	c, _ := serve(t, ServerConfig{Node: "test", Pids: pids})
	ctx := context.Background()

	start, err := c.Start(ctx, &pb.StartRequest{ContainerId: fakeID, Profile: "child"})
	if status.Code(err) == codes.Unavailable {
		skipOrFailGRPC(t, err.Error()) // the kernel lacks a feature; the message names it
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}

	// The child has exited: its namespace's data must still be there.
	got, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: fakeID})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"execve", "syncfs"} {
		if !slices.Contains(got.GetSyscalls(), want) {
			t.Errorf("recorded syscalls %v lack %s", got.GetSyscalls(), want)
		}
	}
	if got.GetMountNamespace() != start.GetMountNamespace() || got.GetArchitecture() == "" {
		t.Errorf("response = %v; want mount namespace %d and an architecture", got, start.GetMountNamespace())
	}
	if !slices.ContainsFunc(got.GetExecutables(), func(p string) bool { return strings.HasSuffix(p, "/sync") }) {
		t.Errorf("executables %v lack sync", got.GetExecutables())
	}

	_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: strings.Repeat("d", 64)})
	wantCode(t, err, codes.NotFound, strings.Repeat("d", 64))

	if _, err := c.Stop(ctx, &pb.StopRequest{ContainerId: fakeID, Profile: "child"}); err != nil {
		t.Fatal(err)
	}
	// Released: the program is detached and nothing can be asked for.
	_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: fakeID})
	wantCode(t, err, codes.FailedPrecondition, "not started")
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
