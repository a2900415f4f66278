package config_test

import (
	"github.com/google/go-cmp/cmp/cmpopts"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1ac "k8s.io/apiextensions-apiserver/pkg/client/applyconfiguration/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

var _ = Describe("the CRD conversion stanzas", func() {
	// The API versions of this group change while other parts are written,
	// so the specs bring their own CRDs.
	It("point a CRD of our group with two versions at the webhook server", func(ctx SpecContext) {
		crd := createCRD(ctx, "widgets", "v1", "v1alpha1")

		Eventually(conversionOf(ctx, crd.Name)).Should(BeComparableTo(wantConversion(), cmpopts.EquateEmpty()))
	})

	It("leave a CRD with one version alone", func(ctx SpecContext) {
		single := createCRD(ctx, "gadgets", "v1")
		// Created after the single-version CRD, so by the time it is
		// converted the controller has seen both.
		multi := createCRD(ctx, "doodads", "v1", "v1beta1")

		Eventually(conversionOf(ctx, multi.Name)).Should(BeComparableTo(wantConversion(), cmpopts.EquateEmpty()))
		Expect(conversionOf(ctx, single.Name)()).To(Equal(&apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}))
	})

	It("revert a hand edit and keep the certs component's caBundle", func(ctx SpecContext) {
		crd := createCRD(ctx, "thingamajigs", "v1", "v1alpha1")
		Eventually(conversionOf(ctx, crd.Name)).Should(BeComparableTo(wantConversion(), cmpopts.EquateEmpty()))
		bundle := []byte(fakePEM("crd-bundle"))
		Expect(k8s.Apply(ctx, apiextensionsv1ac.CustomResourceDefinition(crd.Name).WithSpec(
			apiextensionsv1ac.CustomResourceDefinitionSpec().WithConversion(apiextensionsv1ac.CustomResourceConversion().
				WithWebhook(apiextensionsv1ac.WebhookConversion().WithClientConfig(
					apiextensionsv1ac.WebhookClientConfig().WithCABundle(bundle...))))),
			client.FieldOwner(webhooks.CertsFieldManager), client.ForceOwnership)).To(Succeed())

		Eventually(func() error {
			live := &apiextensionsv1.CustomResourceDefinition{}
			if err := k8s.Get(ctx, types.NamespacedName{Name: crd.Name}, live); err != nil {
				return err
			}
			live.Spec.Conversion.Webhook.ClientConfig.Service.Path = ptr.To("/elsewhere")
			return k8s.Update(ctx, live, client.FieldOwner("kubectl-edit"))
		}).Should(Succeed())

		want := wantConversion()
		want.Webhook.ClientConfig.CABundle = bundle
		Eventually(conversionOf(ctx, crd.Name)).Should(BeComparableTo(want, cmpopts.EquateEmpty()))
	})
})

func wantConversion() *apiextensionsv1.CustomResourceConversion {
	return &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ClientConfig: &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{
				Namespace: operatorNS, Name: "spo-webhook", Path: ptr.To("/convert"), Port: ptr.To[int32](443),
			}},
			ConversionReviewVersions: []string{"v1"},
		},
	}
}

func conversionOf(ctx SpecContext, name string) func() *apiextensionsv1.CustomResourceConversion {
	return func() *apiextensionsv1.CustomResourceConversion {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := k8s.Get(ctx, types.NamespacedName{Name: name}, crd); err != nil {
			return nil
		}
		return crd.Spec.Conversion
	}
}

// createCRD creates a minimal CRD of our group; the first version stores.
func createCRD(ctx SpecContext, plural string, versions ...string) *apiextensionsv1.CustomResourceDefinition {
	GinkgoHelper()
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + v1.GroupVersion.Group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: v1.GroupVersion.Group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Kind: "T" + plural},
			Scope: apiextensionsv1.ClusterScoped,
		},
	}
	for i, v := range versions {
		crd.Spec.Versions = append(crd.Spec.Versions, apiextensionsv1.CustomResourceDefinitionVersion{
			Name: v, Served: true, Storage: i == 0,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
				Type: "object", XPreserveUnknownFields: ptr.To(true),
			}},
		})
	}
	Expect(k8s.Create(ctx, crd)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8s.Delete(ctx, crd))).To(Succeed()) })
	return crd
}
