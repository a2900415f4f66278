package certs

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestWebhooksNeedBundle(t *testing.T) {
	cfg := func(bundles ...string) *admissionregistrationv1.MutatingWebhookConfiguration {
		c := &admissionregistrationv1.MutatingWebhookConfiguration{}
		for _, b := range bundles {
			c.Webhooks = append(c.Webhooks, admissionregistrationv1.MutatingWebhook{
				ClientConfig: admissionregistrationv1.WebhookClientConfig{CABundle: []byte(b)}})
		}
		return c
	}
	tests := map[string]struct {
		cfg  *admissionregistrationv1.MutatingWebhookConfiguration
		want bool
	}{
		"writes when a webhook has no bundle":        {cfg("new", ""), true},
		"writes when a webhook has an old bundle":    {cfg("old", "new"), true},
		"skips when every webhook has the bundle":    {cfg("new", "new"), false},
		"skips a configuration without webhooks yet": {cfg(), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := webhooksNeedBundle(tc.cfg, []byte("new")); got != tc.want {
				t.Errorf("webhooksNeedBundle() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWebhooksBundleTouchesOnlyTheBundle(t *testing.T) {
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "c"},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{{Name: "a", TimeoutSeconds: new(int32)}, {Name: "b"}},
	}
	ac := webhooksBundle(cfg, []byte("pem"))
	if len(ac.Webhooks) != 2 {
		t.Fatalf("got %d webhooks", len(ac.Webhooks))
	}
	for _, w := range ac.Webhooks {
		if w.TimeoutSeconds != nil || w.Rules != nil || w.SideEffects != nil || w.ClientConfig.Service != nil ||
			string(w.ClientConfig.CABundle) != "pem" {
			t.Errorf("webhook %s: %+v", *w.Name, w)
		}
	}
}

func TestConvertsByWebhook(t *testing.T) {
	crd := func(group string, conv *apiextensionsv1.CustomResourceConversion) *apiextensionsv1.CustomResourceDefinition {
		return &apiextensionsv1.CustomResourceDefinition{Spec: apiextensionsv1.CustomResourceDefinitionSpec{Group: group, Conversion: conv}}
	}
	webhook := &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{ClientConfig: &apiextensionsv1.WebhookClientConfig{}}}
	tests := map[string]struct {
		crd  *apiextensionsv1.CustomResourceDefinition
		want bool
	}{
		"injects into our CRD converted by webhook": {crd("security-profiles-operator.x-k8s.io", webhook), true},
		"skips our CRD without conversion":          {crd("security-profiles-operator.x-k8s.io", &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}), false},
		"skips our CRD before conversion is set":    {crd("security-profiles-operator.x-k8s.io", nil), false},
		"skips another group's webhook conversion":  {crd("example.com", webhook), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := convertsByWebhook(tc.crd); got != tc.want {
				t.Errorf("convertsByWebhook() = %v, want %v", got, tc.want)
			}
		})
	}
}
