package config

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// ServesConversion reports whether crd is one of ours with more than one
// version, so that the API server must call the webhook server to convert
// between them. The certs component uses it too.
func ServesConversion(crd *apiextensionsv1.CustomResourceDefinition) bool {
	return crd.Spec.Group == v1.GroupVersion.Group && len(crd.Spec.Versions) > 1
}

// desiredConversion is the conversion stanza of such a CRD. caBundle is
// left out: the certs component owns it.
func desiredConversion(opts Options) *apiextensionsv1.CustomResourceConversion {
	return &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ClientConfig:             opts.conversionClient(webhooks.ConversionPath),
			ConversionReviewVersions: []string{"v1"},
		},
	}
}
