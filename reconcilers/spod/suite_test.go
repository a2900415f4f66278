package spod_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/reconcilers"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/controlplane"
)

// The operator's namespace and image in this suite: the golden files'.
const (
	namespace = "security-profiles-operator"
	image     = "registry.example/spo:v1"
)

// k8s talks to the API server directly, not through the manager's cache, so
// what a spec reads is what the server holds.
var (
	k8s   client.Client
	suite *controlplane.Suite
)

func TestSPOD(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "spod")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	// The manager's cache, as spo manager sets it up: the spod
	// controller's kinds from the operator's namespace only.
	opts := manager.Options{Cache: reconcilers.CacheOptionsFor(reconcilers.Options{Namespace: namespace})}
	suite, err = controlplane.StartSuite(opts, func(mgr manager.Manager) error {
		// The namespace exists before the reconciler first runs, as it
		// does in a cluster (the manager runs in it).
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
		if err := mgr.GetClient().Create(context.Background(), ns); err != nil {
			return err
		}
		r := &spod.Reconciler{Client: mgr.GetClient(), Params: spod.Params{Namespace: namespace, Image: image}}
		return r.SetupWithManager(mgr)
	})
	Expect(err).NotTo(HaveOccurred())
	k8s = suite.Client
})

var _ = AfterSuite(func() { Expect(suite.Stop()).To(Succeed()) })
