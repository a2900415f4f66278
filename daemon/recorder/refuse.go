package recorder

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/recording"
)

// errRefused is an annotation the pod may not use; the message says why.
type errRefused struct{ msg string }

func (e errRefused) Error() string { return e.msg }

// refusal says whether pod may be recorded as annotation a asks. A pod's
// annotations are its user's to write, webhook or not, so the daemon checks
// what the recording webhook would have: the namespace opted in to
// recording, the container exists, and no other pod on this node records
// under the same value (the bpf recorder names containers and program
// references by that value, so two pods would stop each other's
// recording). Only an API error is a plain error, to retry.
func (r *Reconciler) refusal(ctx context.Context, pod *corev1.Pod, a recording.Annotation) error {
	ns := &corev1.Namespace{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Name: pod.Namespace}, ns); err != nil {
		return fmt.Errorf("reading namespace %s: %w", pod.Namespace, err)
	}
	others, err := r.Store.List()
	if err != nil {
		return err
	}
	return Refusal(pod, ns, a, others)
}

// Refusal is the pure decision behind refusal: nil when pod may be
// recorded as a asks, else an error naming what is wrong. records are the
// node's state records.
func Refusal(pod *corev1.Pod, ns *corev1.Namespace, a recording.Annotation, records []*State) error {
	if _, ok := ns.Labels[v1.LabelEnableRecording]; !ok {
		return errRefused{fmt.Sprintf("namespace %s has not opted in to recording (label %s)", pod.Namespace, v1.LabelEnableRecording)}
	}
	if !containerOf(pod, a.Container) {
		return errRefused{fmt.Sprintf("pod has no container %q", a.Container)}
	}
	for _, st := range records {
		if st.Key == a.Value() && st.PodUID != pod.UID && !st.Done {
			return errRefused{fmt.Sprintf("value %q is already being recorded for pod %s/%s", a.Value(), st.Namespace, st.Pod)}
		}
	}
	return nil
}

// containerOf reports whether pod has a container (regular, init or
// ephemeral) of that name.
func containerOf(pod *corev1.Pod, name string) bool {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return true
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return true
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		if pod.Spec.EphemeralContainers[i].Name == name {
			return true
		}
	}
	return false
}
