package certs

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1ac "k8s.io/apiextensions-apiserver/pkg/client/applyconfiguration/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	admissionregistrationv1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// inject writes bundle into the webhook configuration and the conversion
// CRDs that exist; the config component creates them, and their creation
// brings the issuer back.
func (i *Issuer) inject(ctx context.Context, bundle []byte) error {
	return errors.Join(i.injectWebhooks(ctx, bundle), i.injectCRDs(ctx, bundle))
}

func (i *Issuer) injectWebhooks(ctx context.Context, bundle []byte) error {
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
	err := i.client.Get(ctx, types.NamespacedName{Name: webhooks.MutatingConfigName}, cfg)
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	if !webhooksNeedBundle(cfg, bundle) {
		return nil
	}
	if err := i.apply(ctx, webhooksBundle(cfg, bundle)); err != nil {
		return fmt.Errorf("injecting the caBundle into %s: %w", cfg.Name, err)
	}
	return nil
}

func (i *Issuer) injectCRDs(ctx context.Context, bundle []byte) error {
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := i.client.List(ctx, &crds); err != nil {
		return fmt.Errorf("listing CRDs: %w", err)
	}
	var errs []error
	for _, crd := range crds.Items {
		if !convertsByWebhook(&crd) || bytes.Equal(crd.Spec.Conversion.Webhook.ClientConfig.CABundle, bundle) {
			continue
		}
		if err := i.apply(ctx, crdBundle(crd.Name, bundle)); err != nil {
			errs = append(errs, fmt.Errorf("injecting the caBundle into CRD %s: %w", crd.Name, err))
		}
	}
	return errors.Join(errs...)
}

// apply writes ac with server-side apply as the certs field manager,
// taking the caBundle back from whoever edited it by hand.
func (i *Issuer) apply(ctx context.Context, ac runtime.ApplyConfiguration) error {
	return i.client.Apply(ctx, ac, client.FieldOwner(webhooks.CertsFieldManager), client.ForceOwnership)
}

// convertsByWebhook says whether crd is one of ours whose conversion the
// webhook server does.
func convertsByWebhook(crd *apiextensionsv1.CustomResourceDefinition) bool {
	c := crd.Spec.Conversion
	return crd.Spec.Group == v1.GroupVersion.Group && c != nil && c.Strategy == apiextensionsv1.WebhookConverter &&
		c.Webhook != nil && c.Webhook.ClientConfig != nil
}

func webhooksNeedBundle(cfg *admissionregistrationv1.MutatingWebhookConfiguration, bundle []byte) bool {
	for _, w := range cfg.Webhooks {
		if !bytes.Equal(w.ClientConfig.CABundle, bundle) {
			return true
		}
	}
	return false
}

// webhooksBundle is the apply request that sets bundle in every webhook of
// cfg: each entry's name (its key) and caBundle, nothing else, so the
// entries' other fields stay the config component's.
func webhooksBundle(cfg *admissionregistrationv1.MutatingWebhookConfiguration, bundle []byte) *admissionregistrationv1ac.MutatingWebhookConfigurationApplyConfiguration {
	ac := admissionregistrationv1ac.MutatingWebhookConfiguration(cfg.Name)
	for _, w := range cfg.Webhooks {
		ac.WithWebhooks(admissionregistrationv1ac.MutatingWebhook().WithName(w.Name).
			WithClientConfig(admissionregistrationv1ac.WebhookClientConfig().WithCABundle(bundle...)))
	}
	return ac
}

// crdBundle is the apply request that sets bundle in a CRD's conversion.
func crdBundle(name string, bundle []byte) *apiextensionsv1ac.CustomResourceDefinitionApplyConfiguration {
	return apiextensionsv1ac.CustomResourceDefinition(name).WithSpec(apiextensionsv1ac.CustomResourceDefinitionSpec().
		WithConversion(apiextensionsv1ac.CustomResourceConversion().WithWebhook(apiextensionsv1ac.WebhookConversion().
			WithClientConfig(apiextensionsv1ac.WebhookClientConfig().WithCABundle(bundle...)))))
}
