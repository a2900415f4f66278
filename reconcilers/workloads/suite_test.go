package workloads_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/reconcilers/workloads"
	"github.com/secprofiles/spo/test/controlplane"
)

// k8s talks to the API server directly, not through the manager's cache, so
// what a spec reads is what the server holds.
var (
	k8s   client.Client
	suite *controlplane.Suite
)

func TestWorkloads(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "workloads")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	suite, err = controlplane.StartSuite(manager.Options{
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: {Transform: workloads.TransformPod},
		}},
	}, func(mgr manager.Manager) error {
		return workloads.SetupAll(mgr)
	})
	Expect(err).NotTo(HaveOccurred())
	k8s = suite.Client
})

var _ = AfterSuite(func() { Expect(suite.Stop()).To(Succeed()) })
