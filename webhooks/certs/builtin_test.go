package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gomodules.xyz/jsonpatch/v2"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/certs"
	"github.com/secprofiles/spo/webhooks/config"
)

// admittedAnnotation is what the test webhook adds to every pod it sees.
const admittedAnnotation = "certs-test.spo.x-k8s.io/admitted"

// In built-in mode the real API server calls a real controller-runtime
// webhook server over TLS, with certificates from this package; the
// specs run in order and share that one server.
var _ = Describe("built-in mode", Ordered, func() {
	var (
		k8s     client.Client
		issuer  *certs.Issuer
		certDir string
		addr    string
		ns      string
	)

	BeforeAll(func(ctx SpecContext) {
		cfg, c := startAPIServer()
		k8s = c
		mode, err := certs.Detect(cfg)
		Expect(err).NotTo(HaveOccurred())
		Expect(mode).To(Equal(certs.ModeBuiltIn))

		certDir = GinkgoT().TempDir()
		port := freePort()
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		srv := certs.ServeAfterCert(webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, CertDir: certDir}), certDir)
		mgr := newManager(cfg, ctrl.Options{WebhookServer: srv})
		// Through the manager, which adds the server to its runnables.
		mgr.GetWebhookServer().Register(webhooks.BindingPath, &webhook.Admission{Handler: admission.HandlerFunc(admit)})

		Expect(config.Setup(mgr, config.Options{Namespace: operatorNS, URL: "https://" + addr})).To(Succeed())
		issuer, err = certs.Setup(mgr, certs.Options{
			Namespace: operatorNS, CertDir: certDir,
			ExtraDNSNames: []string{"localhost"}, ExtraIPs: []net.IP{net.ParseIP("127.0.0.1")},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(issuer).NotTo(BeNil())
		run(mgr)

		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "certs-",
			Labels: map[string]string{config.BindingLabel: ""}}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	It("stores a CA that verifies the serving certificate for every name", func(ctx SpecContext) {
		b := usableBundle(ctx, k8s)
		Expect(secretOf(ctx, k8s)().Type).To(Equal(corev1.SecretTypeTLS))
		for _, name := range []string{"spo-webhook.spo-system.svc", "spo-webhook.spo-system.svc.cluster.local", "localhost", "127.0.0.1"} {
			_, err := b.Cert.Verify(x509.VerifyOptions{Roots: pool(b.CABundle()), DNSName: name})
			Expect(err).NotTo(HaveOccurred(), name)
		}
		Expect(b.CA.IsCA).To(BeTrue())
	})

	It("injects the caBundle into every webhook and every conversion", func(ctx SpecContext) {
		crd := createCRD(ctx, k8s, "widgets", "v1", "v1alpha1")
		caCrt := secretOf(ctx, k8s)().Data[certs.KeyCACert]

		Eventually(webhookBundles(ctx, k8s)).Should(And(HaveLen(2), HaveEach(Equal(caCrt))))
		Eventually(conversionBundle(ctx, k8s, crd.Name)).Should(Equal(caCrt))
	})

	It("writes the serving certificate into the certificate directory", func(ctx SpecContext) {
		secret := secretOf(ctx, k8s)()
		Eventually(readFile(certDir, certs.KeyCert)).Should(Equal(secret.Data[certs.KeyCert]))
		Eventually(readFile(certDir, certs.KeyKey)).Should(Equal(secret.Data[certs.KeyKey]))
		Expect(certs.HasCert(certDir)).To(BeTrue())
	})

	It("serves TLS the API server trusts, so pods are admitted through the webhook", func(ctx SpecContext) {
		Eventually(handshake(ctx, k8s, addr)).Should(Equal(servingSerial(ctx, k8s)))
		Expect(createPod(ctx, k8s, ns).Annotations).To(HaveKeyWithValue(admittedAnnotation, "yes"))
	})

	It("rotates on demand without restarting the server, trusting old and new during the grace period", func(ctx SpecContext) {
		before := usableBundle(ctx, k8s)
		Expect(issuer.Rotate(ctx)).To(Succeed())
		// Admissions keep working while replicas change over.
		Expect(createPod(ctx, k8s, ns).Annotations).To(HaveKeyWithValue(admittedAnnotation, "yes"))

		after := bundleOf(ctx, k8s)()
		Expect(after.CA.Equal(before.CA)).To(BeFalse(), "a new CA")
		Expect(after.Cert.Equal(before.Cert)).To(BeFalse(), "a new serving certificate")
		for _, c := range []*x509.Certificate{before.Cert, after.Cert} {
			_, err := c.Verify(x509.VerifyOptions{Roots: pool(after.CABundle()), DNSName: "localhost"})
			Expect(err).NotTo(HaveOccurred(), "the bundle verifies certificate %s", c.SerialNumber)
		}
		Eventually(webhookBundles(ctx, k8s)).Should(HaveEach(Equal(after.CABundle())))
		Eventually(readFile(certDir, certs.KeyCert)).Should(Equal(secretOf(ctx, k8s)().Data[certs.KeyCert]))
		Eventually(handshake(ctx, k8s, addr)).Should(Equal(after.Cert.SerialNumber.String()))
		Expect(createPod(ctx, k8s, ns).Annotations).To(HaveKeyWithValue(admittedAnnotation, "yes"))
	})

	It("puts back a caBundle edited by hand", func(ctx SpecContext) {
		want := secretOf(ctx, k8s)().Data[certs.KeyCACert]
		Eventually(func() error {
			cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := k8s.Get(ctx, types.NamespacedName{Name: webhooks.MutatingConfigName}, cfg); err != nil {
				return err
			}
			cfg.Webhooks[0].ClientConfig.CABundle = want[:len(want)/2]
			return k8s.Update(ctx, cfg, client.FieldOwner("kubectl-edit"))
		}).Should(Succeed())

		Eventually(webhookBundles(ctx, k8s)).Should(HaveEach(Equal(want)))
	})

	It("replaces a Secret someone broke, and serves the new certificate", func(ctx SpecContext) {
		Eventually(func() error {
			secret := secretOf(ctx, k8s)()
			secret.Data[certs.KeyKey] = []byte("broken")
			return k8s.Update(ctx, secret)
		}).Should(Succeed())

		b := usableBundle(ctx, k8s)
		Eventually(handshake(ctx, k8s, addr)).Should(Equal(b.Cert.SerialNumber.String()))
		Expect(createPod(ctx, k8s, ns).Annotations).To(HaveKeyWithValue(admittedAnnotation, "yes"))
	})

	It("renews a serving certificate that has less than a third of its life left, keeping the CA", func(ctx SpecContext) {
		// Issued 61 days ago for the same names: 29 of its 90 days left.
		old, err := certs.IssueAt(time.Now().Add(-61*24*time.Hour), operatorNS, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() error {
			secret := secretOf(ctx, k8s)()
			data, err := old.Data()
			if err != nil {
				return err
			}
			secret.Data = data
			return k8s.Update(ctx, secret)
		}).Should(Succeed())

		Eventually(func() *big.Int { return bundleOf(ctx, k8s)().Cert.SerialNumber }).ShouldNot(Equal(old.Cert.SerialNumber))
		renewed := bundleOf(ctx, k8s)()
		Expect(renewed.CA.Equal(old.CA)).To(BeTrue(), "the CA has most of its life left")
		_, err = renewed.Cert.Verify(x509.VerifyOptions{Roots: pool(renewed.CABundle()), DNSName: "localhost"})
		Expect(err).NotTo(HaveOccurred())
	})
})

// admit marks every pod, so a spec can tell the webhook was called.
func admit(context.Context, admission.Request) admission.Response {
	return admission.Patched("", jsonpatch.JsonPatchOperation{
		Operation: "add", Path: "/metadata/annotations", Value: map[string]string{admittedAnnotation: "yes"},
	})
}

func secretOf(ctx context.Context, k8s client.Client) func() *corev1.Secret {
	return func() *corev1.Secret {
		secret := &corev1.Secret{}
		if err := k8s.Get(ctx, types.NamespacedName{Namespace: operatorNS, Name: webhooks.SecretName}, secret); err != nil {
			return &corev1.Secret{}
		}
		return secret
	}
}

// bundleOf is the Secret's bundle, nil while it is missing or unusable.
func bundleOf(ctx context.Context, k8s client.Client) func() *certs.Bundle {
	return func() *certs.Bundle {
		b, err := certs.ParseBundle(secretOf(ctx, k8s)().Data)
		if err != nil {
			return nil
		}
		return b
	}
}

// usableBundle waits for the Secret to hold a usable bundle.
func usableBundle(ctx context.Context, k8s client.Client) *certs.Bundle {
	GinkgoHelper()
	var b *certs.Bundle
	Eventually(func() *certs.Bundle { b = bundleOf(ctx, k8s)(); return b }).ShouldNot(BeNil())
	return b
}

func servingSerial(ctx context.Context, k8s client.Client) string {
	GinkgoHelper()
	return usableBundle(ctx, k8s).Cert.SerialNumber.String()
}

func webhookBundles(ctx context.Context, k8s client.Client) func() [][]byte {
	return func() [][]byte {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		if err := k8s.Get(ctx, types.NamespacedName{Name: webhooks.MutatingConfigName}, cfg); err != nil {
			return nil
		}
		var out [][]byte
		for _, w := range cfg.Webhooks {
			out = append(out, w.ClientConfig.CABundle)
		}
		return out
	}
}

// handshake connects to the server trusting what the API server trusts
// (the first webhook's caBundle) and returns the serial number the server
// presented.
func handshake(ctx context.Context, k8s client.Client, addr string) func() (string, error) {
	return func() (string, error) {
		bundles := webhookBundles(ctx, k8s)()
		if len(bundles) == 0 {
			return "", fmt.Errorf("no webhook configuration yet")
		}
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool(bundles[0]), ServerName: "127.0.0.1"})
		if err != nil {
			return "", err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String(), nil
	}
}

func pool(pemCerts []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pemCerts)
	return p
}

func readFile(dir, name string) func() []byte {
	return func() []byte {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		return data
	}
}

// createPod creates a pod and returns it as admitted.
func createPod(ctx context.Context, k8s client.Client, ns string) *corev1.Pod {
	GinkgoHelper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "pod-"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app"}}},
	}
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	return pod
}
