package nodeinstall

import (
	"context"
	"maps"
	"slices"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
)

// indexBuildsOn finds the profiles that build on a given profile.
const indexBuildsOn = "spo.buildsOn"

// SetupWithManager registers the reconciler (see the package doc for what
// reconciles a profile again).
func (r *Reconciler[P]) SetupWithManager(mgr manager.Manager) error {
	b := builder.ControllerManagedBy(mgr).
		Named(r.controllerName()).
		For(r.New(), builder.WithPredicates(notStatusOnly)).
		Watches(&v1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(r.all),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1.SecurityProfileNodeStatus{}, handler.EnqueueRequestsFromMapFunc(r.ownerOfStatus),
			builder.WithPredicates(deletedOnly)).
		// Profiles are independent and each reconcile mostly waits on the
		// API server, so a few run at once (make bench: 1,000 profiles).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4})
	if r.BuildsOn != nil {
		err := mgr.GetFieldIndexer().IndexField(context.Background(), r.New(), indexBuildsOn,
			func(o client.Object) []string { return r.BuildsOn(o.(P)) })
		if err != nil {
			return err
		}
		b = b.Watches(r.New(), handler.EnqueueRequestsFromMapFunc(r.dependents), builder.WithPredicates(notStatusOnly))
	}
	return b.Complete(r)
}

func (r *Reconciler[P]) controllerName() string { return r.Kind + "-daemon" }

// notStatusOnly drops updates that only touch the status the manager
// writes: the node's work depends on the spec, labels, finalizers and
// deletion, and validating a profile again for nothing costs time.
var notStatusOnly = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	o, n := e.ObjectOld, e.ObjectNew
	return o.GetGeneration() != n.GetGeneration() ||
		!o.GetDeletionTimestamp().Equal(n.GetDeletionTimestamp()) ||
		!maps.Equal(o.GetLabels(), n.GetLabels()) ||
		!slices.Equal(o.GetFinalizers(), n.GetFinalizers())
}}

// deletedOnly reacts to a node status deleted by hand; the daemon's own
// status writes need no reconcile.
var deletedOnly = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	UpdateFunc:  func(event.UpdateEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

// dependents walks the builds-on index breadth first, so a change to a
// profile at the bottom of a chain reaches every profile built on it.
func (r *Reconciler[P]) dependents(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	seen := map[string]bool{o.GetName(): true}
	queue := []string{o.GetName()}
	for len(queue) > 0 {
		names, err := r.names(ctx, client.MatchingFields{indexBuildsOn: queue[0]})
		if err != nil {
			return reqs
		}
		queue = queue[1:]
		for _, name := range names {
			if !seen[name] {
				seen[name] = true
				queue = append(queue, name)
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: name}})
			}
		}
	}
	return reqs
}

// all reconciles every profile of the kind when the operator's
// configuration changes.
func (r *Reconciler[P]) all(ctx context.Context, o client.Object) []reconcile.Request {
	if o.GetNamespace() != r.Namespace || o.GetName() != v1.SPODName {
		return nil
	}
	names, err := r.names(ctx)
	if err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(names))
	for _, name := range names {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: name}})
	}
	return reqs
}

func (r *Reconciler[P]) names(ctx context.Context, opts ...client.ListOption) ([]string, error) {
	list := r.NewList()
	if err := r.List(ctx, list, opts...); err != nil {
		return nil, err
	}
	var names []string
	err := metaEach(list, func(o client.Object) { names = append(names, o.GetName()) })
	return names, err
}

func (r *Reconciler[P]) ownerOfStatus(_ context.Context, o client.Object) []reconcile.Request {
	ns := o.(*v1.SecurityProfileNodeStatus)
	if ns.Spec.NodeName != r.Node || ns.Spec.ProfileKind != r.Kind {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: ns.Spec.ProfileName}}}
}

// metaEach calls f for every item of list.
func metaEach(list client.ObjectList, f func(client.Object)) error {
	return apimeta.EachListItem(list, func(o runtime.Object) error {
		if obj, ok := o.(client.Object); ok {
			f(obj)
		}
		return nil
	})
}
