package nodestatus

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
)

// IndexProfile finds the node reports on one profile; its value is
// "<kind>/<name>".
const IndexProfile = "spec.profile"

// Reconciler publishes the cluster-wide status of one profile kind.
type Reconciler struct {
	client.Client
	// APIReader reads nodes uncached before anything is pruned.
	APIReader client.Reader
	// Kind is the profile kind, e.g. SeccompProfile.
	Kind string
	// New returns an empty profile of the kind.
	New func() v1.Profile
	// Publish sets kind-specific status fields (seccomp's localhostProfile,
	// SELinux's usage) from the profile and the node reports. Optional.
	Publish func(p v1.Profile, reports []v1.SecurityProfileNodeStatus)
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/status;selinuxprofiles/status;rawselinuxprofiles/status;apparmorprofiles/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch

// Reconcile publishes one profile's status and prunes what vanished nodes
// left behind.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	p := r.New()
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	nodes, err := r.nodeNames(ctx, r)
	if err != nil {
		return reconcile.Result{}, err
	}
	if err := r.prune(ctx, p, nodes); err != nil {
		return reconcile.Result{}, err
	}
	reports := &v1.SecurityProfileNodeStatusList{}
	if err := r.List(ctx, reports, client.MatchingFields{IndexProfile: r.Kind + "/" + p.GetName()}); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing node statuses: %w", err)
	}
	return reconcile.Result{}, r.publish(ctx, p, reports.Items, len(nodes))
}

func (r *Reconciler) publish(ctx context.Context, p v1.Profile, reports []v1.SecurityProfileNodeStatus, nodes int) error {
	orig, ok := p.DeepCopyObject().(v1.Profile)
	if !ok {
		return fmt.Errorf("cannot copy %T", p)
	}
	sum := Summarize(p, reports, nodes)
	st := p.ProfileStatus()
	st.Status = sum.State
	apimeta.SetStatusCondition(&st.Conditions, sum.Condition(p.GetGeneration()))
	if r.Publish != nil {
		r.Publish(p, reports)
	}
	if equality.Semantic.DeepEqual(orig, p) {
		return nil
	}
	log.FromContext(ctx).V(1).Info("publishing status", "state", sum.State, "reason", sum.Reason)
	if err := r.Status().Patch(ctx, p, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("updating status of %s: %w", p.GetName(), err)
	}
	return nil
}

// prune removes the finalizers and reports of nodes that no longer exist.
// The cache may lag behind a node that just joined, so the node list is
// read again from the API server before anything is removed.
func (r *Reconciler) prune(ctx context.Context, p v1.Profile, cached []string) error {
	if len(StaleFinalizers(p.GetFinalizers(), cached)) == 0 {
		return nil
	}
	nodes, err := r.nodeNames(ctx, r.APIReader)
	if err != nil {
		return err
	}
	stale := StaleFinalizers(p.GetFinalizers(), nodes)
	if len(stale) == 0 {
		return nil
	}
	if err := r.deleteReportsOfGoneNodes(ctx, p, nodes); err != nil {
		return err
	}
	orig := p.DeepCopyObject().(v1.Profile)
	p.SetFinalizers(slices.DeleteFunc(p.GetFinalizers(), func(f string) bool { return slices.Contains(stale, f) }))
	if err := r.Patch(ctx, p, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("pruning finalizers %v of %s: %w", stale, p.GetName(), err)
	}
	log.FromContext(ctx).Info("pruned finalizers of nodes that no longer exist", "finalizers", stale)
	return nil
}

func (r *Reconciler) deleteReportsOfGoneNodes(ctx context.Context, p v1.Profile, nodes []string) error {
	reports := &v1.SecurityProfileNodeStatusList{}
	if err := r.List(ctx, reports, client.MatchingFields{IndexProfile: r.Kind + "/" + p.GetName()}); err != nil {
		return fmt.Errorf("listing node statuses: %w", err)
	}
	for i := range reports.Items {
		if slices.Contains(nodes, reports.Items[i].Spec.NodeName) {
			continue
		}
		if err := r.Delete(ctx, &reports.Items[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting node status %s: %w", reports.Items[i].Name, err)
		}
	}
	return nil
}

func (r *Reconciler) nodeNames(ctx context.Context, c client.Reader) ([]string, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	if err := c.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	names := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	return names, nil
}
