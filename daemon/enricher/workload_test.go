package enricher

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestWorkloadsOfReadsContainerIDsAndRecordingKeys(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-1", Annotations: map[string]string{
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
		idA: {Namespace: "ns", Pod: "web-1", Container: "app", SeccompKey: "rec_app_aaaaa_1700000000", SELinuxKey: "sel_app_bbbbb_1700000000"},
		idB: {Namespace: "ns", Pod: "web-1", Container: "init", AppArmorKey: "aa_init_ccccc_1700000000"},
	}
	if d := cmp.Diff(want, WorkloadsOf(pod)); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
}
