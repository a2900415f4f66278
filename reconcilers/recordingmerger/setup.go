package recordingmerger

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SetupWithManager registers the controller with mgr. Recordings are
// reconciled when they change and when a profile recorded for them comes,
// changes or goes (a partial created while the recording was being
// deleted must still be merged).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(ControllerName)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&v1.ProfileRecording{}).
		Watches(&v1.SeccompProfile{}, handler.EnqueueRequestsFromMapFunc(recordingOf)).
		Complete(r)
}

// recordingOf maps a recorded profile to its recording; other profiles map
// to nothing.
func recordingOf(_ context.Context, obj client.Object) []reconcile.Request {
	name, ns := obj.GetLabels()[LabelRecording], obj.GetLabels()[LabelRecordingNamespace]
	if name == "" || ns == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}}
}
