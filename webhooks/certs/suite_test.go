package certs_test

import (
	"context"
	"maps"
	"net"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/certs"
	"github.com/secprofiles/spo/webhooks/config"
)

// operatorNS is the operator's namespace in these tests.
const operatorNS = "spo-system"

func TestCerts(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "webhook certs")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
})

func newScheme() *k8sruntime.Scheme {
	s := k8sruntime.NewScheme()
	Expect(clientgoscheme.AddToScheme(s)).To(Succeed())
	Expect(apiextensionsv1.AddToScheme(s)).To(Succeed())
	Expect(v1.AddToScheme(s)).To(Succeed())
	// Only the tests' own client reads cert-manager's objects typed; the
	// components apply them unstructured.
	Expect(cmapi.AddToScheme(s)).To(Succeed())
	return s
}

// startAPIServer starts a control plane with our CRDs and those in
// extraCRDs, and the operator's namespace; it is stopped after the
// container, once the manager is gone.
func startAPIServer(extraCRDs ...string) (*rest.Config, client.Client) {
	GinkgoHelper()
	env, err := controlplane.New()
	Expect(err).NotTo(HaveOccurred())
	env.CRDDirectoryPaths = append(env.CRDDirectoryPaths, extraCRDs...)
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	k8s, err := client.New(cfg, client.Options{Scheme: newScheme()})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNS}})).To(Succeed())
	return cfg, k8s
}

// newManager is a manager configured as `spo webhook` configures its own.
func newManager(cfg *rest.Config, opts ctrl.Options) manager.Manager {
	GinkgoHelper()
	opts.Scheme = newScheme()
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	byObject := config.CacheByObject()
	maps.Copy(byObject, certs.CacheByObject(operatorNS))
	opts.Cache = cache.Options{ByObject: byObject}
	// Both containers run the same controllers in one process.
	opts.Controller = ctrlconfig.Controller{SkipNameValidation: ptr.To(true)}
	mgr, err := ctrl.NewManager(cfg, opts)
	Expect(err).NotTo(HaveOccurred())
	return mgr
}

// run starts mgr and stops it (and waits) after the container, before the
// API server goes: otherwise its watches fail and its last requests hang.
func run(mgr manager.Manager) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).Should(BeClosed())
	})
}

// freePort is a port nothing listens on right now.
func freePort() int {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
