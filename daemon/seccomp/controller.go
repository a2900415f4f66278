package seccomp

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodefs"
	"github.com/secprofiles/spo/daemon/nodereport"
)

// Reconciler installs SeccompProfiles on one node.
type Reconciler struct {
	client.Client
	Node       string
	KubeletDir string
	// Namespace holds the SecurityProfilesOperatorDaemon whose security
	// settings limit what profiles may allow.
	Namespace string
	Events    events.EventRecorder
}

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings this node's file for one profile in line with the object.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	profile := &v1.SeccompProfile{}
	if err := r.Get(ctx, req.NamespacedName, profile); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	switch decide(profile) {
	case actionKeep:
		return reconcile.Result{}, r.report().Set(ctx, profile, v1.SecurityProfileNodeStatusStatus{
			Status:  v1.ProfileStateTerminating,
			Message: "kept on the node while pods use it",
			Path:    r.path(profile),
		})
	case actionRemove:
		return reconcile.Result{}, r.remove(ctx, profile)
	default:
		return reconcile.Result{}, r.install(ctx, profile)
	}
}

type nodeAction int

const (
	actionInstall nodeAction = iota
	actionRemove
	actionKeep
)

// decide says what a node does with a profile. A profile being deleted
// stays on the node while the in-use finalizer says a pod still runs with
// it: removing the file would break the pod's next container restart.
func decide(p *v1.SeccompProfile) nodeAction {
	switch {
	case !p.DeletionTimestamp.IsZero() && controllerutil.ContainsFinalizer(p, v1.FinalizerInUse):
		return actionKeep
	case !p.DeletionTimestamp.IsZero(), !p.Spec.Enabled(), p.Labels[v1.LabelPartial] == "true":
		return actionRemove
	default:
		return actionInstall
	}
}

func (r *Reconciler) install(ctx context.Context, profile *v1.SeccompProfile) error {
	rep := r.report()
	if err := rep.AddFinalizer(ctx, profile); err != nil {
		return err
	}
	data, err := r.render(ctx, profile)
	if err != nil {
		return r.fail(ctx, profile, err)
	}
	path, err := ProfilePath(r.KubeletDir, profile.Name)
	if err != nil {
		return r.fail(ctx, profile, err)
	}
	changed, err := nodefs.WriteFileAtomic(path, data, 0o644)
	if err != nil {
		return r.fail(ctx, profile, &Error{Reason: ReasonWriteFailed, Message: err.Error()})
	}
	if changed {
		log.FromContext(ctx).Info("profile written", "path", path)
		profileOps.WithLabelValues("update").Inc()
		r.Events.Eventf(profile, nil, corev1.EventTypeNormal, "Installed", "Install", "wrote %s on node %s", path, r.Node)
	}
	return rep.Set(ctx, profile, v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled, Path: path})
}

// render turns the profile, with its base chain, into the OCI JSON the
// container runtime reads, refusing anything the node or the cluster's
// policy does not accept. The profile's own spec is checked first so that
// field paths point into the object the user wrote; the merged result is
// checked again because policy applies to inherited rules too.
func (r *Reconciler) render(ctx context.Context, profile *v1.SeccompProfile) ([]byte, error) {
	sec, err := r.securityConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := check(&profile.Spec, sec); err != nil {
		return nil, err
	}
	// Resolve also normalises a profile without a base (sorted
	// architectures and flags), so every node writes identical bytes.
	spec, err := Resolve(profile, r.getter(ctx))
	if err != nil {
		return nil, err
	}
	if profile.Spec.BaseProfileName == "" {
		return MarshalOCI(spec)
	}
	if err := check(spec, sec); err != nil {
		var perr *Error
		if errors.As(err, &perr) {
			return nil, &Error{Reason: perr.Reason, Field: "spec.baseProfileName",
				Message: "merged with its base profiles: " + perr.Error()}
		}
		return nil, err
	}
	return MarshalOCI(spec)
}

func check(spec *v1.SeccompProfileSpec, sec v1.SecurityConfig) error {
	if err := Validate(spec); err != nil {
		return err
	}
	return CheckPolicy(spec, sec)
}

// fail reports a profile error. Errors about the profile itself are final
// until the profile (or its base, or the policy) changes, which triggers a
// new reconcile, so they are not retried; anything else is.
func (r *Reconciler) fail(ctx context.Context, profile *v1.SeccompProfile, err error) error {
	var perr *Error
	if !errors.As(err, &perr) {
		return err
	}
	log.FromContext(ctx).Info("profile refused", "reason", perr.Reason, "error", perr.Error())
	profileErrors.WithLabelValues(perr.Reason).Inc()
	r.Events.Eventf(profile, nil, corev1.EventTypeWarning, perr.Reason, "Install", "node %s: %s", r.Node, perr.Error())
	setErr := r.report().Set(ctx, profile, v1.SecurityProfileNodeStatusStatus{
		Status:  v1.ProfileStateError,
		Reason:  perr.Reason,
		Message: perr.Error(),
	})
	if perr.Reason == ReasonWriteFailed {
		return errors.Join(err, setErr)
	}
	return setErr
}

// remove deletes the file, then the node status, then the finalizer: the
// finalizer goes last so the profile cannot vanish while a file remains.
func (r *Reconciler) remove(ctx context.Context, profile *v1.SeccompProfile) error {
	if path, err := ProfilePath(r.KubeletDir, profile.Name); err == nil {
		removed, err := nodefs.RemoveFile(path)
		if err != nil {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		if removed {
			log.FromContext(ctx).Info("profile removed", "path", path)
			profileOps.WithLabelValues("delete").Inc()
			r.Events.Eventf(profile, nil, corev1.EventTypeNormal, "Removed", "Remove", "removed %s on node %s", path, r.Node)
		}
	}
	rep := r.report()
	if err := rep.Delete(ctx, profile); err != nil {
		return err
	}
	return rep.RemoveFinalizer(ctx, profile)
}

func (r *Reconciler) report() nodereport.Reporter {
	return nodereport.Reporter{Client: r.Client, Node: r.Node}
}

func (r *Reconciler) path(profile *v1.SeccompProfile) string {
	p, _ := ProfilePath(r.KubeletDir, profile.Name)
	return p
}

func (r *Reconciler) getter(ctx context.Context) Getter {
	return func(name string) (*v1.SeccompProfile, error) {
		p := &v1.SeccompProfile{}
		if err := r.Get(ctx, client.ObjectKey{Name: name}, p); err != nil {
			return nil, err
		}
		return p, nil
	}
}

// securityConfig reads the cluster-wide limits; without a
// SecurityProfilesOperatorDaemon there are none.
func (r *Reconciler) securityConfig(ctx context.Context) (v1.SecurityConfig, error) {
	spod := &v1.SecurityProfilesOperatorDaemon{}
	err := r.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: v1.SPODName}, spod)
	if apierrors.IsNotFound(err) {
		return v1.SecurityConfig{}, nil
	}
	if err != nil {
		return v1.SecurityConfig{}, fmt.Errorf("reading %s/%s: %w", r.Namespace, v1.SPODName, err)
	}
	return spod.Spec.Security, nil
}
