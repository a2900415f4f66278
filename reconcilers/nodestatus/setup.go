package nodestatus

import (
	"context"

	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
// reconciled when it changes, when one of its node reports changes, when
// nodes come or go or change their labels or taints, and when the
// DaemonSet's pod template changes (the expected number of reports
// changes, and a node that went away or is no longer targeted may have
// left finalizers). Nodes are cached trimmed (TrimNode: the manager's cache
// options must apply it).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := builder.ControllerManagedBy(mgr).
		Named("nodestatus-"+r.Kind).
		For(r.New()).
		Watches(&v1.SecurityProfileNodeStatus{}, handler.EnqueueRequestsFromMapFunc(r.profileOfReport),
			builder.WithPredicates(reportChanged)).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.allProfiles),
			builder.WithPredicates(nodeTargetingChanged))
	if r.DaemonSet.Name != "" {
		b = b.Watches(&appsv1.DaemonSet{}, handler.EnqueueRequestsFromMapFunc(r.allProfiles),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
				return o.GetName() == r.DaemonSet.Name && o.GetNamespace() == r.DaemonSet.Namespace
			}), predicate.GenerationChangedPredicate{}))
	}
	// Each reconcile mostly waits on the API server; profiles are
	// independent.
	return b.WithOptions(controller.Options{MaxConcurrentReconciles: 4}).Complete(r)
}

// reportChanged passes the report events that can change a profile's
// summary. The status is a subresource, so a daemon creates a report
// without one and writes it next: the empty report counts as Pending, like
// no report at all, and label-only updates (the state label following the
// status) change nothing either. Skipping them halves the reconciles.
var reportChanged = predicate.TypedFuncs[client.Object]{
	CreateFunc: func(e event.TypedCreateEvent[client.Object]) bool {
		ns, ok := e.Object.(*v1.SecurityProfileNodeStatus)
		return !ok || ns.Status.Status != ""
	},
	UpdateFunc: func(e event.TypedUpdateEvent[client.Object]) bool {
		old, okOld := e.ObjectOld.(*v1.SecurityProfileNodeStatus)
		cur, okNew := e.ObjectNew.(*v1.SecurityProfileNodeStatus)
		return !okOld || !okNew || old.Status != cur.Status || old.Spec != cur.Spec ||
			!cur.DeletionTimestamp.Equal(old.DeletionTimestamp)
	},
}

// nodeTargetingChanged passes nodes that come or go, and changes of what
// decides whether the daemon runs on a node: labels and taints.
var nodeTargetingChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*corev1.Node)
		n, ok2 := e.ObjectNew.(*corev1.Node)
		return !ok1 || !ok2 || !maps.Equal(o.Labels, n.Labels) || !equality.Semantic.DeepEqual(o.Spec.Taints, n.Spec.Taints)
	},
}

// TrimNode keeps of a Node what targeting reads (name, labels, taints) and
// the kubelet directory annotation (the spod controller mounts it): node
// status (images, conditions) is most of a Node's size, and a manager on a
// large cluster would otherwise hold all of it.
func TrimNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	return &corev1.Node{
		TypeMeta: n.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{Name: n.Name, UID: n.UID, ResourceVersion: n.ResourceVersion,
			Labels: n.Labels, Annotations: kubeletDirAnnotation(n.Annotations), DeletionTimestamp: n.DeletionTimestamp},
		Spec: corev1.NodeSpec{Taints: n.Spec.Taints},
		// The spod reconciler picks each node's selinuxd image by it.
		Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{OSImage: n.Status.NodeInfo.OSImage}},
	}, nil
}

func kubeletDirAnnotation(a map[string]string) map[string]string {
	v, ok := a[v1.AnnotationKubeletDir]
	if !ok {
		return nil
	}
	return map[string]string{v1.AnnotationKubeletDir: v}
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
