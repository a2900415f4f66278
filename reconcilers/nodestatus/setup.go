package nodestatus

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	ctrl "sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
)

// IndexNodeReports registers IndexProfile; call it once per manager.
func IndexNodeReports(mgr ctrl.Manager) error {
	return mgr.GetFieldIndexer().IndexField(context.Background(), &v1.SecurityProfileNodeStatus{}, IndexProfile,
		func(o client.Object) []string {
			s := o.(*v1.SecurityProfileNodeStatus).Spec
			return []string{s.ProfileKind + "/" + s.ProfileName}
		})
}

// SetupWithManager registers the reconciler for its kind. A profile is
// reconciled when it changes, when one of its node reports changes, and when
// nodes come or go (the expected number of reports changes, and a node that
// went away may have left finalizers).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return builder.ControllerManagedBy(mgr).
		Named("nodestatus-"+r.Kind).
		For(r.New()).
		Watches(&v1.SecurityProfileNodeStatus{}, handler.EnqueueRequestsFromMapFunc(r.profileOfReport)).
		WatchesMetadata(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.allProfiles),
			builder.WithPredicates(nodeAddedOrRemoved)).
		// Each reconcile mostly waits on the API server; profiles are
		// independent.
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(r)
}

var nodeAddedOrRemoved = predicate.Funcs{
	UpdateFunc: func(event.UpdateEvent) bool { return false },
}

func (r *Reconciler) profileOfReport(_ context.Context, o client.Object) []reconcile.Request {
	s := o.(*v1.SecurityProfileNodeStatus).Spec
	if s.ProfileKind != r.Kind {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: s.ProfileName}}}
}

func (r *Reconciler) allProfiles(ctx context.Context, _ client.Object) []reconcile.Request {
	gvk, err := apiutil.GVKForObject(r.New(), r.Scheme())
	if err != nil {
		return nil
	}
	obj, err := r.Scheme().New(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err != nil {
		return nil
	}
	list, ok := obj.(client.ObjectList)
	if !ok || r.List(ctx, list) != nil {
		return nil
	}
	var reqs []reconcile.Request
	_ = apimeta.EachListItem(list, func(o runtime.Object) error {
		if m, err := apimeta.Accessor(o); err == nil {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: m.GetName()}})
		}
		return nil
	})
	return reqs
}
