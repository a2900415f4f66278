package bindings

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
	"github.com/secprofiles/spo/reconcilers/workloads"
	"github.com/secprofiles/spo/webhooks/binding"
)

// ControllerName names the controller in logs and metrics.
const ControllerName = "bindings"

// Reconciler keeps ProfileBinding status.activeWorkloads in step with the
// pods the binding has bound.
type Reconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilebindings,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilebindings/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// Reconcile recomputes one binding's activeWorkloads.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	b := &v1.ProfileBinding{}
	if err := r.Get(ctx, req.NamespacedName, b); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("getting ProfileBinding %s: %w", req.NamespacedName, err)
	}
	// SPO held bindings while pods used them; spo only reports the pods.
	if err := takeover.Bindings.Apply(ctx, r.Client, b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ref, err := r.referenceOf(ctx, b)
	if err != nil {
		return ctrl.Result{}, err
	}
	pods, err := r.boundPods(ctx, b, ref)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.setActiveWorkloads(ctx, b, pods)
}

// referenceOf returns what the binding's profile publishes for pods to
// carry, or "" when the profile does not exist.
func (r *Reconciler) referenceOf(ctx context.Context, b *v1.ProfileBinding) (string, error) {
	ref := b.Spec.ProfileRef
	p, err := binding.NewProfile(ref.Kind)
	if err != nil {
		return "", err
	}
	if err := r.Get(ctx, client.ObjectKey{Name: ref.Name}, p); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("getting %s %s: %w", ref.Kind, ref.Name, err)
	}
	return binding.Reference(p), nil
}

// boundPods returns, sorted as "namespace/name", the pods in b's namespace
// that b has bound and that may still run.
func (r *Reconciler) boundPods(ctx context.Context, b *v1.ProfileBinding, ref string) ([]string, error) {
	if ref == "" {
		return nil, nil
	}
	var pods corev1.PodList
	// Read-only; copying every pod of the namespace out of the cache is waste.
	if err := r.List(ctx, &pods, client.InNamespace(b.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing pods in %s: %w", b.Namespace, err)
	}
	var out []string
	for i := range pods.Items {
		p := &pods.Items[i]
		if workloads.MayRun(p) && binding.Bound(p, b, ref) {
			out = append(out, p.Namespace+"/"+p.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// setActiveWorkloads patches status.activeWorkloads when it changed. A
// binding deleted meanwhile has no status left to keep.
func (r *Reconciler) setActiveWorkloads(ctx context.Context, b *v1.ProfileBinding, pods []string) error {
	if slices.Equal(b.Status.ActiveWorkloads, pods) {
		return nil
	}
	base := b.DeepCopy()
	b.Status.ActiveWorkloads = pods
	if err := r.Status().Patch(ctx, b, client.MergeFrom(base)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patching activeWorkloads of ProfileBinding %s/%s: %w", b.Namespace, b.Name, err)
	}
	log.FromContext(ctx).V(1).Info("Updated active workloads", "activeWorkloads", pods)
	return nil
}
