package config_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/webhooks"
)

// applyCABundle writes a caBundle into every webhook as the certs component
// does: only the caBundle fields, under its own field manager.
func applyCABundle(ctx SpecContext, bundle []byte) {
	GinkgoHelper()
	cfg := admissionregistrationv1ac.MutatingWebhookConfiguration(webhooks.MutatingConfigName)
	for _, name := range []string{webhooks.BindingWebhookName, webhooks.RecordingWebhookName} {
		cfg.WithWebhooks(admissionregistrationv1ac.MutatingWebhook().WithName(name).
			WithClientConfig(admissionregistrationv1ac.WebhookClientConfig().WithCABundle(bundle...)))
	}
	Expect(k8s.Apply(ctx, cfg, client.FieldOwner(webhooks.CertsFieldManager), client.ForceOwnership)).To(Succeed())
}
