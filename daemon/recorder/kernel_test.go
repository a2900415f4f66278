package recorder_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/bpfrecorder"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/test/kubelet"
)

// The real bpf recorder on the real kernel, restarted in the middle of a
// recording: the daemon re-arms the recording with the new recorder, the
// container's later syscalls are recorded, and the profile says it has a
// gap. A child in a new mount namespace stands in for the container; only
// its cgroup is named as containerd names a container's.
// The API server is the fake client of the table tests: what is under test
// is the daemon and the bpf recorder.
func TestKernelBpfRecorderRestartMidRecording(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN for CLONE_NEWNS)")
	}
	if _, err := os.Stat(bpfrecorder.DefaultBTFPath); err != nil {
		skipOrFail(t, "no kernel BTF: "+err.Error())
	}
	// As runc does: the container's process is in its cgroup before it
	// unshares its mount namespace (here, once released).
	const id = "00000000000000000000000000000000000000000000000000000000000000aa"
	root, err := kubelet.CgroupRoot()
	if err != nil {
		skipOrFail(t, err.Error())
	}
	cgroup := filepath.Join(root, "cri-containerd-"+id+".scope")
	if err := os.Mkdir(cgroup, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cgroup)
	child := exec.Command("/bin/sh", "-c", "read _ && exec unshare -m /bin/sync -f /")
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	if err := os.WriteFile(filepath.Join(cgroup, "cgroup.procs"), []byte(strconv.Itoa(child.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "bpf-recorder.sock")
	stopA := serveRecorder(t, sock)

	pod := recordedPod("web", "io.containers.trace-bpf/", bpfKey)
	h := newHarness(t, profileRecording(v1.MergeNone, false), pod)
	sockets := &recorder.Sockets{BpfRecorderPath: sock}
	t.Cleanup(func() { _ = sockets.Close() })
	r := h.reconciler()
	r.Services = sockets
	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + id,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	reconcileUntilOK(t, h, r)
	if st, _, _ := h.store.Load(pod.UID, "app"); st == nil || !st.ContainerRef {
		t.Fatalf("record = %+v, want the container registered", st)
	}

	stopA()
	serveRecorder(t, sock)
	// The new recorder knows nothing: the daemon must register again
	// (retried as the controller would while gRPC reconnects).
	reconcileUntilOK(t, h, r)
	if !h.hasEvent(recorder.ReasonRecordingGap) {
		t.Fatalf("events = %q, want %s", h.events.events, recorder.ReasonRecordingGap)
	}

	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + id,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}})
	reconcileUntilOK(t, h, r)

	profiles := h.profiles()
	if len(profiles) != 1 {
		t.Fatalf("profiles = %d, want 1 (events %q)", len(profiles), h.events.events)
	}
	p := profiles[0]
	if p.Annotations[v1.AnnotationRecordingGap] != "app" {
		t.Errorf("annotations = %v, want %s=app", p.Annotations, v1.AnnotationRecordingGap)
	}
	if len(p.Spec.Syscalls) == 0 || !slices.Contains(p.Spec.Syscalls[0].Names, "syncfs") {
		t.Errorf("syscalls = %+v, want syncfs, made after the restart", p.Spec.Syscalls)
	}
}

func skipOrFail(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", reason)
	}
	t.Skip(reason)
}

// serveRecorder runs a bpf recorder on sock until the returned stop (or
// the test's end) and waits for it to listen.
func serveRecorder(t *testing.T, sock string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan struct{})
	done := make(chan error, 1)
	srv := bpfrecorder.NewServer(bpfrecorder.ServerConfig{Node: "test",
		OnListening: func() { close(listening) }})
	go func() { done <- srv.Serve(ctx, sock) }()
	select {
	case <-listening:
	case err := <-done:
		cancel()
		t.Fatalf("Serve: %v", err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// reconcileUntilOK reconciles like the controller: errors (a gRPC
// connection still reconnecting to a new socket) are retried.
func reconcileUntilOK(t *testing.T, h *harness, r *recorder.Reconciler) {
	t.Helper()
	var err error
	for range 100 {
		if err = h.reconcile(r, "web"); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("Reconcile kept failing: %v", err)
}
