package recordingmerger

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
)

// ControllerName names the controller and reports its events.
const ControllerName = "recordingmerger"

// Reconciler holds FinalizerMerge on ProfileRecordings that merge, and
// merges their partial SeccompProfiles when they are deleted.
type Reconciler struct {
	client.Client

	// Recorder reports merges and skipped containers on the recording. Nil
	// means SetupWithManager takes the manager's recorder.
	Recorder events.EventRecorder
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings/finalizers,verbs=update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile holds or releases the finalizer of one ProfileRecording, and
// merges its partial profiles once it is being deleted.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rec := &v1.ProfileRecording{}
	if err := r.Get(ctx, req.NamespacedName, rec); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("getting ProfileRecording %s: %w", req, err)
	}
	err := r.sync(ctx, rec)
	if apierrors.IsConflict(err) {
		// Our cached copy was stale; the watch event carrying the newer
		// object queues it again.
		log.FromContext(ctx).V(1).Info("Recording changed while reconciling", "error", err.Error())
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}

func (r *Reconciler) sync(ctx context.Context, rec *v1.ProfileRecording) error {
	// SPO's unmerged-profiles finalizer becomes FinalizerMerge, or stands
	// in for it on a recording already being deleted.
	if err := takeover.RecordingMerger.Apply(ctx, r.Client, rec); err != nil {
		return client.IgnoreNotFound(err)
	}
	merges := rec.Spec.MergeStrategy == v1.MergeContainers
	if rec.DeletionTimestamp.IsZero() {
		if merges {
			return r.patchFinalizer(ctx, rec, controllerutil.AddFinalizer)
		}
		return r.patchFinalizer(ctx, rec, controllerutil.RemoveFinalizer)
	}
	if !takeover.RecordingMerger.Holds(rec.Finalizers, FinalizerMerge) {
		return nil
	}
	// A recording switched to None after it took the finalizer has nothing
	// to merge: its later profiles are not partial.
	if merges {
		if err := r.mergeAll(ctx, rec); err != nil {
			return err
		}
	}
	return client.IgnoreNotFound(takeover.RecordingMerger.ApplyRelease(ctx, r.Client, rec, FinalizerMerge))
}

// mergeAll merges every container's partials. A container that cannot be
// merged is reported and skipped; only API errors stop the pass (and retry
// it), so that the finalizer is released once nothing more can be done.
func (r *Reconciler) mergeAll(ctx context.Context, rec *v1.ProfileRecording) error {
	groups, err := r.partialsByContainer(ctx, rec)
	if err != nil {
		return err
	}
	for _, container := range sortedKeys(groups) {
		err := r.mergeContainer(ctx, rec, container, groups[container])
		if errors.Is(err, ErrConflict) {
			log.FromContext(ctx).Info("Not merging a container", "container", container,
				"reason", "MergeConflict", "error", err.Error())
			r.Recorder.Eventf(rec, nil, corev1.EventTypeWarning, "MergeConflict", "Merge",
				"Partial profiles of container %s left unmerged: %v", container, err)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// patchFinalizer applies change to FinalizerMerge, with an optimistic lock:
// a merge patch replaces the whole list, and a patch built from a stale
// cache would drop or revive other controllers' finalizers.
func (r *Reconciler) patchFinalizer(ctx context.Context, rec *v1.ProfileRecording,
	change func(client.Object, string) bool) error {
	base := rec.DeepCopy()
	if !change(rec, FinalizerMerge) {
		return nil
	}
	patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if err := r.Patch(ctx, rec, patch); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("patching finalizer %s of ProfileRecording %s/%s: %w",
			FinalizerMerge, rec.Namespace, rec.Name, err)
	}
	return nil
}
