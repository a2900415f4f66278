package recordingstatus

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SetupWithManager registers the controller with mgr.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		// Our own status patches do not change the generation.
		For(&v1.ProfileRecording{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Pod{}, podHandler, builder.WithPredicates(countChanged)).
		Complete(r)
}

// podHandler enqueues the recordings a pod names before and after an
// update: a pod whose annotations changed must leave the old recording's
// list as well.
var podHandler = handler.Funcs{
	CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueue(q, e.Object)
	},
	UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueue(q, e.ObjectOld)
		enqueue(q, e.ObjectNew)
	},
	DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueue(q, e.Object)
	},
	GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueue(q, e.Object)
	},
}

func enqueue(q workqueue.TypedRateLimitingInterface[reconcile.Request], pod client.Object) {
	for _, name := range RecordingsOf(pod) {
		q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: pod.GetNamespace(), Name: name}})
	}
}

// countChanged passes pod updates that can change whether the pod counts:
// its recording annotations or whether it is still active. Status churn of
// running pods is filtered out; pods without recordings never pass.
var countChanged = predicate.Funcs{
	CreateFunc: func(e event.CreateEvent) bool { return len(RecordingsOf(e.Object)) > 0 },
	DeleteFunc: func(e event.DeleteEvent) bool { return len(RecordingsOf(e.Object)) > 0 },
	UpdateFunc: func(e event.UpdateEvent) bool {
		before, ok1 := e.ObjectOld.(*corev1.Pod)
		after, ok2 := e.ObjectNew.(*corev1.Pod)
		if !ok1 || !ok2 {
			return true
		}
		rb, ra := RecordingsOf(before), RecordingsOf(after)
		return (len(rb) > 0 || len(ra) > 0) && (!slices.Equal(rb, ra) || Active(before) != Active(after))
	},
}
