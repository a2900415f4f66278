package config

import (
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// The webhook server writes one cluster-scoped object of its own, the
// MutatingWebhookConfiguration (read through a cache limited to it by a
// metadata.name field selector, which RBAC matches against resourceNames;
// created by server-side apply, whose create check carries the name), and
// patches only spo's own CRDs: resourceNames keep it from any other
// admission configuration or CRD in the cluster. Keep the CRD list in step
// with config/crd/bases (test/rbac checks it).
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations,resourceNames=spo-mutating-webhook-configuration,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,resourceNames=apparmorprofiles.security-profiles-operator.x-k8s.io;profilebindings.security-profiles-operator.x-k8s.io;profilerecordings.security-profiles-operator.x-k8s.io;rawselinuxprofiles.security-profiles-operator.x-k8s.io;seccompprofiles.security-profiles-operator.x-k8s.io;securityprofilenodestatuses.security-profiles-operator.x-k8s.io;securityprofilesoperatordaemons.security-profiles-operator.x-k8s.io;selinuxprofiles.security-profiles-operator.x-k8s.io,verbs=patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch

// reconciler applies the whole desired state on every request: there is a
// single configuration and a handful of CRDs, so working out what changed
// would cost more than applying, and applying what is already there is a
// no-op on the server.
type reconciler struct {
	client client.Client
	opts   Options
}

func (r *reconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	spec, err := r.spodSpec(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	var errs []error
	if spec.Webhook.StaticConfig {
		// staticConfig concerns the admission configuration only: without
		// conversion stanzas older API versions would stop working.
		log.FromContext(ctx).V(1).Info("Leaving the webhook configuration alone: the SPOD asks for a static configuration")
	} else {
		errs = append(errs, r.applyWebhooks(ctx, spec))
	}
	errs = append(errs, r.applyConversions(ctx))
	return ctrl.Result{}, errors.Join(errs...)
}

// spodSpec is the SPOD's spec (webhook settings, and the enricher's for the
// exec metadata webhook); the defaults when there is no SPOD yet.
func (r *reconciler) spodSpec(ctx context.Context) (v1.SPODSpec, error) {
	spod := &v1.SecurityProfilesOperatorDaemon{}
	err := r.client.Get(ctx, types.NamespacedName{Namespace: r.opts.Namespace, Name: v1.SPODName}, spod)
	if client.IgnoreNotFound(err) != nil {
		return v1.SPODSpec{}, fmt.Errorf("reading SPOD %s/%s: %w", r.opts.Namespace, v1.SPODName, err)
	}
	return spod.Spec, nil
}

func (r *reconciler) applyWebhooks(ctx context.Context, spec v1.SPODSpec) error {
	owners, err := r.owners(ctx)
	if err != nil {
		return err
	}
	desired := &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: webhooks.MutatingConfigName, Labels: map[string]string{PartOfLabel: "spo"},
			OwnerReferences: owners},
		Webhooks: WebhooksFor(r.opts, spec),
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		return fmt.Errorf("converting %s: %w", webhooks.MutatingConfigName, err)
	}
	live, err := r.apply(ctx, obj)
	if err != nil {
		return fmt.Errorf("applying MutatingWebhookConfiguration %s: %w", webhooks.MutatingConfigName, err)
	}
	return r.pruneWebhooks(ctx, live, desired.Webhooks)
}

// spodCRD is the CustomResourceDefinition the webhook configuration
// belongs to.
var spodCRD = "securityprofilesoperatordaemons." + v1.GroupVersion.Group

// owners make the webhook configuration, which the webhook server creates
// and no manifest ships, go with spo's API: it is owned by the SPOD's
// CustomResourceDefinition, so removing spo (make undeploy, kubectl delete
// -k, helm uninstall: the CRDs go) has the garbage collector remove it
// rather than leave admission calls to a Service that no longer exists.
func (r *reconciler) owners(ctx context.Context) ([]metav1.OwnerReference, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := r.client.Get(ctx, types.NamespacedName{Name: spodCRD}, &crd); err != nil {
		return nil, fmt.Errorf("reading CRD %s, the webhook configuration's owner: %w", spodCRD, err)
	}
	return []metav1.OwnerReference{{
		APIVersion: apiextensionsv1.SchemeGroupVersion.String(), Kind: "CustomResourceDefinition",
		Name: crd.Name, UID: crd.UID,
	}}, nil
}

// pruneWebhooks removes the entries of the applied configuration live that
// are not desired.
func (r *reconciler) pruneWebhooks(ctx context.Context, live *unstructured.Unstructured, desired []admissionregistrationv1.MutatingWebhook) error {
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(live.Object, cfg); err != nil {
		return fmt.Errorf("reading the applied %s: %w", webhooks.MutatingConfigName, err)
	}
	foreign := foreignWebhooks(cfg.Webhooks, desired)
	if len(foreign) == 0 {
		return nil
	}
	patch, err := removal(cfg.Webhooks, foreign)
	if err != nil {
		return fmt.Errorf("building the removal of foreign webhooks: %w", err)
	}
	log.FromContext(ctx).Info("Removing webhooks added by hand", "configuration", cfg.Name, "count", len(foreign))
	if err := r.client.Patch(ctx, cfg, client.RawPatch(types.JSONPatchType, patch), client.FieldOwner(webhooks.ConfigFieldManager)); err != nil {
		return fmt.Errorf("removing foreign webhooks from %s: %w", cfg.Name, err)
	}
	return nil
}

func (r *reconciler) applyConversions(ctx context.Context) error {
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := r.client.List(ctx, &crds); err != nil {
		return fmt.Errorf("listing CRDs: %w", err)
	}
	conversion, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desiredConversion(r.opts))
	if err != nil {
		return fmt.Errorf("converting the conversion stanza: %w", err)
	}
	var errs []error
	for i := range crds.Items {
		if !ServesConversion(&crds.Items[i]) {
			continue
		}
		name := crds.Items[i].Name
		if _, err := r.apply(ctx, crdConversion(name, conversion)); err != nil {
			errs = append(errs, fmt.Errorf("applying the conversion of CRD %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// crdConversion is the apply request for one CRD: its name and its
// conversion stanza only, so the CRD's other fields stay with whoever
// installed it.
func crdConversion(name string, conversion map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": apiextensionsv1.SchemeGroupVersion.String(),
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"conversion": conversion},
	}
}

// apply writes obj with server-side apply and returns the object as the
// server holds it afterwards. Forcing takes back the fields a hand edit
// took over, which is how drift is reverted.
func (r *reconciler) apply(ctx context.Context, obj map[string]any) (*unstructured.Unstructured, error) {
	// A zero creationTimestamp converts to null; leave it out rather than
	// send a field nobody means to set.
	unstructured.RemoveNestedField(obj, "metadata", "creationTimestamp")
	u := &unstructured.Unstructured{Object: obj}
	err := r.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(webhooks.ConfigFieldManager), client.ForceOwnership)
	return u, err
}
