package spod

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/kubeletdir"
)

// SetupWithManager registers the controller with mgr. It reconciles the
// SPOD named spod in r.Namespace when it or an object it owns changes,
// and once at start, so that a missing SPOD is created.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(ControllerName)
	}
	if r.Secrets == nil {
		r.Secrets = mgr.GetAPIReader()
	}
	key := types.NamespacedName{Namespace: r.Namespace, Name: v1.SPODName}
	ours := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == key.Namespace
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&v1.SecurityProfilesOperatorDaemon{}, builder.WithPredicates(ours,
			predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetName() == key.Name }))).
		Owns(&appsv1.DaemonSet{}, builder.WithPredicates(ours)).
		Owns(&appsv1.Deployment{}, builder.WithPredicates(ours)).
		Owns(&corev1.Service{}, builder.WithPredicates(ours)).
		Owns(&policyv1.PodDisruptionBudget{}, builder.WithPredicates(ours)).
		// Built-in profiles are cluster-scoped and cannot be owned by the
		// SPOD: their changes are mapped to it by label.
		Watches(&v1.SeccompProfile{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: key}}
		}), builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetLabels()[LabelManagedBy] == "spo"
		}))).
		// A pull Secret appearing, changing or going changes the SPOD's
		// OCIArtifactPullSecrets condition. Metadata only: passwords stay
		// out of the manager's cache (pullSecretsCondition reads them).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: key}}
		}), builder.WithPredicates(ours)).
		// Every kubelet directory the nodes name is mounted.
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: key}}
		}), builder.WithPredicates(kubeletDirChanged)).
		WatchesRawSource(source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
			q.Add(reconcile.Request{NamespacedName: key})
			return nil
		})).
		Complete(r)
}

// kubeletDirChanged passes nodes that come or go, changes of the label
// or annotation naming their kubelet directory, and changes of their
// operating system or selinuxd label (the selinuxd image they run).
var kubeletDirChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld, e.ObjectNew
		return o.GetLabels()[kubeletdir.LabelDirectoryLocation] != n.GetLabels()[kubeletdir.LabelDirectoryLocation] ||
			o.GetAnnotations()[kubeletdir.AnnotationKubeletDir] != n.GetAnnotations()[kubeletdir.AnnotationKubeletDir] ||
			o.GetLabels()[LabelSelinuxd] != n.GetLabels()[LabelSelinuxd] ||
			osImage(o) != osImage(n)
	},
}

func osImage(o client.Object) string {
	if n, ok := o.(*corev1.Node); ok {
		return n.Status.NodeInfo.OSImage
	}
	return ""
}
