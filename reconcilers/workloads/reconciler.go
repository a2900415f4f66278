package workloads

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
)

// IndexPodSeccompProfiles is the field index on pods that maps a
// SeccompProfile name to the pods referencing it (SeccompProfilesOf).
const IndexPodSeccompProfiles = "spo.seccompProfiles"

// ControllerName names the SeccompProfile controller and reports its
// events; the other kinds' are in Kinds.
const ControllerName = "workloads-seccomp"

// Reconciler keeps each profile's status.activeWorkloads and its
// v1.FinalizerInUse in step with the pods that use the profile, for one
// Kind.
type Reconciler struct {
	client.Client

	// Kind is the profile kind; the zero value means Seccomp.
	Kind Kind

	// Recorder reports when a profile starts and stops being in use. Nil
	// means SetupWithManager takes the manager's recorder.
	Recorder events.EventRecorder

	// APIReader reads pods from the API server, bypassing the cache, to
	// confirm that no pod uses a profile being deleted before its
	// finalizer is released (liveUsersOf). Nil means SetupWithManager
	// takes the manager's APIReader.
	APIReader client.Reader

	// Namespaces are those whose pods the manager's cache holds; the live
	// read lists the same ones. Empty means every namespace.
	Namespaces []string

	// pageSize is the live List's page size; 0 means livePageSize.
	pageSize int64
}

// SetupAll registers a Reconciler for every kind in Kinds. namespaces are
// those the manager caches pods from, when it does not cache all of them
// (reconcilers.CacheOptionsFor with a RestrictNamespace).
func SetupAll(mgr ctrl.Manager, namespaces ...string) error {
	for _, k := range Kinds {
		r := &Reconciler{Client: mgr.GetClient(), Kind: k, Namespaces: namespaces}
		if err := r.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reconciler) kind() Kind {
	if r.Kind.Name == "" {
		return Seccomp
	}
	return r.Kind
}

// SetupWithManager registers the pod index and the controller with mgr.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	k := r.kind()
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &corev1.Pod{},
		k.Index, k.indexFunc); err != nil {
		return fmt.Errorf("indexing pods by %s: %w", k.Index, err)
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(k.Controller)
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	// On updates the handler maps both the old and the new pod. That matters
	// little: a pod's profile references never go away (its spec is
	// immutable; ephemeral containers can only be added), and what changes
	// whether a pod counts (phase, deletion, container states) leaves the
	// references as they were.
	return ctrl.NewControllerManagedBy(mgr).
		Named(k.Controller).
		For(k.New()).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			var reqs []reconcile.Request
			for _, name := range k.indexFunc(obj) {
				reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: name}})
			}
			return reqs
		})).
		Complete(r)
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/status;selinuxprofiles/status;rawselinuxprofiles/status;apparmorprofiles/status,verbs=patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/finalizers;selinuxprofiles/finalizers;rawselinuxprofiles/finalizers;apparmorprofiles/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one profile's activeWorkloads and in-use finalizer in
// line with the pods that use it.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	profile := r.kind().New()
	if err := r.Get(ctx, req.NamespacedName, profile); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("getting %s %s: %w", r.kind().Name, req.Name, err)
	}
	result, err := r.sync(ctx, profile)
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		// Our cached copy was stale. The watch event that carries the newer
		// profile (or its deletion) queues it again; retrying now would
		// only fail the same way.
		log.FromContext(ctx).V(1).Info("Profile changed while reconciling", "error", err.Error())
		return ctrl.Result{}, nil
	}
	return result, err
}

func (r *Reconciler) sync(ctx context.Context, profile v1.Profile) (ctrl.Result, error) {
	// SPO's in-use finalizer becomes v1.FinalizerInUse, or stands in for it
	// on a profile already being deleted.
	if err := takeover.Workloads.Apply(ctx, r.Client, profile); err != nil {
		return ctrl.Result{}, err
	}
	users, err := r.usersOf(ctx, profile.GetName())
	if err != nil {
		return ctrl.Result{}, err
	}
	if mustConfirm(!profile.GetDeletionTimestamp().IsZero(),
		takeover.Workloads.Holds(profile.GetFinalizers(), v1.FinalizerInUse), len(users)) {
		// A pod created just before the deletion may not be in the cache
		// yet: ask the API server before letting go for good.
		live, err := r.liveUsersOf(ctx, profile.GetName())
		if err != nil {
			return ctrl.Result{}, err
		}
		if len(live) > 0 {
			log.FromContext(ctx).Info("Keeping a profile being deleted: the cache does not show pods the API server has",
				"activeWorkloads", live)
			// The finalizer is held already; the status names the pods
			// until the cache catches up and takes over.
			if err := r.setActiveWorkloads(ctx, profile, live); err != nil {
				return ctrl.Result{}, err
			}
			return ctrl.Result{RequeueAfter: LiveRecheck}, nil
		}
	}
	// Order the writes so the finalizer protects the profile before the
	// status announces a user, and is released only after the status shows
	// none: releasing it may delete the profile at once.
	if len(users) > 0 {
		if err := r.holdFinalizer(ctx, profile, users); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, r.setActiveWorkloads(ctx, profile, users)
	}
	if err := r.setActiveWorkloads(ctx, profile, nil); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.releaseFinalizer(ctx, profile)
}

