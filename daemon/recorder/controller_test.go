package recorder_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/recording"
)

// These tests drive the decisions of Reconcile against a fake API server
// and fake node services: which calls are made in which order, and that
// profiles appear exactly once. The real services and API server are
// exercised by the end-to-end test.

const (
	ns      = "shop"
	recName = "rec"
	bpfKey  = "rec_app_ab12c_1700000000"
	cid     = "0123abcd"
)

type harness struct {
	t      *testing.T
	k8s    client.Client
	bpf    *fakeBpf
	enr    *fakeEnricher
	events *eventLog
	store  recorder.Store
}

func newHarness(t *testing.T, objs ...client.Object) *harness {
	t.Helper()
	h := &harness{
		t:      t,
		bpf:    &fakeBpf{syscalls: map[string]*bpfrecorderv1.SyscallsResponse{}},
		enr:    &fakeEnricher{syscalls: map[string][]string{}},
		events: &eventLog{},
		store:  recorder.Store{Dir: t.TempDir()},
	}
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{v1.LabelEnableRecording: ""}}}
	objs = append(objs, namespace)
	h.k8s = fake.NewClientBuilder().WithScheme(controlplane.Scheme()).WithObjects(objs...).Build()
	return h
}

// reconciler is a fresh daemon: nothing but the state directory survives
// from one to the next.
func (h *harness) reconciler() *recorder.Reconciler {
	return &recorder.Reconciler{
		Client: h.k8s, APIReader: h.k8s, Events: h.events, Store: h.store,
		Services: fakeServices{bpf: h.bpf, enricher: h.enr}, AuditSettle: -1,
	}
}

func (h *harness) reconcile(r *recorder.Reconciler, pod string) error {
	h.t.Helper()
	_, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: pod}})
	return err
}

func profileRecording(merge v1.MergeStrategy, disable bool) *v1.ProfileRecording {
	return &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: recName, UID: "rec-uid"},
		Spec: v1.ProfileRecordingSpec{
			Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf, MergeStrategy: merge,
			DisableProfileAfterRecording: disable,
		},
	}
}

func recordedPod(name, prefix, value string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, UID: types.UID("uid-" + name),
			Annotations: map[string]string{prefix + "app": value},
		},
		// Run to completion, as recorded workloads usually are.
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "app", Image: "app"}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

func (h *harness) setStatus(pod *corev1.Pod, s corev1.ContainerStatus) {
	h.t.Helper()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{s}
	if err := h.k8s.Status().Update(context.Background(), pod); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) profiles() []v1.SeccompProfile {
	h.t.Helper()
	var list v1.SeccompProfileList
	if err := h.k8s.List(context.Background(), &list); err != nil {
		h.t.Fatal(err)
	}
	return list.Items
}

func (h *harness) hasEvent(reason string) bool {
	return slices.ContainsFunc(h.events.events, func(e string) bool { return strings.Contains(e, " "+reason+" ") })
}

func TestBpfRecordingFromPendingToProfile(t *testing.T) {
	pod := recordedPod("web", "io.containers.trace-bpf/", bpfKey)
	h := newHarness(t, profileRecording(v1.MergeNone, true), pod)
	h.bpf.syscalls[cid] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"read", "write"}, Architecture: "SCMP_ARCH_X86_64"}
	r := h.reconciler()

	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.bpf.calls, []string{"Start(," + bpfKey + ")"}) {
		t.Fatalf("at Pending, calls = %q; want only the program reference", h.bpf.calls)
	}
	if !h.hasEvent(recorder.ReasonRecordingStarted) {
		t.Errorf("events = %q, want %s", h.events.events, recorder.ReasonRecordingStarted)
	}

	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}})
	for range 2 { // the second pass must find the work done
		if err := h.reconcile(r, "web"); err != nil {
			t.Fatal(err)
		}
	}

	want := []string{
		"Start(," + bpfKey + ")", "Start(" + cid + "," + bpfKey + ")", "SyscallsForContainer(" + cid + ")",
		"Stop(" + cid + "," + bpfKey + ")", "Stop(," + bpfKey + ")",
	}
	if !slices.Equal(h.bpf.calls, want) {
		t.Errorf("calls = %q\nwant %q", h.bpf.calls, want)
	}
	profiles := h.profiles()
	if len(profiles) != 1 {
		t.Fatalf("profiles = %d, want 1", len(profiles))
	}
	p := profiles[0]
	switch {
	case p.Name != "rec-app":
		t.Errorf("name = %q, want rec-app", p.Name)
	case p.Annotations[recorder.AnnotationRecordedFrom] != bpfKey+"/uid-web":
		t.Errorf("annotations = %v", p.Annotations)
	case p.Labels[recordingmerger.LabelRecording] != recName || p.Labels[recordingmerger.LabelContainer] != "app" ||
		p.Labels[recordingmerger.LabelRecordingNamespace] != ns || p.Labels[v1.LabelPartial] != "":
		t.Errorf("labels = %v", p.Labels)
	case p.Spec.State != v1.ProfileDisabled:
		t.Errorf("state = %q, want Disabled (disableProfileAfterRecording)", p.Spec.State)
	case !slices.Equal(p.Spec.Syscalls[0].Names, withBase("SCMP_ARCH_X86_64", "read", "write")):
		t.Errorf("syscalls = %v", p.Spec.Syscalls)
	}
	if !h.hasEvent(recorder.ReasonProfileRecorded) {
		t.Errorf("events = %q, want %s", h.events.events, recorder.ReasonProfileRecorded)
	}

	// The record stays as a tombstone while the pod exists and goes with it.
	if st, _ := h.store.List(); len(st) != 1 || !st[0].Done {
		t.Errorf("records while the pod exists = %+v, want one done", st)
	}
	if err := h.k8s.Delete(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if err := h.reconcile(r, "web"); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.store.List(); len(st) != 0 {
		t.Errorf("records after the pod is gone = %+v, want none", st)
	}
}

