package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/config"
)

var _ = Describe("the webhook configuration", func() {
	AfterEach(func(ctx SpecContext) {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, &v1.SecurityProfilesOperatorDaemon{
			ObjectMeta: metav1.ObjectMeta{Namespace: operatorNS, Name: v1.SPODName},
		}))).To(Succeed())
		// Back to the defaults for the next spec; a caBundle may stay.
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(defaultWebhooks(), cmpopts.EquateEmpty(),
			cmpopts.IgnoreFields(admissionregistrationv1.WebhookClientConfig{}, "CABundle")))
	})

	It("is created at start with exactly the default webhooks", func(ctx SpecContext) {
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(defaultWebhooks(), cmpopts.EquateEmpty()))
		Expect(liveConfig(ctx)().Labels).To(HaveKeyWithValue("app.kubernetes.io/part-of", "spo"))
	})

	// No webhook server runs in this suite: the Service the configuration
	// names has no endpoints, so every call the API server makes fails.
	It("refuses pods in an opted-in namespace while the binding webhook is unreachable, but never the operator's own", func(ctx SpecContext) {
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(defaultWebhooks(), cmpopts.EquateEmpty()))
		tenant := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-", Labels: map[string]string{config.BindingLabel: "true"}}}
		Expect(k8s.Create(ctx, tenant)).To(Succeed())
		operator := &corev1.Namespace{}
		Expect(k8s.Get(ctx, types.NamespacedName{Name: operatorNS}, operator)).To(Succeed())
		operator.Labels[config.BindingLabel] = "true"
		Expect(k8s.Update(ctx, operator)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(k8s.Get(ctx, types.NamespacedName{Name: operatorNS}, operator)).To(Succeed())
			delete(operator.Labels, config.BindingLabel)
			Expect(k8s.Update(ctx, operator)).To(Succeed())
		})

		Eventually(func() error {
			return k8s.Create(ctx, plainPod(tenant.Name), client.DryRunAll)
		}).Should(MatchError(ContainSubstring(`failed calling webhook "`+webhooks.BindingWebhookName+`"`)),
			"failurePolicy Fail refuses the pod")
		Expect(k8s.Create(ctx, plainPod(operatorNS), client.DryRunAll)).To(Succeed(),
			"the operator's namespace is never sent to the webhook, even labelled")
	})

	It("takes failurePolicy and selectors per webhook from the SPOD", func(ctx SpecContext) {
		ignore := admissionregistrationv1.Ignore
		team := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
		web := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
		putSPOD(ctx, v1.WebhookConfig{Options: []v1.WebhookOptions{{
			Name: webhooks.BindingWebhookName, FailurePolicy: &ignore, NamespaceSelector: team, ObjectSelector: web,
		}}})

		want := defaultWebhooks()
		want[0].FailurePolicy = ptr.To(admissionregistrationv1.Ignore)
		want[0].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"},
			MatchExpressions: []metav1.LabelSelectorRequirement{notOperator()}}
		want[0].ObjectSelector = web
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(want, cmpopts.EquateEmpty()))
	})

	It("accepts SPO's webhook names and puts their options on spo's webhooks", func(ctx SpecContext) {
		ignore, fail := admissionregistrationv1.Ignore, admissionregistrationv1.Fail
		web := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
		putSPOD(ctx, v1.WebhookConfig{Options: []v1.WebhookOptions{
			{Name: webhooks.SPOBindingWebhookName, FailurePolicy: &ignore, ObjectSelector: web},
			{Name: webhooks.SPORecordingWebhookName, FailurePolicy: &fail},
		}})

		want := defaultWebhooks()
		want[0].FailurePolicy = ptr.To(admissionregistrationv1.Ignore)
		want[0].ObjectSelector = web
		want[1].FailurePolicy = ptr.To(admissionregistrationv1.Fail)
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(want, cmpopts.EquateEmpty()))
	})

	It("refuses a SPOD naming one webhook by both names, or an unknown webhook", func(ctx SpecContext) {
		both := &v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNS, Name: v1.SPODName},
			Spec: v1.SPODSpec{Webhook: v1.WebhookConfig{Options: []v1.WebhookOptions{
				{Name: webhooks.SPOBindingWebhookName}, {Name: webhooks.BindingWebhookName}}}}}
		Expect(k8s.Create(ctx, both, client.DryRunAll)).To(MatchError(ContainSubstring("name the same webhook")))
		debug := both.DeepCopy()
		debug.Spec.Webhook.Options = []v1.WebhookOptions{{Name: webhooks.SPONodeDebuggingPodWebhookName}, {Name: webhooks.NodeDebuggingPodWebhookName}}
		Expect(k8s.Create(ctx, debug, client.DryRunAll)).To(MatchError(ContainSubstring("name the same webhook")))
		debug.Spec.Webhook.Options = debug.Spec.Webhook.Options[:1]
		Expect(k8s.Create(ctx, debug, client.DryRunAll)).To(Succeed())
		unknown := both.DeepCopy()
		unknown.Spec.Webhook.Options = []v1.WebhookOptions{{Name: "podexec.spo.io"}}
		Expect(k8s.Create(ctx, unknown, client.DryRunAll)).To(MatchError(ContainSubstring("spec.webhook.options[0].name")))
	})

	It("adds the exec metadata webhook while the SPOD enables the JSON enricher, and removes it after", func(ctx SpecContext) {
		setEnricher := func(e v1.EnricherConfig) {
			spod := &v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNS, Name: v1.SPODName}}
			Eventually(func() error {
				if err := k8s.Get(ctx, client.ObjectKeyFromObject(spod), spod); err != nil {
					spod.Spec.Enricher = e
					return k8s.Create(ctx, spod)
				}
				spod.Spec.Enricher = e
				return k8s.Update(ctx, spod)
			}).Should(Succeed())
		}
		names := func() []string {
			var out []string
			for _, w := range liveWebhooks(ctx)() {
				out = append(out, w.Name)
			}
			return out
		}
		setEnricher(v1.EnricherConfig{EnableJsonEnricher: true})
		Eventually(names).Should(Equal([]string{webhooks.BindingWebhookName, webhooks.RecordingWebhookName,
			webhooks.ExecMetadataWebhookName, webhooks.NodeDebuggingPodWebhookName}))
		live := liveWebhooks(ctx)()[2]
		Expect(live.Rules[0].Operations).To(Equal([]admissionregistrationv1.OperationType{admissionregistrationv1.Connect}))
		Expect(live.Rules[0].Resources).To(Equal([]string{"pods/exec"}))
		debug := liveWebhooks(ctx)()[3]
		Expect(debug.Rules[0].Operations).To(Equal([]admissionregistrationv1.OperationType{admissionregistrationv1.Create}))
		Expect(debug.Rules[0].Resources).To(Equal([]string{"pods"}))
		Expect(debug.ObjectSelector.MatchLabels).To(Equal(map[string]string{"app.kubernetes.io/managed-by": "kubectl-debug"}))
		setEnricher(v1.EnricherConfig{EnableJsonEnricher: true, EnableExecMetadata: ptr.To(false)})
		Eventually(names).Should(Equal([]string{webhooks.BindingWebhookName, webhooks.RecordingWebhookName}))
	})

	It("reverts a hand edit", func(ctx SpecContext) {
		Eventually(liveWebhooks(ctx)).Should(HaveLen(2))
		Eventually(func() error {
			cfg := liveConfig(ctx)()
			cfg.Webhooks[0].FailurePolicy = ptr.To(admissionregistrationv1.Ignore)
			cfg.Webhooks[1].TimeoutSeconds = ptr.To[int32](30)
			cfg.Webhooks = append(cfg.Webhooks, handMade()...)
			return k8s.Update(ctx, cfg, client.FieldOwner("kubectl-edit"))
		}).Should(Succeed())

		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(defaultWebhooks(), cmpopts.EquateEmpty()))
	})

	It("is re-created when deleted", func(ctx SpecContext) {
		Eventually(liveWebhooks(ctx)).Should(HaveLen(2))
		Expect(k8s.Delete(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: webhooks.MutatingConfigName},
		})).To(Succeed())

		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(defaultWebhooks(), cmpopts.EquateEmpty()))
	})

	It("is left alone under staticConfig, and managed again without it", func(ctx SpecContext) {
		putSPOD(ctx, v1.WebhookConfig{StaticConfig: true})
		// Until the controller's cache holds the new SPOD it may still
		// restore its own entries after an edit: edit again until the
		// edit sticks.
		Eventually(func(g Gomega) {
			cfg := liveConfig(ctx)()
			cfg.Webhooks = handMade()
			g.Expect(k8s.Update(ctx, cfg)).To(Succeed())
			g.Consistently(liveWebhooks(ctx), "1s").Should(BeComparableTo(handMade(), cmpopts.EquateEmpty()))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Consistently(liveWebhooks(ctx), "3s").Should(BeComparableTo(handMade(), cmpopts.EquateEmpty()))

		putSPOD(ctx, v1.WebhookConfig{})
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(defaultWebhooks(), cmpopts.EquateEmpty()))
	})

	It("keeps the caBundle of the certs component across its own re-applies, and the reverse", func(ctx SpecContext) {
		Eventually(liveWebhooks(ctx)).Should(HaveLen(2))
		bundle1, bundle2 := []byte(fakePEM("bundle-1")), []byte(fakePEM("bundle-2"))
		applyCABundle(ctx, bundle1)

		// A SPOD change makes the config component apply again.
		fail := admissionregistrationv1.Fail
		putSPOD(ctx, v1.WebhookConfig{Options: []v1.WebhookOptions{{Name: webhooks.RecordingWebhookName, FailurePolicy: &fail}}})
		want := withCABundle(defaultWebhooks(), bundle1)
		want[1].FailurePolicy = ptr.To(admissionregistrationv1.Fail)
		Eventually(liveWebhooks(ctx)).Should(BeComparableTo(want, cmpopts.EquateEmpty()))

		applyCABundle(ctx, bundle2)
		Expect(liveWebhooks(ctx)()).To(BeComparableTo(withCABundle(want, bundle2), cmpopts.EquateEmpty()))

		fields := managedFields(ctx)
		Expect(fields[webhooks.CertsFieldManager]).To(ContainSubstring("f:caBundle"))
		Expect(fields[webhooks.ConfigFieldManager]).NotTo(ContainSubstring("f:caBundle"))
		Expect(fields[webhooks.ConfigFieldManager]).To(ContainSubstring("f:failurePolicy"))

		// Owned by the SPOD's CRD, so the garbage collector removes it
		// with spo's API (test/e2e shows it on a real cluster).
		var crd apiextensionsv1.CustomResourceDefinition
		Expect(k8s.Get(ctx, types.NamespacedName{Name: "securityprofilesoperatordaemons." + v1.GroupVersion.Group}, &crd)).To(Succeed())
		Expect(liveConfig(ctx)().OwnerReferences).To(ConsistOf(HaveField("UID", crd.UID)))
	})
})

