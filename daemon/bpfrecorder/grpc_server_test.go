package bpfrecorder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	seccomp "github.com/seccomp/libseccomp-golang"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// fakeRecording stands in for the kernel in tests of the service's
// plumbing (reference counting, registration, status codes); the kernel
// path is tested in grpc_kernel_test.go.
type fakeRecording struct {
	mu      sync.Mutex
	tracked map[uint32]bool // value: still tracked (false = forgotten)
	closed  bool
}

func (f *fakeRecording) Track(ns uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tracked[ns] = true
	return nil
}

func (f *fakeRecording) Forget(ns uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tracked[ns] = false
	return nil
}

func (f *fakeRecording) Syscalls(ns uint32, _ seccomp.ScmpArch) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tracked[ns] {
		return nil, fmt.Errorf("mount namespace %d: %w", ns, ErrNotRecorded)
	}
	return []string{"read", fmt.Sprintf("ns%d", ns)}, nil
}

func (f *fakeRecording) Executables(uint32) ([]string, error) { return []string{"/bin/true"}, nil }

func (f *fakeRecording) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// loads counts the recorders a server loaded; the last one is current.
type loads struct {
	mu   sync.Mutex
	recs []*fakeRecording
	err  error
}

func (l *loads) load() (Recording, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	r := &fakeRecording{tracked: map[uint32]bool{}}
	l.recs = append(l.recs, r)
	return r, nil
}

func (l *loads) snapshot() (n int, lastClosed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recs) == 0 {
		return 0, true
	}
	last := l.recs[len(l.recs)-1]
	last.mu.Lock()
	defer last.mu.Unlock()
	return len(l.recs), last.closed
}

// serve runs srv on a socket in a temporary directory and dials it.
func serve(t *testing.T, cfg ServerConfig) (*Client, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "r.sock")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(cfg).Serve(ctx, sock) }()
	dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
	defer dcancel()
	c, err := Dial(dctx, sock)
	if err != nil {
		cancel()
		t.Fatalf("Dial: %v (server: %v)", err, <-done)
	}
	t.Cleanup(func() {
		c.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return c, sock
}

// fakeContainers makes a fake /proc with one process per container id,
// each in its own mount namespace, numbered from 4026532100.
func fakeContainers(t *testing.T, ids ...string) string {
	procs, ns := map[int]string{}, map[int]uint32{}
	for i, id := range ids {
		procs[100+i] = "0::/kubepods.slice/cri-containerd-" + id + ".scope\n"
		ns[100+i] = 4026532100 + uint32(i)
	}
	return fakeProc(t, procs, ns)
}

func wantCode(t *testing.T, err error, code codes.Code, inMsg string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), inMsg) {
		t.Fatalf("err = %v, want %s mentioning %q", err, code, inMsg)
	}
}

func TestServerLoadsOnFirstStartAndClosesOnLastStop(t *testing.T) {
	var l loads
	c, _ := serve(t, ServerConfig{Node: "n1", ProcRoot: fakeContainers(t, idA), Load: l.load})
	ctx := context.Background()

	if n, _ := l.snapshot(); n != 0 {
		t.Fatalf("loaded %d recorders before any Start", n)
	}
	for range 2 {
		if _, err := c.Start(ctx, &pb.StartRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if n, closed := l.snapshot(); n != 1 || closed {
		t.Fatalf("after two Starts: %d loads, closed=%v; want one open recorder", n, closed)
	}
	if _, err := c.Stop(ctx, &pb.StopRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, closed := l.snapshot(); closed {
		t.Fatal("the first Stop closed the recorder another Start still uses")
	}
	if _, err := c.Stop(ctx, &pb.StopRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, closed := l.snapshot(); !closed {
		t.Fatal("the last Stop left the recorder attached")
	}
	_, err := c.Stop(ctx, &pb.StopRequest{})
	wantCode(t, err, codes.FailedPrecondition, "not started")
	_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idA})
	wantCode(t, err, codes.FailedPrecondition, "call Start first")
}

func TestServerRecordsAContainerUntilStopped(t *testing.T) {
	var l loads
	c, _ := serve(t, ServerConfig{Node: "n1", ProcRoot: fakeContainers(t, idA, idB), Load: l.load})
	ctx := context.Background()
	before := collections(t, "n1", "4026532100", "p-a")

	start, err := c.Start(ctx, &pb.StartRequest{ContainerId: "containerd://" + idA, Profile: "p-a"})
	if err != nil || start.GetMountNamespace() != 4026532100 {
		t.Fatalf("Start = %v, %v; want mount namespace 4026532100", start, err)
	}
	got, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idA})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.GetSyscalls(), []string{"read", "ns4026532100"}) || got.GetMountNamespace() != 4026532100 ||
		!strings.HasPrefix(got.GetArchitecture(), "SCMP_ARCH_") || !slices.Equal(got.GetExecutables(), []string{"/bin/true"}) {
		t.Fatalf("SyscallsForContainer = %v", got)
	}
	if after := collections(t, "n1", "4026532100", "p-a"); after != before+1 {
		t.Errorf("seccomp_profile_bpf_total went from %v to %v, want +1", before, after)
	}
	byProfile, err := c.SyscallsForProfile(ctx, &pb.ProfileRequest{Profile: "p-a"})
	if err != nil || !slices.Equal(byProfile.GetContainerIds(), []string{idA}) {
		t.Fatalf("SyscallsForProfile = %v, %v", byProfile, err)
	}

	_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idB})
	wantCode(t, err, codes.NotFound, "not recorded")
	_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: strings.Repeat("c", 64)})
	wantCode(t, err, codes.NotFound, "no process of the container")
	_, err = c.SyscallsForProfile(ctx, &pb.ProfileRequest{Profile: "nobody"})
	wantCode(t, err, codes.NotFound, `profile "nobody"`)
	_, err = c.Stop(ctx, &pb.StopRequest{ContainerId: idB})
	wantCode(t, err, codes.NotFound, "no recording was started")

	if _, err := c.Stop(ctx, &pb.StopRequest{ContainerId: idA, Profile: "p-a"}); err != nil {
		t.Fatal(err)
	}
	if n, closed := l.snapshot(); n != 1 || !closed {
		t.Fatalf("after the last Stop: %d loads, closed=%v", n, closed)
	}
}

