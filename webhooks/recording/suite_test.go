package recording_test

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
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/recording"
)

// k8s talks to the API server directly; the handler reads through mgr's
// cache, as in production.
var (
	k8s         client.Client
	mgr         manager.Manager
	env         *envtest.Environment
	stopManager context.CancelFunc
	waitManager func() error
)

func TestRecording(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "recording webhook")
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

	// The webhook server is disabled (port -1) but keeps its mux: specs
	// serve AdmissionReviews through it in-process. TLS and the API
	// server's calls are the end-to-end suite's business.
	mgr, err = ctrl.NewManager(cfg, controlplane.ManagerOptions(ctrl.Options{
		WebhookServer: webhook.NewServer(webhook.Options{Port: -1}),
	}))
	Expect(err).NotTo(HaveOccurred())
	Expect(recording.Setup(mgr)).To(Succeed())

	var ctx context.Context
	ctx, stopManager = context.WithCancel(context.Background())
	waitManager = controlplane.Run(ctx, mgr)
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