// A daemon that restarts between the workload's end and collection finds
// the record and collects: the profile appears exactly once, also when the
// previous daemon created it but died before marking the record done.
func TestRestartCollectsExactlyOnce(t *testing.T) {
	for name, precreate := range map[string]bool{
		"the pod vanished while the daemon was down":                  false,
		"the daemon died after creating the profile, before clean-up": true,
	} {
		t.Run(name, func(t *testing.T) {
			pod := recordedPod("web", "io.containers.trace-bpf/", bpfKey)
			h := newHarness(t, profileRecording(v1.MergeNone, false), pod)
			h.bpf.syscalls[cid] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"read"}}
			h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
			if err := h.reconcile(h.reconciler(), "web"); err != nil {
				t.Fatal(err)
			}
			if precreate {
				st, _, _ := h.store.Load("uid-web", "app")
				obj, err := recorder.BuildProfile(st, recorder.Recorded{Syscalls: []string{"read"}})
				if err != nil || h.k8s.Create(context.Background(), obj) != nil {
					t.Fatal(err)
				}
			}
			if err := h.k8s.Delete(context.Background(), pod); err != nil {
				t.Fatal(err)
			}
			if err := h.reconcile(h.reconciler(), "web"); err != nil {
				t.Fatal(err)
			}
			if n := len(h.profiles()); n != 1 {
				t.Errorf("profiles = %d, want 1", n)
			}
			if st, _ := h.store.List(); len(st) != 0 {
				t.Errorf("records = %+v, want none", st)
			}
		})
	}
}

func TestEmptyRecordingMakesNoProfile(t *testing.T) {
	key := "rec_app_ab12c_1700000000"
	pod := recordedPod("web", "io.containers.trace-logs/", key)
	rec := profileRecording(v1.MergeNone, false)
	rec.Spec.Recorder = v1.RecorderLogs
	h := newHarness(t, rec, pod)
	pod.Status.Phase = corev1.PodSucceeded
	if err := h.k8s.Status().Update(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if err := h.reconcile(h.reconciler(), "web"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.profiles()); n != 0 {
		t.Errorf("profiles = %d, want 0", n)
	}
	if !h.hasEvent(recorder.ReasonRecordingEmpty) {
		t.Errorf("events = %q, want %s", h.events.events, recorder.ReasonRecordingEmpty)
	}
	if len(h.bpf.calls) != 0 {
		t.Errorf("a Logs recording called the bpf recorder: %q", h.bpf.calls)
	}
}

func TestLogsRecordingMergesReplicasWithoutGenerateName(t *testing.T) {
	keys := []string{"rec_app_aaaaa_1700000000", "rec_app_bbbbb_1700000000"}
	rec := profileRecording(v1.MergeNone, false)
	rec.Spec.Recorder = v1.RecorderLogs
	h := newHarness(t, rec)
	// The two replicas carry one pod name but not one UID, which is what
	// the log enricher keeps their records by.
	uids := []types.UID{"uid-a", "uid-b"}
	h.enr.syscalls[enricher.RecordingKey(uids[0], "app")] = []string{"read"}
	h.enr.syscalls[enricher.RecordingKey(uids[1], "app")] = []string{"write"}
	for i, key := range keys {
		pod := recordedPod("web", "io.containers.trace-logs/", key)
		pod.UID = uids[i]
		pod.Status.Phase = corev1.PodSucceeded
		if err := h.k8s.Create(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
		if err := h.reconcile(h.reconciler(), "web"); err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		if err := h.k8s.Delete(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
	}
	profiles := h.profiles()
	if len(profiles) != 1 || !slices.Equal(profiles[0].Spec.Syscalls[0].Names, withBase("SCMP_ARCH_X86_64", "read", "write")) {
		t.Errorf("profiles = %+v, want one rec-app allowing read and write", profiles)
	}
	if !slices.Contains(h.enr.calls, "ResetSyscalls("+enricher.RecordingKey(uids[1], "app")+")") {
		t.Errorf("enricher calls = %q, want a reset after the merge", h.enr.calls)
	}
}

func TestForeignProfileIsNotOverwritten(t *testing.T) {
	pod := recordedPod("web", "io.containers.trace-bpf/", bpfKey)
	foreign := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "rec-app"}, Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow}}
	h := newHarness(t, profileRecording(v1.MergeNone, false), pod, foreign)
	h.bpf.syscalls[cid] = &bpfrecorderv1.SyscallsResponse{Syscalls: []string{"read"}}
	h.setStatus(pod, corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + cid,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}})
	if err := h.reconcile(h.reconciler(), "web"); err == nil {
		t.Error("Reconcile succeeded over a foreign profile, want an error to retry")
	}
	if !h.hasEvent(recorder.ReasonProfileConflict) {
		t.Errorf("events = %q, want %s", h.events.events, recorder.ReasonProfileConflict)
	}
	if st, _, _ := h.store.Load("uid-web", "app"); st == nil || st.Done {
		t.Errorf("record = %+v, want it kept for a retry", st)
	}
	if p := h.profiles()[0]; p.Spec.DefaultAction != v1.ActAllow || len(p.Spec.Syscalls) != 0 {
		t.Errorf("foreign profile changed: %+v", p.Spec)
	}
}