// usersOf returns, sorted as "namespace/name", the pods that may still run
// under the named profile.
func (r *Reconciler) usersOf(ctx context.Context, name string) ([]string, error) {
	var pods corev1.PodList
	// The pods are only read, so copying every one out of the cache is waste.
	if err := r.List(ctx, &pods, client.MatchingFields{r.kind().Index: name},
		client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing pods using %s %s: %w", r.kind().Name, name, err)
	}
	var users []string
	for i := range pods.Items {
		if MayRun(&pods.Items[i]) {
			users = append(users, pods.Items[i].Namespace+"/"+pods.Items[i].Name)
		}
	}
	slices.Sort(users)
	return users, nil
}

// setActiveWorkloads patches status.activeWorkloads, and nothing else: the
// patch is the difference from a copy that differs only there, so it never
// carries status.status or the conditions, which another reconciler owns.
func (r *Reconciler) setActiveWorkloads(ctx context.Context, profile v1.Profile, users []string) error {
	if slices.Equal(profile.ProfileStatus().ActiveWorkloads, users) {
		return nil
	}
	base := profile.DeepCopyObject().(v1.Profile)
	profile.ProfileStatus().ActiveWorkloads = users
	if err := r.Status().Patch(ctx, profile, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("patching activeWorkloads of %s %s: %w", r.kind().Name, profile.GetName(), err)
	}
	log.FromContext(ctx).V(1).Info("Updated active workloads", "activeWorkloads", users)
	return nil
}

// holdFinalizer adds v1.FinalizerInUse unless the profile is being deleted:
// pods created after the user deleted a profile must not resurrect it. The
// API server would refuse the new finalizer anyway; asking would only fail
// every reconcile, and the status would never show the pods.
func (r *Reconciler) holdFinalizer(ctx context.Context, profile v1.Profile, users []string) error {
	if takeover.Workloads.Holds(profile.GetFinalizers(), v1.FinalizerInUse) || !profile.GetDeletionTimestamp().IsZero() {
		return nil
	}
	if err := r.patchFinalizers(ctx, profile, controllerutil.AddFinalizer); err != nil {
		return err
	}
	r.Recorder.Eventf(profile, nil, corev1.EventTypeNormal, "InUse", "AddFinalizer",
		"Used by %d pod(s), first %s", len(users), users[0])
	return nil
}

func (r *Reconciler) releaseFinalizer(ctx context.Context, profile v1.Profile) error {
	if !takeover.Workloads.Holds(profile.GetFinalizers(), v1.FinalizerInUse) {
		return nil
	}
	if err := takeover.Workloads.ApplyRelease(ctx, r.Client, profile, v1.FinalizerInUse); err != nil {
		return err
	}
	r.Recorder.Eventf(profile, nil, corev1.EventTypeNormal, "NoLongerInUse", "RemoveFinalizer",
		"No pod uses the profile any more")
	return nil
}

// patchFinalizers applies change to the finalizers with an optimistic lock.
// A merge patch replaces the whole list, and the daemons add and remove
// their per-node finalizers concurrently: without the lock a patch built from
// a stale cache would silently drop or revive theirs.
func (r *Reconciler) patchFinalizers(ctx context.Context, profile v1.Profile,
	change func(client.Object, string) bool) error {
	base := profile.DeepCopyObject().(v1.Profile)
	change(profile, v1.FinalizerInUse)
	patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if err := r.Patch(ctx, profile, patch); err != nil {
		return fmt.Errorf("patching finalizer %s of %s %s: %w", v1.FinalizerInUse, r.kind().Name, profile.GetName(), err)
	}
	return nil
}
