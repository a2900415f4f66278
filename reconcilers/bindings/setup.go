package bindings

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/workloads"
	"github.com/secprofiles/spo/webhooks/binding"
)

// IndexProfileRef is the field index on ProfileBindings by
// "<kind>/<profile name>", to find the bindings a profile change concerns.
const IndexProfileRef = "spo.binding.profileRef"

// SetupWithManager registers the index and the controller with mgr. A
// binding is reconciled when its spec changes, when a pod in its namespace
// that it may concern comes, goes or changes whether it counts, and when its
// profile's reference changes.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1.ProfileBinding{}, IndexProfileRef,
		func(o client.Object) []string { return []string{profileRefKey(o.(*v1.ProfileBinding).Spec.ProfileRef)} },
	); err != nil {
		return fmt.Errorf("indexing ProfileBindings by %s: %w", IndexProfileRef, err)
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		// Our own status patches do not change the generation.
		For(&v1.ProfileBinding{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfPod),
			builder.WithPredicates(podCountChanged))
	for _, kind := range binding.ProfileKinds {
		p, err := binding.NewProfile(kind)
		if err != nil {
			return err
		}
		b = b.Watches(p, handler.EnqueueRequestsFromMapFunc(r.bindingsOfProfile(kind)),
			builder.WithPredicates(referenceChanged))
	}
	return b.Complete(r)
}

func profileRefKey(ref v1.ProfileRef) string { return string(ref.Kind) + "/" + ref.Name }

// bindingsOfPod maps a pod to the bindings in its namespace that name one of
// its images, or "*". Namespaces hold few bindings, so listing them beats
// keeping another index on every cached binding.
func (r *Reconciler) bindingsOfPod(ctx context.Context, obj client.Object) []reconcile.Request {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	var list v1.ProfileBindingList
	if err := r.List(ctx, &list, client.InNamespace(pod.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "Listing ProfileBindings for a pod", "namespace", pod.Namespace)
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if b := &list.Items[i]; b.Spec.Image == binding.AnyImage || binding.UsesImage(pod, b.Spec.Image) {
			reqs = append(reqs, requestFor(b))
		}
	}
	return reqs
}

// bindingsOfProfile maps a profile of kind to the bindings that reference it.
func (r *Reconciler) bindingsOfProfile(kind v1.ProfileBindingKind) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		var list v1.ProfileBindingList
		key := profileRefKey(v1.ProfileRef{Kind: kind, Name: obj.GetName()})
		if err := r.List(ctx, &list, client.MatchingFields{IndexProfileRef: key}, client.UnsafeDisableDeepCopy); err != nil {
			log.FromContext(ctx).Error(err, "Listing ProfileBindings for a profile", "profile", key)
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for i := range list.Items {
			reqs = append(reqs, requestFor(&list.Items[i]))
		}
		return reqs
	}
}

func requestFor(b *v1.ProfileBinding) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: b.Namespace, Name: b.Name}}
}

// podCountChanged passes pod updates that can change whether the pod counts:
// its labels (podSelector), whether it may still run, or its security
// contexts (ephemeral containers aside, these are immutable, but the check
// is cheap). Status churn of running pods is filtered out.
var podCountChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		before, ok1 := e.ObjectOld.(*corev1.Pod)
		after, ok2 := e.ObjectNew.(*corev1.Pod)
		if !ok1 || !ok2 {
			return true
		}
		return !equality.Semantic.DeepEqual(before.Labels, after.Labels) ||
			workloads.MayRun(before) != workloads.MayRun(after) ||
			!equality.Semantic.DeepEqual(before.Spec, after.Spec)
	},
}

// referenceChanged passes profile updates that change the value pods carry;
// node-by-node status churn during a rollout does not concern bindings.
var referenceChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		before, ok1 := e.ObjectOld.(v1.Profile)
		after, ok2 := e.ObjectNew.(v1.Profile)
		return !ok1 || !ok2 || binding.Reference(before) != binding.Reference(after)
	},
}
