package enricher

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestWorkloadsOfReadsContainerIDsAndRecordingKeys(t *testing.T) {
	const uid = "0b3e6c1a-5d2f-4c7e-9a8b-1f2e3d4c5b6a"
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-1", UID: uid, Annotations: map[string]string{
			"io.containers.trace-logs/app":          "rec_app_aaaaa_1700000000",
			"io.containers.trace-avcs/app":          "sel_app_bbbbb_1700000000",
			"io.containers.trace-bpf-apparmor/init": "aa_init_ccccc_1700000000",
			"io.containers.trace-bpf/app":           "bpf_app_ddddd_1700000000", // the eBPF recorder's
			"io.containers.trace-logs/side":         "not-a-recording-value",
			"other":                                 "x",
		}},
		Status: corev1.PodStatus{
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", ContainerID: "containerd://" + idB}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", ContainerID: "cri-o://" + idA},
				{Name: "side"}, // not started yet
			},
		},
	}
	want := map[string]Workload{
		idA: {Namespace: "ns", Pod: "web-1", Container: "app", SeccompKey: uid + "/app", SELinuxKey: uid + "/app"},
		idB: {Namespace: "ns", Pod: "web-1", Container: "init", AppArmorKey: uid + "/init"},
	}
	if d := cmp.Diff(want, WorkloadsOf(pod)); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
}

func TestWorkloadsOfKeepsPodsWithOneAnnotationValueApart(t *testing.T) {
	// A pod's user may copy another pod's annotation value; the copy must
	// not read or reset the first pod's recording.
	podWith := func(uid, id string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: uid, UID: types.UID(uid), Annotations: map[string]string{
				"io.containers.trace-logs/app": "rec_app_aaaaa_1700000000"}},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://" + id}}},
		}
	}
	a, b := WorkloadsOf(podWith("uid-a", idA))[idA], WorkloadsOf(podWith("uid-b", idB))[idB]
	if a.SeccompKey == "" || a.SeccompKey == b.SeccompKey {
		t.Errorf("keys %q and %q: want two distinct, non-empty keys", a.SeccompKey, b.SeccompKey)
	}
}
