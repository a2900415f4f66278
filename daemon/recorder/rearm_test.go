package recorder_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/recorder"
)

func TestNeedsRearm(t *testing.T) {
	armed := recorder.State{Recorder: v1.RecorderBpf, ProgramRef: true, ContainerRef: true, BpfInstance: "a"}
	for name, tt := range map[string]struct {
		st       recorder.State
		instance string
		want     bool
	}{
		"re-arms a recording held by an earlier bpf recorder": {armed, "b", true},
		"leaves a recording held by the running bpf recorder": {armed, "a", false},
		"leaves a finished recording":                         {func() recorder.State { s := armed; s.Done = true; return s }(), "b", false},
		"leaves a recording that holds nothing yet": {
			recorder.State{Recorder: v1.RecorderBpf, BpfInstance: "a"}, "b", false},
		"leaves a Logs recording": {
			func() recorder.State { s := armed; s.Recorder = v1.RecorderLogs; return s }(), "b", false},
		"decides nothing when the running instance is unknown": {armed, "", false},
		"decides nothing for a record from before instances were kept": {
			func() recorder.State { s := armed; s.BpfInstance = ""; return s }(), "b", false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := recorder.NeedsRearm(&tt.st, tt.instance); got != tt.want {
				t.Errorf("NeedsRearm = %v, want %v", got, tt.want)
			}
		})
	}
}

// A bpf recorder that restarts forgets every container; the daemon takes
// the references again from the new one, and the profile says it has a gap.
func TestBpfRecorderRestartIsReArmedAndTheProfileSaysSo(t *testing.T) {
	pod := recordedPod("web", "io.containers.trace-bpf/", bpfKey)
	h := newHarness(t, profileRecording(v1.MergeNone, false), pod)
	h.bpf.syscalls[cid] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"read"}, Architecture: "SCMP_ARCH_X86_64"}
	instance := "run-1"
	r := h.reconciler()
	r.Services = instancedServices{fakeServices{bpf: h.bpf, enricher: h.enr, instance: &instance}}

	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	instance = "run-2"
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	start := []string{"Start(," + bpfKey + ")", "Start(" + cid + "," + bpfKey + ")"}
	if want := append(slices.Clone(start), start...); !slices.Equal(h.bpf.calls, want) {
		t.Fatalf("calls = %q\nwant %q (the references taken again from the new recorder)", h.bpf.calls, want)
	}
	if !h.hasEvent(recorder.ReasonRecordingGap) {
		t.Errorf("events = %q, want %s", h.events.events, recorder.ReasonRecordingGap)
	}
	// Nothing more to re-arm while the same recorder runs.
	if err := h.reconcile(r, "web"); err != nil || len(h.bpf.calls) != 4 {
		t.Fatalf("calls = %q, %v; want no new Start", h.bpf.calls, err)
	}

	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}})
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	profiles := h.profiles()
	if len(profiles) != 1 || profiles[0].Annotations[v1.AnnotationRecordingGap] != "app" {
		t.Fatalf("profiles = %+v, want one annotated %s=app", profiles, v1.AnnotationRecordingGap)
	}
}

// failingBpf answers every collection with an internal error.
type failingBpf struct{ *fakeBpf }

func (f failingBpf) SyscallsForContainer(context.Context, *bpfrecorderv1.ContainerRequest, ...grpc.CallOption) (*bpfrecorderv1.SyscallsResponse, error) {
	return nil, status.Error(codes.Internal, "broken")
}

type failingServices struct{ fakeServices }

func (s failingServices) BpfRecorder() (bpfrecorderv1.BpfRecorderClient, error) {
	return failingBpf{s.bpf}, nil
}

// A gone pod whose recording cannot be collected does not leave its state
// file behind for good: after MaxGoneAttempts it is given up, with an Event.
func TestAGonePodsRecordIsRemovedEvenWhenCollectingKeepsFailing(t *testing.T) {
	pod := recordedPod("web", "io.containers.trace-bpf/", bpfKey)
	h := newHarness(t, profileRecording(v1.MergeNone, false), pod)
	r := h.reconciler()
	r.Services = failingServices{fakeServices{bpf: h.bpf}}
	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	if err := h.k8s.Delete(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < recorder.MaxGoneAttempts; i++ {
		if err := h.reconcile(r, "web"); err == nil {
			t.Fatalf("attempt %d succeeded, want the collection error", i)
		}
		if st, _ := h.store.List(); len(st) != 1 {
			t.Fatalf("attempt %d: records = %d, want the record kept for a retry", i, len(st))
		}
	}
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatalf("the last attempt: %v, want the record given up", err)
	}
	if st, _ := h.store.List(); len(st) != 0 {
		t.Errorf("records = %+v, want none", st)
	}
	if !h.hasEvent(recorder.ReasonRecordingAbandoned) {
		t.Errorf("events = %q, want %s", h.events.events, recorder.ReasonRecordingAbandoned)
	}
}