func plainPod(ns string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
}

// liveConfig reads the configuration from the API server.
func liveConfig(ctx SpecContext) func() *admissionregistrationv1.MutatingWebhookConfiguration {
	return func() *admissionregistrationv1.MutatingWebhookConfiguration {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		if err := k8s.Get(ctx, types.NamespacedName{Name: webhooks.MutatingConfigName}, cfg); err != nil {
			return &admissionregistrationv1.MutatingWebhookConfiguration{}
		}
		return cfg
	}
}

func liveWebhooks(ctx SpecContext) func() []admissionregistrationv1.MutatingWebhook {
	return func() []admissionregistrationv1.MutatingWebhook { return liveConfig(ctx)().Webhooks }
}

// managedFields maps each manager of the configuration to its fields.
func managedFields(ctx SpecContext) map[string]string {
	out := map[string]string{}
	for _, m := range liveConfig(ctx)().ManagedFields {
		if m.FieldsV1 != nil {
			out[m.Manager] += string(m.FieldsV1.Raw)
		}
	}
	return out
}

func putSPOD(ctx SpecContext, settings v1.WebhookConfig) {
	GinkgoHelper()
	spod := &v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNS, Name: v1.SPODName}}
	Eventually(func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(spod), spod); err != nil {
			spod.Spec.Webhook = settings
			return k8s.Create(ctx, spod)
		}
		spod.Spec.Webhook = settings
		return k8s.Update(ctx, spod)
	}).Should(Succeed())
}

