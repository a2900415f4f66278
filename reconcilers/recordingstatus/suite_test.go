package recordingstatus_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/secprofiles/spo/reconcilers/recordingstatus"
	"github.com/secprofiles/spo/reconcilers/workloads"
	"github.com/secprofiles/spo/test/controlplane"
)

// k8s talks to the API server directly, not through the manager's cache, so
// what a spec reads is what the server holds.
var (
	k8s         client.Client
	env         *envtest.Environment
	stopManager context.CancelFunc
	waitManager func() error
)

func TestRecordingStatus(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "recordingstatus")
}

var _ = BeforeSuite(func() {
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

	// Pods are cached stripped, as in the real manager: the reconciler must
	// not need anything TransformPod drops.
	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(ctrl.Options{
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: {Transform: workloads.TransformPod},
		}},
	}))
	Expect(err).NotTo(HaveOccurred())
	Expect((&recordingstatus.Reconciler{Client: mgr.GetClient()}).SetupWithManager(mgr)).To(Succeed())

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
