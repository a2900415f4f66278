package certs_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// createCRD creates a minimal CRD of our group; the first version stores.
// The config component gives it a conversion stanza, as it would the
// group's real multi-version CRDs.
func createCRD(ctx context.Context, k8s client.Client, plural string, versions ...string) *apiextensionsv1.CustomResourceDefinition {
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
	return crd
}

func liveCRD(ctx context.Context, k8s client.Client, name string) *apiextensionsv1.CustomResourceDefinition {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := k8s.Get(ctx, types.NamespacedName{Name: name}, crd); err != nil {
		return &apiextensionsv1.CustomResourceDefinition{}
	}
	return crd
}

func conversionBundle(ctx context.Context, k8s client.Client, name string) func() []byte {
	return func() []byte {
		c := liveCRD(ctx, k8s, name).Spec.Conversion
		if c == nil || c.Webhook == nil || c.Webhook.ClientConfig == nil {
			return nil
		}
		return c.Webhook.ClientConfig.CABundle
	}
}
