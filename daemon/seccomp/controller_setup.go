package seccomp

import (
	"context"
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	ctrl "sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ReasonWriteFailed means the node could not write the profile file; it is
// retried with backoff.
const ReasonWriteFailed = "WriteFailed"

// indexBaseProfile finds the profiles that extend a given profile.
const indexBaseProfile = "spec.baseProfileName"

var (
	profileOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_total",
		Help: "Seccomp profile files written (operation=update) or removed (operation=delete) on this node.",
	}, []string{"operation"})
	profileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_error_total",
		Help: "Seccomp profiles this node refused or failed to install, by reason.",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(profileOps, profileErrors)
}

// SetupWithManager registers the reconciler. Besides its own profile, a
// profile is reconciled again when a profile it extends (at any depth)
// changes, when the SecurityProfilesOperatorDaemon's limits change, and
// when someone edits this node's status object for it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1.SeccompProfile{}, indexBaseProfile,
		func(o client.Object) []string {
			if base := o.(*v1.SeccompProfile).Spec.BaseProfileName; base != "" {
				return []string{base}
			}
			return nil
		})
	if err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named("seccomp-daemon").
		For(&v1.SeccompProfile{}, builder.WithPredicates(notStatusOnly)).
		Watches(&v1.SeccompProfile{}, handler.EnqueueRequestsFromMapFunc(r.dependents),
			builder.WithPredicates(notStatusOnly)).
		Watches(&v1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(r.all),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1.SecurityProfileNodeStatus{}, handler.EnqueueRequestsFromMapFunc(r.ownerOfStatus),
			builder.WithPredicates(deletedOnly)).
		// Profiles are independent and each reconcile mostly waits on the
		// API server, so a few run at once (make bench: 1,000 profiles).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(r)
}

// notStatusOnly drops updates that only touch the status the manager
// writes: the node's work depends on the spec, labels, finalizers and
// deletion, and validating a profile again for nothing costs libseccomp time.
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

// dependents walks the base-profile index breadth first, so a change to a
// profile at the bottom of a chain reaches every profile built on it.
func (r *Reconciler) dependents(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	seen := map[string]bool{o.GetName(): true}
	queue := []string{o.GetName()}
	for len(queue) > 0 {
		list := &v1.SeccompProfileList{}
		if err := r.List(ctx, list, client.MatchingFields{indexBaseProfile: queue[0]}); err != nil {
			return reqs
		}
		queue = queue[1:]
		for _, p := range list.Items {
			if !seen[p.Name] {
				seen[p.Name] = true
				queue = append(queue, p.Name)
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: p.Name}})
			}
		}
	}
	return reqs
}

func (r *Reconciler) all(ctx context.Context, o client.Object) []reconcile.Request {
	if o.GetNamespace() != r.Namespace || o.GetName() != v1.SPODName {
		return nil
	}
	list := &v1.SeccompProfileList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, p := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: p.Name}})
	}
	return reqs
}

func (r *Reconciler) ownerOfStatus(_ context.Context, o client.Object) []reconcile.Request {
	ns := o.(*v1.SecurityProfileNodeStatus)
	if ns.Spec.NodeName != r.Node || ns.Spec.ProfileKind != "SeccompProfile" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: ns.Spec.ProfileName}}}
}
