package certs

import (
	"context"
	"errors"
	"fmt"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1ac "k8s.io/apiextensions-apiserver/pkg/client/applyconfiguration/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	admissionregistrationv1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/secprofiles/spo/webhooks"
)

// +kubebuilder:rbac:groups=cert-manager.io,namespace=security-profiles-operator,resources=issuers;certificates,verbs=get;list;watch;create;update;patch

// certManager has cert-manager issue the serving certificate and inject
// its CA. It re-applies on every change of the objects it annotates and
// every check interval, which also undoes edits of the Issuer and
// Certificate (they are not watched: that would need cert-manager's types
// in the manager's cache and scheme).
type certManager struct {
	client client.Client
	opts   Options
}

func (c *certManager) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	issuer, cert := certManagerObjects(c.opts)
	for _, obj := range []client.Object{issuer, cert} {
		if err := c.applyTyped(ctx, obj); err != nil {
			return reconcile.Result{}, err
		}
	}
	if err := c.annotate(ctx, injectFrom(c.opts.Namespace)); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: c.opts.CheckInterval}, nil
}

// certManagerObjects are a self-signed Issuer and the Certificate it
// issues for the webhook Service (plus the extra names) into the Secret.
func certManagerObjects(opts Options) (*cmapi.Issuer, *cmapi.Certificate) {
	issuer := &cmapi.Issuer{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmapi.SchemeGroupVersion.String(), Kind: cmapi.IssuerKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: opts.Namespace, Name: webhooks.IssuerName},
		Spec:       cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{SelfSigned: &cmapi.SelfSignedIssuer{}}},
	}
	var ips []string
	for _, ip := range IPs(opts.ExtraIPs) {
		ips = append(ips, ip.String())
	}
	cert := &cmapi.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmapi.SchemeGroupVersion.String(), Kind: cmapi.CertificateKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: opts.Namespace, Name: webhooks.CertificateName},
		Spec: cmapi.CertificateSpec{
			SecretName:  webhooks.SecretName,
			DNSNames:    DNSNames(opts.Namespace, opts.ExtraDNSNames),
			IPAddresses: ips,
			IssuerRef:   cmmeta.IssuerReference{Group: cmapi.SchemeGroupVersion.Group, Kind: cmapi.IssuerKind, Name: webhooks.IssuerName},
			PrivateKey:  &cmapi.CertificatePrivateKey{Algorithm: cmapi.ECDSAKeyAlgorithm, Size: 256},
		},
	}
	return issuer, cert
}

// injectFrom is the cainjector annotation naming the Certificate.
func injectFrom(namespace string) map[string]string {
	return map[string]string{cmapi.WantInjectAnnotation: namespace + "/" + webhooks.CertificateName}
}

// applyTyped applies a cert-manager object built from cert-manager's Go
// types. It goes through unstructured so the manager's scheme does not
// need cert-manager's types; status is dropped, it is cert-manager's.
func (c *certManager) applyTyped(ctx context.Context, obj client.Object) error {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fmt.Errorf("converting %T: %w", obj, err)
	}
	delete(u, "status")
	unstructured.RemoveNestedField(u, "metadata", "creationTimestamp")
	err = c.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(&unstructured.Unstructured{Object: u}),
		client.FieldOwner(webhooks.CertsFieldManager), client.ForceOwnership)
	if err != nil {
		return fmt.Errorf("applying %s %s/%s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// annotate sets the annotations, and only them, on the webhook
// configuration and the conversion CRDs that exist.
func (c *certManager) annotate(ctx context.Context, annotations map[string]string) error {
	var errs []error
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
	err := c.client.Get(ctx, types.NamespacedName{Name: webhooks.MutatingConfigName}, cfg)
	switch {
	case client.IgnoreNotFound(err) != nil:
		errs = append(errs, fmt.Errorf("reading %s: %w", webhooks.MutatingConfigName, err))
	case err == nil:
		errs = append(errs, c.apply(ctx, admissionregistrationv1ac.MutatingWebhookConfiguration(cfg.Name).WithAnnotations(annotations)))
	}
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := c.client.List(ctx, &crds); err != nil {
		return errors.Join(append(errs, fmt.Errorf("listing CRDs: %w", err))...)
	}
	for _, crd := range crds.Items {
		if convertsByWebhook(&crd) {
			errs = append(errs, c.apply(ctx, apiextensionsv1ac.CustomResourceDefinition(crd.Name).WithAnnotations(annotations)))
		}
	}
	return errors.Join(errs...)
}

func (c *certManager) apply(ctx context.Context, ac runtime.ApplyConfiguration) error {
	if err := c.client.Apply(ctx, ac, client.FieldOwner(webhooks.CertsFieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("annotating for cert-manager's cainjector: %w", err)
	}
	return nil
}
