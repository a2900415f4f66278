package nodestatus

import (
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
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
	// DaemonSet is the node DaemonSet whose pods report: a node its pod
	// template no longer targets (Targeted) is treated as gone. Empty, or
	// while the DaemonSet does not exist, every node is targeted.
	DaemonSet DaemonSetKey
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/status;selinuxprofiles/status;rawselinuxprofiles/status;apparmorprofiles/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,namespace=security-profiles-operator,resources=daemonsets,verbs=get;list;watch

// Reconcile publishes one profile's status and prunes what vanished nodes
// left behind.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	p := r.New()
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if err := takeover.NodeStatus.Apply(ctx, r.Client, p); err != nil {
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
	if w := WarningCondition(reports, p.GetGeneration()); w != nil {
		apimeta.SetStatusCondition(&st.Conditions, *w)
	} else {
		apimeta.RemoveStatusCondition(&st.Conditions, v1.ConditionNodeWarnings)
	}
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

// prune removes the finalizers and reports of nodes that no longer exist
// or that the daemon no longer runs on (the SPOD's scheduling changed, a
// label or taint of the node did). The cache may lag behind a node that
// just joined or a change of the DaemonSet, so nodes and DaemonSet are read
// again from the API server before anything is removed.
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
	log.FromContext(ctx).Info("pruned finalizers of nodes that no longer exist or no longer run the daemon", "finalizers", stale)
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

// nodeNames are the nodes the daemon runs on (or is to run on): every
// node that exists and that the DaemonSet's pod template targets.
func (r *Reconciler) nodeNames(ctx context.Context, c client.Reader) ([]string, error) {
	template, err := r.daemonTemplate(ctx, c)
	if err != nil {
		return nil, err
	}
	list := &corev1.NodeList{}
	if err := c.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	targeted := Targeting(template)
	names := make([]string, 0, len(list.Items))
	for i := range list.Items {
		if targeted(&list.Items[i]) {
			names = append(names, list.Items[i].Name)
		}
	}
	return names, nil
}

// daemonTemplate is the DaemonSet's pod spec; nil (every node) when there
// is no DaemonSet to go by.
func (r *Reconciler) daemonTemplate(ctx context.Context, c client.Reader) (*corev1.PodSpec, error) {
	if r.DaemonSet.Name == "" {
		return nil, nil
	}
	ds := &appsv1.DaemonSet{}
	if err := c.Get(ctx, r.DaemonSet, ds); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading DaemonSet %s: %w", r.DaemonSet, err)
	}
	return &ds.Spec.Template.Spec, nil
}