func TestRefusedRecordings(t *testing.T) {
	long := strings.Repeat("r", 64)
	tests := map[string]struct {
		recording *v1.ProfileRecording
		prefix    string
		key       string
		services  fakeServices
		reason    string
		inMessage string
	}{
		"a recording name too long for a label": {
			&v1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: long}}, recording.PrefixBpf,
			long + "_app_ab12c_1700000000", fakeServices{bpf: &fakeBpf{}}, recorder.ReasonRecordingFailed, "label value",
		},
		"a missing ProfileRecording": {
			profileRecording(v1.MergeNone, false), recording.PrefixBpf, "other_app_ab12c_1700000000", fakeServices{bpf: &fakeBpf{}},
			recorder.ReasonRecordingFailed, "not found",
		},
		"a bpf recorder that is not deployed": {
			profileRecording(v1.MergeNone, false), recording.PrefixBpf, bpfKey, fakeServices{},
			recorder.ReasonRecordingFailed, "bpf-recorder",
		},
		"a log enricher that is not deployed": {
			profileRecording(v1.MergeNone, false), recording.PrefixLogs, bpfKey, fakeServices{},
			recorder.ReasonRecordingFailed, "log-enricher",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, tc.recording, recordedPod("web", tc.prefix, tc.key))
			r := h.reconciler()
			r.Services = tc.services
			_ = h.reconcile(r, "web")
			if !slices.ContainsFunc(h.events.events, func(e string) bool {
				return strings.HasPrefix(e, "Warning "+tc.reason) && strings.Contains(e, tc.inMessage)
			}) {
				t.Errorf("events = %q, want a Warning %s mentioning %q", h.events.events, tc.reason, tc.inMessage)
			}
			if n := len(h.profiles()); n != 0 {
				t.Errorf("profiles = %d, want 0", n)
			}
		})
	}
}

func TestAuditRecordingsAreCollectedOnlyAfterTheSettleWindowEvenAcrossARestart(t *testing.T) {
	const key = "rec_app_aaaaa_1700000000"
	rec := profileRecording(v1.MergeNone, false)
	rec.Spec.Recorder = v1.RecorderLogs
	pod := recordedPod("web", "io.containers.trace-logs/", key)
	pod.Status.Phase = corev1.PodSucceeded
	h := newHarness(t, rec, pod)
	h.enr.syscalls[enricher.RecordingKey(pod.UID, "app")] = []string{"read", "exit_group"}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	daemon := func() *recorder.Reconciler {
		r := h.reconciler()
		r.AuditSettle, r.Now = 3*time.Second, func() time.Time { return now }
		return r
	}
	step := func(r *recorder.Reconciler) reconcile.Result {
		t.Helper()
		res, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "web"}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := step(daemon()); res.RequeueAfter != 3*time.Second || len(h.profiles()) != 0 {
		t.Fatalf("at the end: requeue %v, profiles %d; want a 3s wait and none yet", res.RequeueAfter, len(h.profiles()))
	}
	now = now.Add(2 * time.Second)
	// A restarted daemon keeps counting from when the end was first seen.
	if res := step(daemon()); res.RequeueAfter != time.Second || len(h.profiles()) != 0 {
		t.Fatalf("2s later after a restart: requeue %v, profiles %d; want 1s more and none yet", res.RequeueAfter, len(h.profiles()))
	}
	now = now.Add(time.Second)
	if res := step(daemon()); res.RequeueAfter != 0 || len(h.profiles()) != 1 {
		t.Fatalf("3s later: requeue %v, profiles %d; want the profile", res.RequeueAfter, len(h.profiles()))
	}
}
