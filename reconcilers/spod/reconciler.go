package spod

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/kubeletdir"
)

// ControllerName names the controller in logs, metrics and Events.
const ControllerName = "spod"

// Reconciler keeps the node DaemonSet and the SPOD's status in step with
// the SPOD.
type Reconciler struct {
	client.Client
	Params
	Recorder events.EventRecorder
	// Secrets reads the Secrets the SPOD's ociArtifactPullSecrets names,
	// from the API server (SetupWithManager: the manager's APIReader); nil
	// leaves them unchecked.
	Secrets client.Reader
}

// Everything the spod controller writes lives in the operator's namespace:
// a Role there, not a ClusterRole, so the manager cannot run a workload in
// any other namespace (its cache of these kinds is limited to the namespace
// too, reconcilers.CacheOptionsFor).
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,namespace=security-profiles-operator,resources=securityprofilesoperatordaemons,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,namespace=security-profiles-operator,resources=securityprofilesoperatordaemons/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apps,namespace=security-profiles-operator,resources=daemonsets;deployments,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=apps,namespace=security-profiles-operator,resources=daemonsets,verbs=delete
// The node label LabelSelinuxd picks each node's selinuxd DaemonSet.
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",namespace=security-profiles-operator,resources=services,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=policy,namespace=security-profiles-operator,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch
// The Secrets of security.ociArtifactPullSecrets are checked, never
// written; the daemon gets them through a projected volume instead.
// +kubebuilder:rbac:groups="",namespace=security-profiles-operator,resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=monitoring.coreos.com,namespace=security-profiles-operator,resources=servicemonitors,verbs=get;list;watch;create;update;patch

// Reconcile creates the SPOD when it is missing, applies the node
// DaemonSet, the webhook server and the metrics Service (and
// ServiceMonitor) it asks for and reports the rollout in its status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	spod := &v1.SecurityProfilesOperatorDaemon{}
	if err := r.Get(ctx, req.NamespacedName, spod); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("getting SPOD %s: %w", req.NamespacedName, err)
		}
		return ctrl.Result{}, r.createDefault(ctx)
	}
	if spod.DeletionTimestamp != nil {
		// Garbage collection removes the DaemonSet; the next reconcile
		// after the delete creates a default SPOD again.
		return ctrl.Result{}, nil
	}
	if invalid, ok := Invalid(spod.Spec); !ok {
		// A spec change brings the next reconcile: nothing to retry.
		return ctrl.Result{}, r.setStatus(ctx, spod, invalid)
	}
	p, nodes, err := r.withNodeKubeletDirs(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	selinuxds, err := r.selinuxd(ctx, spod, p, nodes)
	if err != nil {
		return ctrl.Result{}, errors.Join(err, r.setStatus(ctx, spod, Failed(err)))
	}
	ds := DaemonSet(spod, p)
	webhook := WebhookDeployment(spod, r.Params)
	desired := append(BuiltinProfiles(), ds, webhook, WebhookService(spod, r.Params), WebhookPodDisruptionBudget(spod, r.Params))
	for _, s := range selinuxds {
		desired = append(desired, s)
	}
	desired = append(desired, r.metricsObjects(ctx, spod)...)
	for _, obj := range desired {
		wrote, err := Apply(ctx, r.Client, obj)
		if err != nil && obj.GetObjectKind().GroupVersionKind() == ServiceMonitorGVK && apierrors.IsNotFound(err) {
			// The CRD went after the RESTMapper saw it.
			log.FromContext(ctx).Info("ServiceMonitors are no longer served: leaving out the ServiceMonitor")
			continue
		}
		if err != nil {
			return ctrl.Result{}, errors.Join(err, r.setStatus(ctx, spod, Failed(err)))
		}
		if wrote {
			log.FromContext(ctx).Info("Applied", "kind", obj.GetObjectKind().GroupVersionKind().Kind, "name", obj.GetName())
		}
	}
	// The status follows the live objects: right after a write the cache
	// may be behind, and the write's own watch event brings the next
	// reconcile.
	live := []client.Object{ds, webhook}
	for _, s := range selinuxds {
		live = append(live, s)
	}
	for _, obj := range live {
		if err := r.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			if apierrors.IsNotFound(err) {
				return ctrl.Result{}, r.setStatus(ctx, spod, Status{State: v1.SPODCreating, Message: "the daemon and the webhook are being created"})
			}
			return ctrl.Result{}, fmt.Errorf("getting %s: %w", obj.GetName(), err)
		}
	}
	return ctrl.Result{}, r.setStatus(ctx, spod, Rollout(ds, webhook, selinuxds...))
}

// withNodeKubeletDirs are the Params with the kubelet directories the nodes
// name. A node naming one wrongly gets a Warning Event; its daemon reports
// the same error on every profile.
func (r *Reconciler) withNodeKubeletDirs(ctx context.Context) (Params, []corev1.Node, error) {
	nodes := &corev1.NodeList{}
	if err := r.List(ctx, nodes); err != nil {
		return Params{}, nil, fmt.Errorf("listing nodes: %w", err)
	}
	dirs, refused := NodeKubeletDirs(nodes.Items)
	for i := range nodes.Items {
		if err := refused[nodes.Items[i].Name]; err != nil {
			r.Recorder.Eventf(&nodes.Items[i], nil, corev1.EventTypeWarning, kubeletdir.ReasonKubeletDirInvalid, "Mount",
				"not mounting this node's kubelet directory into the spo daemon: %v", err)
		}
	}
	p := r.Params
	p.NodeKubeletDirs = dirs
	return p, nodes.Items, nil
}

