package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/cluster"
)

// bpfRecorderRunsInTheDaemonPod enables the eBPF recorder in the SPOD and
// waits until the daemon pod's bpf-recorder container is Ready: it loaded
// and attached its programs with only its declared capabilities, and its
// start-up self-test ran in the deployed image, which has no shell (the
// self-test records the spo binary itself; with /bin/sh it crashlooped).
func bpfRecorderRunsInTheDaemonPod(t *testing.T) {
	ctx := context.Background()
	s := &v1.SecurityProfilesOperatorDaemon{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: cluster.Namespace, Name: v1.SPODName}, s); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.Spec.Enricher.EnableBpfRecorder = true
	if err := k8s.Patch(ctx, s, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "the daemon pod's bpf-recorder to be Ready", func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(cluster.Namespace)); err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, p := range pods.Items {
			for _, c := range p.Status.ContainerStatuses {
				if c.Name != "bpf-recorder" {
					continue
				}
				if c.Ready {
					return true, ""
				}
				seen = append(seen, fmt.Sprintf("%s: restarts %d, state %+v, last %+v", p.Name, c.RestartCount, c.State, c.LastTerminationState))
			}
		}
		return false, "bpf-recorder containers: " + strings.Join(seen, "; ")
	})
	if err := cluster.WaitSPOD(ctx, k8s, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
}
