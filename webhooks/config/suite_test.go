package config_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/config"
)

// operatorNS is the operator's namespace in these tests.
const operatorNS = "spo-system"

// k8s talks to the API server directly, not through the manager's cache.
var (
	k8s         client.Client
	env         *envtest.Environment
	stopManager context.CancelFunc
	waitManager func() error
)

func TestConfig(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "webhook config")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	env, err = controlplane.New()
	Expect(err).NotTo(HaveOccurred())
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())

	scheme := controlplane.Scheme()
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNS}})).To(Succeed())

	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(ctrl.Options{
		Cache: cache.Options{ByObject: config.CacheByObject()},
	}))
	Expect(err).NotTo(HaveOccurred())
	Expect(config.Setup(mgr, config.Options{Namespace: operatorNS})).To(Succeed())

	var mgrCtx context.Context
	mgrCtx, stopManager = context.WithCancel(context.Background())
	waitManager = controlplane.Run(mgrCtx, mgr)
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