func TestServerUnitesTheContainersOfAProfile(t *testing.T) {
	var l loads
	c, _ := serve(t, ServerConfig{Node: "n1", ProcRoot: fakeContainers(t, idA, idB), Load: l.load})
	ctx := context.Background()
	for _, id := range []string{idB, idA} {
		if _, err := c.Start(ctx, &pb.StartRequest{ContainerId: id, Profile: "replicas"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.SyscallsForProfile(ctx, &pb.ProfileRequest{Profile: "replicas"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ns4026532100", "ns4026532101", "read"}
	if !slices.Equal(got.GetSyscalls(), want) || !slices.Equal(got.GetContainerIds(), []string{idA, idB}) ||
		got.GetMountNamespace() != 0 {
		t.Fatalf("SyscallsForProfile = %v; want syscalls %v from both containers", got, want)
	}
	_, err = c.Start(ctx, &pb.StartRequest{ContainerId: idA, Profile: "other"})
	wantCode(t, err, codes.AlreadyExists, `already recorded for profile "replicas"`)
}

func TestServerReportsTheMissingKernelFeature(t *testing.T) {
	l := loads{err: fmt.Errorf("%w at /nowhere: no such file", ErrNoBTF)}
	c, _ := serve(t, ServerConfig{Node: "n1", Load: l.load})
	_, err := c.Start(context.Background(), &pb.StartRequest{})
	wantCode(t, err, codes.Unavailable, "kernel BTF not found")
}

func TestDialReportsAMissingRecorder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, filepath.Join(t.TempDir(), "none.sock"))
	if err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("Dial = %v, want not reachable", err)
	}
}

// collections reads seccomp_profile_bpf_total for one set of labels.
func collections(t *testing.T, labels ...string) float64 {
	t.Helper()
	var m dto.Metric
	if err := bpfTotal.WithLabelValues(labels...).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestServerTracksAContainerStartedBeforeItRuns(t *testing.T) {
	var l loads
	root := fakeContainers(t) // no container yet, as while the pod is Pending
	c, _ := serve(t, ServerConfig{Node: "n1", ProcRoot: root, Load: l.load, PendingInterval: time.Millisecond})
	ctx := context.Background()
	start, err := c.Start(ctx, &pb.StartRequest{ContainerId: idA, Profile: "late"})
	if err != nil || start.GetMountNamespace() != 0 {
		t.Fatalf("Start = %v, %v; want no mount namespace yet", start, err)
	}

	// The container's first process appears.
	dir := filepath.Join(root, "300")
	must(t, os.MkdirAll(filepath.Join(dir, "ns"), 0o755))
	must(t, os.Symlink("mnt:[4026532300]", filepath.Join(dir, "ns", "mnt")))
	must(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte("0::/system.slice/docker-"+idA+".scope\n"), 0o644))

	l.mu.Lock()
	rec := l.recs[0]
	l.mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		rec.mu.Lock()
		tracked := rec.tracked[4026532300]
		rec.mu.Unlock()
		if tracked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the container's mount namespace was never tracked")
		}
	}
	if _, err := c.Stop(ctx, &pb.StopRequest{ContainerId: idA, Profile: "late"}); err != nil {
		t.Fatal(err)
	}
}

func TestStopForgetsTheContainerButKeepsOtherRecordings(t *testing.T) {
	var l loads
	c, _ := serve(t, ServerConfig{Node: "n1", ProcRoot: fakeContainers(t, idA), Load: l.load})
	ctx := context.Background()
	if _, err := c.Start(ctx, &pb.StartRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Start(ctx, &pb.StartRequest{ContainerId: idA}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stop(ctx, &pb.StopRequest{ContainerId: idA}); err != nil {
		t.Fatal(err)
	}
	rec := l.recs[0]
	rec.mu.Lock()
	tracked, known := rec.tracked[4026532100]
	closed := rec.closed
	rec.mu.Unlock()
	if tracked || !known || closed {
		t.Fatalf("after Stop of the container: tracked=%v known=%v closed=%v; want forgotten, recorder still open", tracked, known, closed)
	}
	_, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idA})
	wantCode(t, err, codes.NotFound, "not recorded")
}
