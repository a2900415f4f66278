package recorder_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/recorder"
)

func podWith(phase corev1.PodPhase, statuses ...corev1.ContainerStatus) *corev1.Pod {
	return &corev1.Pod{Status: corev1.PodStatus{Phase: phase, ContainerStatuses: statuses}}
}

func terminatedStatus(name string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, ContainerID: "containerd://abc",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}
}

func exited(name string, code int32) corev1.ContainerStatus {
	s := terminatedStatus(name)
	s.State.Terminated.ExitCode = code
	return s
}

func policy(pod *corev1.Pod, p corev1.RestartPolicy) *corev1.Pod {
	pod.Spec.RestartPolicy = p
	return pod
}

func never(pod *corev1.Pod) *corev1.Pod { return policy(pod, corev1.RestartPolicyNever) }

func sidecar(pod *corev1.Pod) *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	pod.Spec.InitContainers = []corev1.Container{{Name: "app", RestartPolicy: &always}}
	return pod
}

func runningStatus(name string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, ContainerID: "cri-o://def",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func TestFinished(t *testing.T) {
	tests := map[string]struct {
		pod  *corev1.Pod
		want bool
	}{
		"a pod that is gone is finished":                                                    {nil, true},
		"a pending pod without statuses is not":                                             {podWith(corev1.PodPending), false},
		"a running container is not":                                                        {podWith(corev1.PodRunning, runningStatus("app")), false},
		"a terminated container is under restartPolicy Never":                               {never(podWith(corev1.PodRunning, terminatedStatus("app"))), true},
		"a terminated container is not while the kubelet restarts it (Always, the default)": {podWith(corev1.PodRunning, terminatedStatus("app")), false},
		"a container that succeeded is under OnFailure":                                     {policy(podWith(corev1.PodRunning, terminatedStatus("app")), corev1.RestartPolicyOnFailure), true},
		"a container that failed is not under OnFailure":                                    {policy(podWith(corev1.PodRunning, exited("app", 2)), corev1.RestartPolicyOnFailure), false},
		"a failed init container is not: the kubelet retries it":                            {&corev1.Pod{Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{exited("app", 1)}}}, false},
		"a sidecar (init container with restartPolicy Always) is not":                       {sidecar(&corev1.Pod{Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{terminatedStatus("app")}}}), false},
		"an ephemeral container is, whatever the pod's policy":                              {&corev1.Pod{Status: corev1.PodStatus{EphemeralContainerStatuses: []corev1.ContainerStatus{exited("app", 1)}}}, true},
		"another container's termination does not count":                                    {never(podWith(corev1.PodRunning, terminatedStatus("side"), runningStatus("app"))), false},
		"a succeeded pod is, whatever its statuses say":                                     {podWith(corev1.PodSucceeded), true},
		"a failed pod is": {podWith(corev1.PodFailed, runningStatus("app")), true},
		"a terminated init container of that name is": {&corev1.Pod{Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{terminatedStatus("app")}}}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := recorder.Finished(tc.pod, "app"); got != tc.want {
				t.Errorf("Finished = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestContainerID(t *testing.T) {
	tests := map[string]struct {
		pod  *corev1.Pod
		want string
	}{
		"no status has no id":                 {podWith(corev1.PodPending), ""},
		"the runtime scheme is stripped":      {podWith(corev1.PodRunning, runningStatus("app")), "def"},
		"a terminated container keeps its id": {podWith(corev1.PodRunning, terminatedStatus("app")), "abc"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := recorder.ContainerID(tc.pod, "app"); got != tc.want {
				t.Errorf("ContainerID = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAnnotations(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		"io.containers.trace-logs/b":         "rec_b_ab12c_1700000000",
		"io.containers.trace-bpf-apparmor/a": "rec_a_ab12c_1700000000",
		"io.containers.trace-bpf/c":          "not a value",
		"other":                              "x",
	}}}
	got, errs := recorder.Annotations(pod)
	if len(got) != 2 || got[0].Container != "a" || got[1].Container != "b" {
		t.Errorf("annotations = %+v, want containers a and b in key order", got)
	}
	if len(errs) != 1 {
		t.Errorf("errors = %v, want one for the malformed value", errs)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	store := recorder.Store{Dir: filepath.Join(t.TempDir(), "recordings")}
	st := &recorder.State{
		Key: "rec_app_ab12c_1700000000", Namespace: "ns", Pod: "web", PodUID: "u1", Container: "app",
		Recording: "rec", Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf, Profile: "rec-app",
		Partial: true, Disable: true, ProgramRef: true, ContainerID: "abc", ContainerRef: true,
	}
	if err := store.Save(st); err != nil {
		t.Fatal(err)
	}
	got, ok, err := store.Load(st.PodUID, st.Container)
	if err != nil || !ok {
		t.Fatalf("Load = %v, %v", ok, err)
	}
	if diff := cmp.Diff(st, got); diff != "" {
		t.Errorf("round trip (-saved +loaded):\n%s", diff)
	}
	if fi, err := os.Stat(filepath.Join(store.Dir, "u1_app.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, %v; want mode 0600", fi, err)
	}
	forPod, err := store.ForPod("ns", "web")
	if err != nil || len(forPod) != 1 {
		t.Errorf("ForPod = %v, %v; want the record", forPod, err)
	}
	if err := store.Remove(st); err != nil {
		t.Fatal(err)
	}
	if all, err := store.List(); err != nil || len(all) != 0 {
		t.Errorf("List after Remove = %v, %v", all, err)
	}
}

func TestStoreRefusesUnsafeIDs(t *testing.T) {
	store := recorder.Store{Dir: t.TempDir()}
	for _, st := range []recorder.State{
		{Key: "k", Container: "app"}, {Key: "k", PodUID: "u"}, {PodUID: "..", Container: "x/../../y"},
		{PodUID: "a/b", Container: "c"}, {PodUID: ".hidden", Container: "c"},
	} {
		if err := store.Save(&st); err == nil {
			t.Errorf("Save(pod UID %q, container %q) succeeded, want a refusal", st.PodUID, st.Container)
		}
	}
}

// Two pods whose users gave them the same annotation value keep separate
// records: the value is the users' to choose, the pod UID is not.
func TestStoreKeepsPodsWithTheSameAnnotationValueApart(t *testing.T) {
	store := recorder.Store{Dir: t.TempDir()}
	a := &recorder.State{Key: "rec_app_ab12c_1700000000", Namespace: "ns", Pod: "a", PodUID: "ua", Container: "app", ContainerID: "ca"}
	b := &recorder.State{Key: a.Key, Namespace: "other", Pod: "b", PodUID: "ub", Container: "app", ContainerID: "cb"}
	for _, st := range []*recorder.State{a, b} {
		if err := store.Save(st); err != nil {
			t.Fatal(err)
		}
	}
	if all, err := store.List(); err != nil || len(all) != 2 {
		t.Fatalf("List = %d records, %v; want both pods' records", len(all), err)
	}
	if got, ok, _ := store.Load("ua", "app"); !ok || got.ContainerID != "ca" {
		t.Errorf("pod a's record = %+v, want its own container id", got)
	}
}

func TestStoreReportsCorruptRecords(t *testing.T) {
	store := recorder.Store{Dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(store.Dir, "bad.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.List(); err == nil {
		t.Error("List succeeded over a corrupt record, want an error")
	}
}

func TestIncarnations(t *testing.T) {
	restarted := corev1.ContainerStatus{Name: "app", ContainerID: "containerd://new", RestartCount: 1,
		State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://old"}}}
	waiting := corev1.ContainerStatus{Name: "app", RestartCount: 3,
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://old"}}}
	tests := map[string]struct {
		pod  *corev1.Pod
		want []string
	}{
		"a container without a status has none":                  {podWith(corev1.PodPending), nil},
		"a first run has its own id":                             {podWith(corev1.PodRunning, runningStatus("app")), []string{"def"}},
		"a restarted container has the last one's id first":      {podWith(corev1.PodRunning, restarted), []string{"old", "new"}},
		"a container waiting to restart has the last one's only": {podWith(corev1.PodRunning, waiting), []string{"old"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := recorder.Incarnations(tc.pod, "app"); !slices.Equal(got, tc.want) {
				t.Errorf("Incarnations = %q, want %q", got, tc.want)
			}
		})
	}
}
