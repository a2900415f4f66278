package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/secprofiles/spo/webhooks"
)

// Options say where the operator runs and how the API server reaches the
// webhook server.
type Options struct {
	// Namespace is the operator's namespace: the SPOD and the webhook
	// Service live there, and its pods are never sent to the webhooks.
	Namespace string
	// URL, when set, is the base (https://host:port) the API server calls
	// instead of the Service: for a webhook server running outside the
	// cluster, e.g. https://127.0.0.1:9443 under envtest or `make demo`.
	URL string
	// RestrictNamespace, when set, is the only namespace whose pods are
	// sent to the webhooks, whatever the SPOD's selectors say.
	RestrictNamespace string
}

func (o Options) validate() error {
	if o.Namespace == "" {
		return errors.New("webhook config: namespace is required")
	}
	if o.URL == "" {
		return nil
	}
	// The API server only calls https URLs without query or fragment;
	// refusing them here names the flag instead of failing every apply.
	u, err := url.Parse(o.URL)
	if err != nil {
		return fmt.Errorf("webhook config: URL %q: %w", o.URL, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("webhook config: URL %q must be https://host[:port] without query or fragment", o.URL)
	}
	return nil
}

// urlFor joins the base URL and a path served by the webhook server.
func (o Options) urlFor(path string) string {
	return strings.TrimSuffix(o.URL, "/") + path
}

// admissionClient is how the API server calls path for admission.
func (o Options) admissionClient(path string) admissionregistrationv1.WebhookClientConfig {
	if o.URL != "" {
		return admissionregistrationv1.WebhookClientConfig{URL: ptr.To(o.urlFor(path))}
	}
	return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
		Namespace: o.Namespace,
		Name:      webhooks.ServiceName,
		Path:      ptr.To(path),
		Port:      ptr.To[int32](webhooks.ServicePort),
	}}
}

// conversionClient is the same for CRD conversion, whose types are
// apiextensions' own.
func (o Options) conversionClient(path string) *apiextensionsv1.WebhookClientConfig {
	if o.URL != "" {
		return &apiextensionsv1.WebhookClientConfig{URL: ptr.To(o.urlFor(path))}
	}
	return &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{
		Namespace: o.Namespace,
		Name:      webhooks.ServiceName,
		Path:      ptr.To(path),
		Port:      ptr.To[int32](webhooks.ServicePort),
	}}
}
