package spod_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
)

var metricsKey = client.ObjectKey{Namespace: namespace, Name: spod.MetricsServiceName}

// serviceMonitorCRD is the least of the Prometheus Operator's CRD the
// reconciler needs: the kind, served, with any spec.
func serviceMonitorCRD() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "servicemonitors.monitoring.coreos.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "monitoring.coreos.com",
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural: "servicemonitors", Singular: "servicemonitor", Kind: "ServiceMonitor", ListKind: "ServiceMonitorList",
			},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", XPreserveUnknownFields: ptr.To(true)},
					},
				}},
			}},
		},
	}
}

func getServiceMonitor(ctx SpecContext) func() (*unstructured.Unstructured, error) {
	return func() (*unstructured.Unstructured, error) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(spod.ServiceMonitorGVK)
		return u, k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: spod.ServiceMonitorName}, u)
	}
}

func setInsecureMetrics(ctx SpecContext, insecure bool) {
	Eventually(func() error {
		s := getSPOD(ctx)
		s.Spec.EnableInsecureMetricsAccess = insecure
		return k8s.Update(ctx, s)
	}).Should(Succeed())
}

// endpoints are a ServiceMonitor's endpoints by path.
func endpoints(u *unstructured.Unstructured) map[string]map[string]any {
	eps, _, _ := unstructured.NestedSlice(u.Object, "spec", "endpoints")
	out := map[string]map[string]any{}
	for _, e := range eps {
		ep := e.(map[string]any)
		out[ep["path"].(string)] = ep
	}
	return out
}

var _ = Describe("the metrics Service and ServiceMonitor", Ordered, func() {
	AfterAll(func(ctx SpecContext) { setInsecureMetrics(ctx, false) })

	It("applies SPO's metrics Service (port https) in front of the daemon pods' metrics port, owned by the SPOD", func(ctx SpecContext) {
		svc := &corev1.Service{}
		Eventually(func() error { return k8s.Get(ctx, metricsKey, svc) }).Should(Succeed())
		Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP))
		Expect(svc.Spec.Selector).To(Equal(spod.Labels()))
		Expect(svc.Spec.Ports).To(HaveLen(1))
		Expect(svc.Spec.Ports[0].Name).To(Equal("https"))
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(spod.MetricsServicePort)))
		Expect(svc.Spec.Ports[0].TargetPort).To(Equal(intstr.FromString("metrics")))
		Expect(svc.OwnerReferences).To(ConsistOf(*metav1.NewControllerRef(getSPOD(ctx), v1.GroupVersion.WithKind("SecurityProfilesOperatorDaemon"))))
	})

	It("renders no ServiceMonitor while the Prometheus Operator's CRD is missing", func(ctx SpecContext) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(serviceMonitorCRD()), crd); !apierrors.IsNotFound(err) {
			Skip("the ServiceMonitor CRD is installed already")
		}
		// The reconciler ran for the Service; it must not have failed
		// on the missing kind.
		Eventually(func() error { return k8s.Get(ctx, metricsKey, &corev1.Service{}) }).Should(Succeed())
		Consistently(func() v1.SPODState { return getSPOD(ctx).Status.State }, "1s").ShouldNot(Equal(v1.SPODError))
	})

	It("applies a ServiceMonitor once the CRD is served: HTTPS with the ServiceAccount token, or HTTP with enableInsecureMetricsAccess", func(ctx SpecContext) {
		crd := serviceMonitorCRD()
		Expect(client.IgnoreAlreadyExists(k8s.Create(ctx, crd))).To(Succeed())
		Eventually(func() bool {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
				return false
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextensionsv1.Established {
					return c.Status == apiextensionsv1.ConditionTrue
				}
			}
			return false
		}).Should(BeTrue())

		// Any change of the SPOD brings a reconcile, which finds the kind.
		setInsecureMetrics(ctx, true)
		Eventually(func(g Gomega) {
			sm, err := getServiceMonitor(ctx)()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(endpoints(sm)).To(HaveLen(2))
			for _, ep := range endpoints(sm) {
				g.Expect(ep).To(HaveKeyWithValue("scheme", "http"))
				g.Expect(ep).NotTo(HaveKey("bearerTokenFile"))
			}
		}).Should(Succeed())

		setInsecureMetrics(ctx, false)
		Eventually(func(g Gomega) {
			sm, err := getServiceMonitor(ctx)()
			g.Expect(err).NotTo(HaveOccurred())
			// SPO's two paths: controller-runtime's and the spo families'.
			g.Expect(endpoints(sm)).To(HaveKey("/metrics"))
			g.Expect(endpoints(sm)).To(HaveKey("/metrics-spod"))
			g.Expect(endpoints(sm)).To(HaveLen(2))
			for _, ep := range endpoints(sm) {
				g.Expect(ep).To(HaveKeyWithValue("port", "https"))
				g.Expect(ep).To(HaveKeyWithValue("scheme", "https"))
				g.Expect(ep).To(HaveKeyWithValue("bearerTokenFile", spod.ServiceAccountTokenFile))
				g.Expect(ep).To(HaveKeyWithValue("tlsConfig", map[string]any{"insecureSkipVerify": true}))
			}
			labels, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
			g.Expect(labels).To(Equal(spod.MetricsLabels()))
			g.Expect(sm.GetOwnerReferences()).To(HaveLen(1))
		}).Should(Succeed())
	})
})
