package nodeinstall

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodereport"
	"github.com/secprofiles/spo/daemon/spodmetrics"
	"github.com/secprofiles/spo/reconcilers/takeover"
)

// Reconciler installs the profiles of one kind on one node.
type Reconciler[P v1.Profile] struct {
	client.Client
	// Node is the node this daemon runs on.
	Node string
	// Kind is the profile kind, e.g. "SeccompProfile"; it names the
	// controller and matches SecurityProfileNodeStatus spec.profileKind.
	Kind string
	// New returns an empty profile of the kind; NewList an empty list.
	New     func() P
	NewList func() client.ObjectList
	// Installer does the node's work.
	Installer Installer[P]
	// Namespace holds the operator's SecurityProfilesOperatorDaemon.
	Namespace string
	// BuildsOn, if set, names the profiles of the same kind p builds on:
	// a change to one of them reconciles p again.
	BuildsOn func(p P) []string
	Events   events.EventRecorder
	// Ops counts installs ("update") and removals ("delete"); Errors
	// counts refusals by reason.
	Ops, Errors *prometheus.CounterVec
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings this node in line with one profile.
func (r *Reconciler[P]) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	profile := r.New()
	if err := r.Get(ctx, req.NamespacedName, profile); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	switch Decide(profile) {
	case ActionKeep:
		st := v1.SecurityProfileNodeStatusStatus{
			Status:  v1.ProfileStateTerminating,
			Message: "deleted; kept on the node while pods use it",
			Path:    r.location(profile),
		}
		if profile.GetDeletionTimestamp().IsZero() {
			st.Status, st.Message = v1.ProfileStateDisabled, "disabled; kept on the node while pods use it"
		}
		return reconcile.Result{}, r.report().Set(ctx, profile, st)
	case ActionRemove:
		return reconcile.Result{}, r.remove(ctx, profile)
	default:
		return r.install(ctx, profile)
	}
}

// Action is what a node does with a profile.
type Action int

const (
	ActionInstall Action = iota
	ActionRemove
	ActionKeep
)

// Decide says what a node does with a profile. A profile a pod uses
// (v1.FinalizerInUse) is kept whether it is being deleted or disabled:
// removing it would break the pod's next container start. Partial profiles
// were never installed, so there is nothing to keep.
func Decide(p v1.Profile) Action {
	deleting := !p.GetDeletionTimestamp().IsZero()
	partial := p.GetLabels()[v1.LabelPartial] == "true"
	// SPO's in-use finalizer counts until the manager has swapped it.
	inUse := takeover.Workloads.Holds(p.GetFinalizers(), v1.FinalizerInUse)
	switch {
	case (deleting || !p.ProfileSpec().Enabled()) && inUse && !partial:
		return ActionKeep
	case deleting, !p.ProfileSpec().Enabled(), partial:
		return ActionRemove
	default:
		return ActionInstall
	}
}

func (r *Reconciler[P]) install(ctx context.Context, profile P) (reconcile.Result, error) {
	rep := r.report()
	if err := rep.AddFinalizer(ctx, profile); err != nil {
		return reconcile.Result{}, r.countSPO(profile, spodmetrics.StageUpdateProfile, err)
	}
	done, err := r.Installer.Install(ctx, profile)
	if err != nil {
		return reconcile.Result{}, r.fail(ctx, profile, err)
	}
	if done.Changed {
		log.FromContext(ctx).Info("profile installed", "location", done.Location)
		r.Ops.WithLabelValues("update").Inc()
		r.Events.Eventf(profile, nil, corev1.EventTypeNormal, "Installed", "Install",
			"installed %s on node %s", done.Location, r.Node)
	}
	st := v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled, Path: done.Location}
	if w := done.Warning; w != nil {
		st.Reason, st.Message = w.Reason, w.Message
		// A warning follows from the content, so it is worth an Event
		// when the content changes; the node status keeps saying it.
		if done.Changed {
			log.FromContext(ctx).Info("profile installed with a warning", "reason", w.Reason, "warning", w.Message)
			r.Events.Eventf(profile, nil, corev1.EventTypeWarning, w.Reason, "Install", "node %s: %s", r.Node, w.Message)
		}
	}
	return reconcile.Result{RequeueAfter: done.RecheckAfter},
		r.countSPO(profile, spodmetrics.StageUpdateStatus, rep.Set(ctx, profile, st))
}

// fail reports a profile error. Errors about the profile itself are final
// until the profile (or what it builds on, or the policy) changes, which
// triggers a new reconcile, so they are not retried; anything else is.
func (r *Reconciler[P]) fail(ctx context.Context, profile P, err error) error {
	var perr *Error
	if !errors.As(err, &perr) {
		return err
	}
	log.FromContext(ctx).Info("profile refused", "reason", perr.Reason, "error", perr.Error())
	r.Errors.WithLabelValues(perr.Reason).Inc()
	spodmetrics.ObserveError(r.Kind, profile.GetName(), spodmetrics.StageInstall, perr.Reason)
	r.Events.Eventf(profile, nil, corev1.EventTypeWarning, perr.Reason, "Install", "node %s: %s", r.Node, perr.Error())
	setErr := r.report().Set(ctx, profile, v1.SecurityProfileNodeStatusStatus{
		Status:  v1.ProfileStateError,
		Reason:  perr.Reason,
		Message: perr.Error(),
	})
	if perr.Retry {
		return errors.Join(err, setErr)
	}
	return setErr
}

// remove takes the profile off the node, then deletes the node status,
// then the finalizer: the finalizer goes last so the profile cannot vanish
// while the node still has it.
func (r *Reconciler[P]) remove(ctx context.Context, profile P) error {
	removed, err := r.Installer.Remove(ctx, profile)
	if err != nil {
		return r.countSPO(profile, spodmetrics.StageRemove, err)
	}
	if removed {
		log.FromContext(ctx).Info("profile removed")
		r.Ops.WithLabelValues("delete").Inc()
		r.Events.Eventf(profile, nil, corev1.EventTypeNormal, "Removed", "Remove", "removed %s from node %s",
			profile.GetName(), r.Node)
	}
	rep := r.report()
	if err := rep.Delete(ctx, profile); err != nil {
		return err
	}
	return rep.RemoveFinalizer(ctx, profile)
}

// countSPO counts a failure other than an install refusal in SPO's error
// family of the kind (package spodmetrics), and returns err.
func (r *Reconciler[P]) countSPO(profile P, stage spodmetrics.Stage, err error) error {
	if err != nil {
		spodmetrics.ObserveError(r.Kind, profile.GetName(), stage, "")
	}
	return err
}

func (r *Reconciler[P]) report() nodereport.Reporter {
	return nodereport.Reporter{Client: r.Client, Node: r.Node}
}

func (r *Reconciler[P]) location(p P) string {
	if l, ok := r.Installer.(Locator[P]); ok {
		return l.Location(p)
	}
	return ""
}
