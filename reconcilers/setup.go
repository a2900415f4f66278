package reconcilers

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/bindings"
	"github.com/secprofiles/spo/reconcilers/nodestatus"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/reconcilers/recordingstatus"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/reconcilers/workloads"
)

// CacheOptions are the manager's cache settings. Pods are cached stripped to
// what the reconcilers read, so memory stays small in clusters with many
// pods.
func CacheOptions() cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}:  {Transform: workloads.TransformPod},
		&corev1.Node{}: {Transform: nodestatus.TrimNode},
	}}
}

// CacheOptionsFor are CacheOptions plus, when opts.Namespace is set, the
// spod controller's kinds cached from that namespace alone: informers for
// DaemonSets, Deployments, Services and PodDisruptionBudgets would
// otherwise hold every one in the cluster.
func CacheOptionsFor(opts Options) cache.Options {
	o := CacheOptions()
	if opts.RestrictNamespace != "" {
		// Namespaced kinds not listed below (pods, bindings,
		// recordings) come from these namespaces only; cluster-scoped
		// ones (profiles, nodes) are unaffected.
		o.DefaultNamespaces = map[string]cache.Config{opts.RestrictNamespace: {}}
		if opts.Namespace != "" {
			o.DefaultNamespaces[opts.Namespace] = cache.Config{}
		}
	}
	if opts.Namespace == "" {
		return o
	}
	only := map[string]cache.Config{opts.Namespace: {}}
	// Secrets: the spod controller watches their metadata (the SPOD's
	// ociArtifactPullSecrets), and the manager may read them in its own
	// namespace only.
	for _, obj := range []client.Object{&appsv1.DaemonSet{}, &appsv1.Deployment{}, &corev1.Service{},
		&policyv1.PodDisruptionBudget{}, &v1.SecurityProfilesOperatorDaemon{}, &corev1.Secret{}} {
		o.ByObject[obj] = cache.ByObject{Namespaces: only}
	}
	return o
}

// Options are the manager's settings the controllers need.
type Options struct {
	// Namespace of the operator, where the SecurityProfilesOperatorDaemon
	// and the DaemonSet live. Empty leaves the spod controller out (suites
	// that test other controllers).
	Namespace string
	// Image of spo, run by the node DaemonSet.
	Image string
	// SelinuxdImage runs selinuxd when SELinux is enabled (the spod
	// package's default if empty).
	SelinuxdImage string
	// KubeletDir is the kubelet root directory of nodes that name none
	// (spod.Params.KubeletDir).
	KubeletDir string
	// RestrictNamespace, when set, is the one namespace of workloads the
	// controllers watch (besides Namespace); the spod controller hands it
	// to the daemon and the webhook server (RESTRICT_TO_NAMESPACE).
	RestrictNamespace string
}

// Setup registers every manager-side controller but spod.
func Setup(mgr manager.Manager) error {
	return SetupWithOptions(mgr, Options{})
}

// SetupWithOptions registers every manager-side controller; spod when
// opts.Namespace is set.
func SetupWithOptions(mgr manager.Manager, opts Options) error {
	if err := nodestatus.IndexNodeReports(mgr); err != nil {
		return fmt.Errorf("indexing node reports: %w", err)
	}
	base := nodestatus.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}
	if opts.Namespace != "" {
		// Nodes the SPOD's scheduling leaves out are pruned like gone ones.
		base.DaemonSet = nodestatus.DaemonSetKey{Namespace: opts.Namespace, Name: spod.DaemonSetName}
	}
	for _, r := range []*nodestatus.Reconciler{nodestatus.NewSeccomp(base), nodestatus.NewSelinux(base),
		nodestatus.NewRawSelinux(base), nodestatus.NewAppArmor(base)} {
		if err := r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("setting up %s status: %w", r.Kind, err)
		}
	}
	// The live read that confirms a profile's release lists the pods of
	// the namespaces the cache holds, no more.
	var podNamespaces []string
	if opts.RestrictNamespace != "" {
		podNamespaces = append(podNamespaces, opts.RestrictNamespace)
		if opts.Namespace != "" && opts.Namespace != opts.RestrictNamespace {
			podNamespaces = append(podNamespaces, opts.Namespace)
		}
	}
	if err := workloads.SetupAll(mgr, podNamespaces...); err != nil {
		return fmt.Errorf("setting up workloads: %w", err)
	}
	if err := (&bindings.Reconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up bindings: %w", err)
	}
	if err := (&recordingmerger.Reconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up recordingmerger: %w", err)
	}
	if err := (&recordingstatus.Reconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up recordingstatus: %w", err)
	}
	if opts.Namespace != "" {
		r := &spod.Reconciler{Client: mgr.GetClient(), Params: spod.Params{
			Namespace: opts.Namespace, Image: opts.Image, SelinuxdImage: opts.SelinuxdImage, KubeletDir: opts.KubeletDir,
			RestrictNamespace: opts.RestrictNamespace}}
		if err := r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("setting up spod: %w", err)
		}
	}
	return nil
}

// Leader election and Events, for every manager-side controller.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=security-profiles-operator,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// Leader election reports through core Events.
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
