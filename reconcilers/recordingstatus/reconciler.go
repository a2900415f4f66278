package recordingstatus

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
	"github.com/secprofiles/spo/webhooks/recording"
)

// ControllerName names the controller in logs and metrics.
const ControllerName = "recordingstatus"

// Reconciler keeps ProfileRecording status.activeWorkloads up to date.
type Reconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings/status,verbs=get;patch;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// Reconcile recomputes one recording's activeWorkloads.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rec := &v1.ProfileRecording{}
	if err := r.Get(ctx, req.NamespacedName, rec); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("getting ProfileRecording %s: %w", req.NamespacedName, err)
	}
	// SPO held recordings while pods were recorded; spo only reports them.
	if err := takeover.RecordingStatus.Apply(ctx, r.Client, rec); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var pods corev1.PodList
	// Read-only; copying every pod of the namespace out of the cache is waste.
	if err := r.List(ctx, &pods, client.InNamespace(rec.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing pods in %s: %w", rec.Namespace, err)
	}
	return ctrl.Result{}, r.setActiveWorkloads(ctx, rec, ActiveWorkloads(rec.Name, pods.Items))
}

// ActiveWorkloads returns the sorted names of the pods that are being
// recorded for the recording named name.
func ActiveWorkloads(name string, pods []corev1.Pod) []string {
	var out []string
	for i := range pods {
		p := &pods[i]
		if Active(p) && slices.Contains(RecordingsOf(p), name) {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Active reports whether a pod may still be recorded: not finished and not
// being deleted.
func Active(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return false
	}
	return pod.DeletionTimestamp == nil
}

// RecordingsOf returns the sorted, unique recording names the pod's
// recording annotations name. Annotations that do not parse are ignored:
// the webhook writes only valid ones, and the daemon reports the others.
func RecordingsOf(pod client.Object) []string {
	var out []string
	for k, val := range pod.GetAnnotations() {
		if a, err := recording.ParseAnnotation(k, val); err == nil {
			out = append(out, a.Recording)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// setActiveWorkloads patches status.activeWorkloads when it changed. A
// recording deleted meanwhile has no status left to keep.
func (r *Reconciler) setActiveWorkloads(ctx context.Context, rec *v1.ProfileRecording, pods []string) error {
	if slices.Equal(rec.Status.ActiveWorkloads, pods) {
		return nil
	}
	base := rec.DeepCopy()
	rec.Status.ActiveWorkloads = pods
	if err := r.Status().Patch(ctx, rec, client.MergeFrom(base)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patching activeWorkloads of ProfileRecording %s/%s: %w", rec.Namespace, rec.Name, err)
	}
	log.FromContext(ctx).V(1).Info("Updated active workloads", "activeWorkloads", pods)
	return nil
}
