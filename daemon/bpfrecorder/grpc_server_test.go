package bpfrecorder

import (
	"context"
	"fmt"
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
// path is tested in grpc_kernel_test.go. Container i of the load's list was
// born in mount namespace 4026532100+i, with namespace id i+1.
type fakeRecording struct {
	mu      sync.Mutex
	born    map[string]Namespace
	dropped map[uint64]bool
	swept   []string // containers whose recording SweepBorn dropped
	closed  bool
}

func (f *fakeRecording) Born(id string) ([]Namespace, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ns, ok := f.born[id]
	if !ok || f.dropped[ns.ID] {
		return nil, nil
	}
	return []Namespace{ns}, nil
}

func (f *fakeRecording) namespace(id uint64) (Namespace, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ns := range f.born {
		if ns.ID == id && !f.dropped[id] {
			return ns, nil
		}
	}
	return Namespace{}, fmt.Errorf("namespace id %d: %w", id, ErrNotRecorded)
}

func (f *fakeRecording) BornSyscalls(id uint64, _ seccomp.ScmpArch) ([]string, error) {
	ns, err := f.namespace(id)
	if err != nil {
		return nil, err
	}
	return []string{"read", fmt.Sprintf("ns%d", ns.MntNS)}, nil
}

func (f *fakeRecording) BornExecutables(id uint64) ([]string, uint64, error) {
	_, err := f.namespace(id)
	return []string{"/bin/true"}, 0, err
}

func (f *fakeRecording) BornAppArmor(id uint64) (AppArmor, error) {
	_, err := f.namespace(id)
	return AppArmor{Files: map[string]uint8{"/etc/hostname": AccessRead}, TCP: true}, err
}

func (f *fakeRecording) AppArmorLimits() []string { return nil }

func (f *fakeRecording) DropBorn(id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropped[id] = true
	return nil
}

func (f *fakeRecording) SweepBorn(keep func(string) bool, _ time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for cid, ns := range f.born {
		if !keep(cid) && !f.dropped[ns.ID] {
			f.dropped[ns.ID] = true
			f.swept = append(f.swept, cid)
			n++
		}
	}
	return n, nil
}

func (f *fakeRecording) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeRecording) isDropped(containerID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropped[f.born[containerID].ID]
}

// loads counts the recorders a server loaded; the last one is current.
type loads struct {
	mu         sync.Mutex
	recs       []*fakeRecording
	err        error
	containers []string // born in every recorder loaded
}

func (l *loads) load() (Recording, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	r := &fakeRecording{born: map[string]Namespace{}, dropped: map[uint64]bool{}}
	for i, id := range l.containers {
		r.born[id] = Namespace{ID: uint64(i + 1), MntNS: 4026532100 + uint32(i), ContainerID: id}
	}
	l.recs = append(l.recs, r)
	return r, nil
}

func (l *loads) last() *fakeRecording {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recs[len(l.recs)-1]
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

func wantCode(t *testing.T, err error, code codes.Code, inMsg string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), inMsg) {
		t.Fatalf("err = %v, want %s mentioning %q", err, code, inMsg)
	}
}

func TestServerLoadsOnFirstStartAndClosesOnLastStop(t *testing.T) {
	l := loads{containers: []string{idA}}
	c, _ := serve(t, ServerConfig{Node: "n1", Load: l.load})
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
	l := loads{containers: []string{idA, idB}}
	c, _ := serve(t, ServerConfig{Node: "n1", Load: l.load})
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
	if !slices.Equal(got.GetSyscalls(), []string{"ns4026532100", "read"}) || got.GetMountNamespace() != 4026532100 ||
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

	// A container nobody started is answered, not kept for anyone.
	other, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idB})
	if err != nil || !slices.Equal(other.GetSyscalls(), []string{"ns4026532101", "read"}) {
		t.Fatalf("SyscallsForContainer(not started) = %v, %v", other, err)
	}
	_, err = c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: strings.Repeat("c", 64)})
	wantCode(t, err, codes.NotFound, "no process of the container made a syscall")
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
	l := loads{containers: []string{idA, idB}}
	c, _ := serve(t, ServerConfig{Node: "n1", Load: l.load})
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

func TestServerKeepsWhatItWasAskedForAndSweepsTheRest(t *testing.T) {
	l := loads{containers: []string{idA, idB}}
	c, _ := serve(t, ServerConfig{Node: "n1", Load: l.load, ClaimWindow: 10 * time.Millisecond})
	ctx := context.Background()
	// idA's id reached the daemon (Start); idB's never did.
	if _, err := c.Start(ctx, &pb.StartRequest{ContainerId: idA, Profile: "web"}); err != nil {
		t.Fatal(err)
	}
	rec := l.last()
	for deadline := time.Now().Add(30 * time.Second); !rec.isDropped(idB); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the recording of a container nobody started was never swept")
		}
	}
	if rec.isDropped(idA) || slices.Contains(rec.swept, idA) {
		t.Fatal("the sweep dropped a container that was started")
	}
	if _, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idA}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stop(ctx, &pb.StopRequest{ContainerId: idA, Profile: "web"}); err != nil {
		t.Fatal(err)
	}
}

func TestStopForgetsTheContainerButKeepsOtherRecordings(t *testing.T) {
	l := loads{containers: []string{idA}}
	c, _ := serve(t, ServerConfig{Node: "n1", Load: l.load})
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
	if n, closed := l.snapshot(); !l.last().isDropped(idA) || n != 1 || closed {
		t.Fatalf("after Stop of the container: dropped=%v closed=%v; want dropped, recorder still open", l.last().isDropped(idA), closed)
	}
	_, err := c.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: idA})
	wantCode(t, err, codes.NotFound, "no process of the container made a syscall")
}