func notOperator() metav1.LabelSelectorRequirement {
	return metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{operatorNS}}
}

// defaultWebhooks is the configuration without a SPOD, spelled out.
// Binding fails closed and also sees ephemeral containers being added.
func defaultWebhooks() []admissionregistrationv1.MutatingWebhook {
	binding := defaultWebhook(webhooks.BindingWebhookName, webhooks.BindingPath, config.BindingLabel, admissionregistrationv1.IfNeededReinvocationPolicy)
	binding.FailurePolicy = ptr.To(admissionregistrationv1.Fail)
	binding.Rules = append(binding.Rules, admissionregistrationv1.RuleWithOperations{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
			Resources: []string{"pods/ephemeralcontainers"}, Scope: ptr.To(admissionregistrationv1.NamespacedScope)},
	})
	return []admissionregistrationv1.MutatingWebhook{
		binding,
		defaultWebhook(webhooks.RecordingWebhookName, webhooks.RecordingPath, config.RecordingLabel, admissionregistrationv1.NeverReinvocationPolicy),
	}
}

func defaultWebhook(name, path, label string, reinvocation admissionregistrationv1.ReinvocationPolicyType) admissionregistrationv1.MutatingWebhook {
	return admissionregistrationv1.MutatingWebhook{
		Name: name,
		ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
			Namespace: operatorNS, Name: "spo-webhook", Path: ptr.To(path), Port: ptr.To[int32](443),
		}},
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
				Resources: []string{"pods"}, Scope: ptr.To(admissionregistrationv1.NamespacedScope)},
		}},
		FailurePolicy: ptr.To(admissionregistrationv1.Ignore),
		MatchPolicy:   ptr.To(admissionregistrationv1.Equivalent),
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: label, Operator: metav1.LabelSelectorOpExists}, notOperator(),
		}},
		ObjectSelector:          &metav1.LabelSelector{},
		SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
		TimeoutSeconds:          ptr.To[int32](10),
		AdmissionReviewVersions: []string{"v1"},
		ReinvocationPolicy:      ptr.To(reinvocation),
	}
}

// handMade is a webhook someone added by hand.
func handMade() []admissionregistrationv1.MutatingWebhook {
	w := defaultWebhook("hand.example.com", "/hand", "hand", admissionregistrationv1.NeverReinvocationPolicy)
	w.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://hand.example.com/hand")}
	return []admissionregistrationv1.MutatingWebhook{w}
}

func withCABundle(ws []admissionregistrationv1.MutatingWebhook, bundle []byte) []admissionregistrationv1.MutatingWebhook {
	out := make([]admissionregistrationv1.MutatingWebhook, len(ws))
	for i, w := range ws {
		w.ClientConfig.CABundle = bundle
		out[i] = w
	}
	return out
}

// fakePEM is a self-signed certificate named cn: the API server checks that
// a CRD's caBundle parses.
func fakePEM(cn string) string {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	Expect(err).NotTo(HaveOccurred())
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
