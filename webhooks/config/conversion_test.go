package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/secprofiles/spo/webhooks"
)

func crd(group string, versions ...string) *apiextensionsv1.CustomResourceDefinition {
	c := &apiextensionsv1.CustomResourceDefinition{Spec: apiextensionsv1.CustomResourceDefinitionSpec{Group: group}}
	for _, v := range versions {
		c.Spec.Versions = append(c.Spec.Versions, apiextensionsv1.CustomResourceDefinitionVersion{Name: v})
	}
	return c
}

func TestServesConversion(t *testing.T) {
	tests := map[string]struct {
		crd  *apiextensionsv1.CustomResourceDefinition
		want bool
	}{
		"converts our CRD with two versions":        {crd("security-profiles-operator.x-k8s.io", "v1", "v1beta1"), true},
		"leaves our CRD with one version alone":     {crd("security-profiles-operator.x-k8s.io", "v1"), false},
		"leaves another group's CRD alone":          {crd("cert-manager.io", "v1", "v1alpha2"), false},
		"leaves a group that merely ends like ours": {crd("x.security-profiles-operator.x-k8s.io", "v1", "v2"), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ServesConversion(tc.crd); got != tc.want {
				t.Errorf("ServesConversion() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDesiredConversion(t *testing.T) {
	tests := map[string]struct {
		opts Options
		want *apiextensionsv1.WebhookClientConfig
	}{
		"calls the Service in the cluster": {
			opts: Options{Namespace: "spo-system"},
			want: &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{
				Namespace: "spo-system", Name: "spo-webhook", Path: ptr.To(webhooks.ConversionPath), Port: ptr.To[int32](443),
			}},
		},
		"calls the local server when a URL is given": {
			opts: Options{Namespace: "spo-system", URL: "https://localhost:9443"},
			want: &apiextensionsv1.WebhookClientConfig{URL: ptr.To("https://localhost:9443" + webhooks.ConversionPath)},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := &apiextensionsv1.CustomResourceConversion{
				Strategy: apiextensionsv1.WebhookConverter,
				Webhook:  &apiextensionsv1.WebhookConversion{ClientConfig: tc.want, ConversionReviewVersions: []string{"v1"}},
			}
			if diff := cmp.Diff(want, desiredConversion(tc.opts)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
