package certs_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/certs"
	"github.com/secprofiles/spo/webhooks/config"
)

const injectFrom = operatorNS + "/" + webhooks.CertificateName

// With cert-manager's CRDs installed the components ask cert-manager for
// the certificate. cert-manager itself does not run here, so nothing
// issues it: these specs check what is asked of it.
var _ = Describe("cert-manager mode", Ordered, func() {
	var (
		k8s     client.Client
		certDir string
	)

	BeforeAll(func() {
		cfg, c := startAPIServer(certManagerCRDs())
		k8s = c
		mode, err := certs.Detect(cfg)
		Expect(err).NotTo(HaveOccurred())
		Expect(mode).To(Equal(certs.ModeCertManager))

		mgr := newManager(cfg, ctrl.Options{})
		Expect(config.Setup(mgr, config.Options{Namespace: operatorNS})).To(Succeed())
		certDir = GinkgoT().TempDir()
		issuer, err := certs.Setup(mgr, certs.Options{Namespace: operatorNS, CertDir: certDir})
		Expect(err).NotTo(HaveOccurred())
		Expect(issuer).To(BeNil(), "no built-in issuer next to cert-manager")
		run(mgr)
	})

	It("creates a self-signed Issuer", func(ctx SpecContext) {
		issuer := &cmapi.Issuer{}
		Eventually(func() error {
			return k8s.Get(ctx, types.NamespacedName{Namespace: operatorNS, Name: webhooks.IssuerName}, issuer)
		}).Should(Succeed())
		Expect(issuer.Spec.SelfSigned).NotTo(BeNil())
	})

	It("creates a Certificate for the Service names into the Secret", func(ctx SpecContext) {
		cert := &cmapi.Certificate{}
		Eventually(func() error {
			return k8s.Get(ctx, types.NamespacedName{Namespace: operatorNS, Name: webhooks.CertificateName}, cert)
		}).Should(Succeed())
		Expect(cert.Spec.SecretName).To(Equal(webhooks.SecretName))
		Expect(cert.Spec.DNSNames).To(Equal([]string{"spo-webhook.spo-system.svc", "spo-webhook.spo-system.svc.cluster.local"}))
		Expect(cert.Spec.IssuerRef).To(Equal(cmmeta.IssuerReference{Group: "cert-manager.io", Kind: "Issuer", Name: webhooks.IssuerName}))
	})

	It("annotates the webhook configuration for the cainjector, and only that", func(ctx SpecContext) {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		Eventually(func() map[string]string {
			_ = k8s.Get(ctx, types.NamespacedName{Name: webhooks.MutatingConfigName}, cfg)
			return cfg.Annotations
		}).Should(HaveKeyWithValue(cmapi.WantInjectAnnotation, injectFrom))
		Expect(cfg.Webhooks).To(HaveLen(2), "the config component's entries are untouched")
		for _, m := range cfg.ManagedFields {
			if m.Manager == webhooks.CertsFieldManager {
				Expect(string(m.FieldsV1.Raw)).To(Equal(`{"f:metadata":{"f:annotations":{"f:` + cmapi.WantInjectAnnotation + `":{}}}}`))
			}
		}
	})

	It("annotates a CRD converted by the webhook server", func(ctx SpecContext) {
		crd := createCRD(ctx, k8s, "gizmos", "v1", "v1beta1")

		Eventually(func() map[string]string { return liveCRD(ctx, k8s, crd.Name).Annotations }).
			Should(HaveKeyWithValue(cmapi.WantInjectAnnotation, injectFrom))
	})

	It("syncs the Secret cert-manager fills into the certificate directory", func(ctx SpecContext) {
		// What cert-manager would write: the same keys, without ca.key.
		issued, err := certs.IssueAt(time.Now(), operatorNS, nil, nil)
		Expect(err).NotTo(HaveOccurred())
		data, err := issued.Data()
		Expect(err).NotTo(HaveOccurred())
		delete(data, certs.KeyCAKey)
		Expect(k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: operatorNS, Name: webhooks.SecretName},
			Type:       corev1.SecretTypeTLS,
			Data:       data,
		})).To(Succeed())

		Eventually(readFile(certDir, certs.KeyCert)).Should(Equal(data[certs.KeyCert]))
		Eventually(readFile(certDir, certs.KeyKey)).Should(Equal(data[certs.KeyKey]))
	})
})

// certManagerCRDs is the directory of the CRDs shipped in the cert-manager
// module our go.mod requires.
func certManagerCRDs() string {
	GinkgoHelper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cert-manager/cert-manager").Output()
	Expect(err).NotTo(HaveOccurred(), "finding the cert-manager module")
	return filepath.Join(strings.TrimSpace(string(out)), "deploy", "crds")
}