// selinuxd labels every node with its selinuxd entry (LabelSelinuxd; the
// label goes while SELinux is off), deletes the selinuxd DaemonSets of
// entries no node runs any more, and returns those to apply.
func (r *Reconciler) selinuxd(ctx context.Context, spod *v1.SecurityProfilesOperatorDaemon, p Params, nodes []corev1.Node) ([]*appsv1.DaemonSet, error) {
	fallback := p.SelinuxdImage
	if fallback == "" {
		fallback = DefaultSelinuxdImage
	}
	m, err := ParseSelinuxdImages(spod.Spec.Selinux.SelinuxdImages, fallback)
	if err != nil {
		return nil, err // Invalid has refused it already
	}
	images, byNode := m.SelinuxdGroups(nodes)
	for i := range nodes {
		n := &nodes[i]
		want, has := byNode[n.Name], ""
		if !spod.Spec.Selinux.Enable {
			want = ""
		}
		has = n.Labels[LabelSelinuxd]
		if has == want {
			continue
		}
		base := n.DeepCopy()
		if want == "" {
			delete(n.Labels, LabelSelinuxd)
		} else {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels[LabelSelinuxd] = want
		}
		if err := r.Patch(ctx, n, client.MergeFrom(base)); err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("labelling node %s %s=%s: %w", n.Name, LabelSelinuxd, want, err)
		}
	}
	desired := SelinuxdDaemonSets(spod, p, images)
	keep := map[string]bool{}
	for _, d := range desired {
		keep[d.Name] = true
	}
	existing := &appsv1.DaemonSetList{}
	if err := r.List(ctx, existing, client.InNamespace(p.Namespace), client.MatchingLabels(SelinuxdLabels())); err != nil {
		return nil, fmt.Errorf("listing selinuxd DaemonSets: %w", err)
	}
	for i := range existing.Items {
		d := &existing.Items[i]
		if keep[d.Name] || !metav1.IsControlledBy(d, spod) {
			continue
		}
		if err := r.Delete(ctx, d); err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("deleting selinuxd DaemonSet %s, which no node needs: %w", d.Name, err)
		}
		log.FromContext(ctx).Info("Deleted", "kind", "DaemonSet", "name", d.Name)
	}
	return desired, nil
}

// createDefault creates the default SPOD. Another writer may have created
// it meanwhile: that SPOD wins and its event brings the next reconcile.
func (r *Reconciler) createDefault(ctx context.Context) error {
	spod := Default(r.Namespace)
	if err := r.Create(ctx, spod); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return fmt.Errorf("creating the default SPOD in %s: %w", r.Namespace, err)
	}
	log.FromContext(ctx).Info("Created the default SPOD", "namespace", r.Namespace)
	r.Recorder.Eventf(spod, nil, corev1.EventTypeNormal, "Defaulted", "Create",
		"no SecurityProfilesOperatorDaemon existed: created %s/%s with the defaults", spod.Namespace, spod.Name)
	return nil
}

// setStatus writes the state and the conditions when any changed, with an
// Event when the state or its reason changed, and a Warning Event when
// the SPOD newly asks for custom SELinux templates.
func (r *Reconciler) setStatus(ctx context.Context, spod *v1.SecurityProfilesOperatorDaemon, s Status) error {
	base := spod.DeepCopy()
	previous, previousReason := spod.Status.State, string(spod.Status.State)
	if c := meta.FindStatusCondition(spod.Status.Conditions, ConditionReady); c != nil {
		previousReason = c.Reason
	}
	spod.Status.State = s.State
	changed := meta.SetStatusCondition(&spod.Status.Conditions, ReadyCondition(s, spod.Generation))
	templates := CustomTemplatesCondition(spod)
	newTemplates := setOptionalCondition(spod, ConditionCustomTemplates, templates, &changed)
	pullSecrets := r.pullSecretsCondition(ctx, spod)
	newPullSecrets := setOptionalCondition(spod, ConditionOCIArtifactPullSecrets, pullSecrets, &changed)
	if !changed && previous == s.State {
		return nil
	}
	if err := r.Status().Patch(ctx, spod, client.MergeFrom(base)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patching SPOD status: %w", err)
	}
	if previous != s.State || previousReason != s.reason() {
		kind := corev1.EventTypeNormal
		if s.State == v1.SPODError {
			kind = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(spod, nil, kind, s.reason(), "Rollout", "%s", s.Message)
	}
	if newTemplates {
		r.Recorder.Eventf(spod, nil, corev1.EventTypeWarning, templates.Reason, "Configure", "%s", templates.Message)
	}
	if newPullSecrets && pullSecrets.Status == metav1.ConditionFalse {
		r.Recorder.Eventf(spod, nil, corev1.EventTypeWarning, pullSecrets.Reason, "Configure", "%s", pullSecrets.Message)
	}
	return nil
}

// setOptionalCondition sets c, or removes the condition of type t when c
// is nil, and says whether c is new or says something new (worth an
// Event).
func setOptionalCondition(spod *v1.SecurityProfilesOperatorDaemon, t string, c *metav1.Condition, changed *bool) bool {
	if c == nil {
		*changed = meta.RemoveStatusCondition(&spod.Status.Conditions, t) || *changed
		return false
	}
	old := meta.FindStatusCondition(spod.Status.Conditions, t)
	news := old == nil || old.Message != c.Message || old.Status != c.Status
	*changed = meta.SetStatusCondition(&spod.Status.Conditions, *c) || *changed
	return news
}
