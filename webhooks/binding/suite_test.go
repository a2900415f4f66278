package binding_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/binding"
)

// k8s talks to the API server directly; cached reads the manager's cache,
// which is what the handler sees. admit and deny are the handler under test,
// with DenyNotInstalled off and on, both reading the real cache.
var (
	k8s         client.Client
	cached      client.Reader
	admit, deny *binding.Handler
	env         *envtest.Environment
	stopManager context.CancelFunc
	waitManager func() error
)

func TestBinding(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "binding webhook")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)

	var err error
	env, err = controlplane.New()
	Expect(err).NotTo(HaveOccurred())
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())

	scheme := controlplane.Scheme()
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	// The handler is called directly, so the manager needs no webhook
	// server: Setup's registration is exercised by the benchmark and the
	// end-to-end TLS test.
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(binding.IndexBindings(mgr)).To(Succeed())
	Expect(binding.WatchProfiles(mgr)).To(Succeed())
	recorder := mgr.GetEventRecorder(binding.EventSource)
	admit = binding.NewHandler(mgr.GetClient(), recorder, binding.Options{})
	deny = binding.NewHandler(mgr.GetClient(), recorder, binding.Options{DenyNotInstalled: true})
	cached = mgr.GetClient()

	var ctx context.Context
	ctx, stopManager = context.WithCancel(context.Background())
	waitManager = controlplane.Run(ctx, mgr)
	Expect(mgr.GetCache().WaitForCacheSync(ctx)).To(BeTrue())
})

// The manager must be gone before the API server: otherwise its watches
// fail and its last requests hang until they time out.
var _ = AfterSuite(func() {
	if stopManager != nil {
		stopManager()
		Expect(waitManager()).To(Succeed())
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
