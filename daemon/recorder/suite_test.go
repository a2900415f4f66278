package recorder_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/test/controlplane"
)

// The envtest suite runs the recorder in a manager configured as the
// daemon's (daemon.CacheOptions: this node's pods only, stripped by
// TransformPod) against a real API server, with the node services faked:
// it checks the wiring the table tests cannot, such as the field selector,
// the transform keeping what the recorder reads, and the enqueueing of
// state records at start.

const node = "node-a"

var (
	k8s    client.Client
	suite  *controlplane.Suite
	cfg    *rest.Config
	bpf    *fakeBpf
	states recorder.Store
)

func TestRecorderSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "recorder")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	suite, err = controlplane.StartSuite(ctrl.Options{}, nil)
	Expect(err).NotTo(HaveOccurred())
	cfg, k8s = suite.Config, suite.Client
	bpf = &fakeBpf{syscalls: map[string]*bpfrecorderv1.SyscallsResponse{}}
	states = recorder.Store{Dir: GinkgoT().TempDir()}
})

var _ = AfterSuite(func() { Expect(suite.Stop()).To(Succeed()) })

// startDaemon runs a daemon's recorder until the spec ends, as a restart
// would: a new manager over the same state directory.
func startDaemon() { startDaemonWith(fakeServices{bpf: bpf}) }

// startDaemonWith runs a daemon's recorder with the given node services.
func startDaemonWith(services recorder.Services) {
	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(ctrl.Options{
		Cache: daemon.CacheOptions(daemon.Config{Node: node, Namespace: "spo"}),
	}))
	Expect(err).NotTo(HaveOccurred())
	r, err := recorder.NewReconciler(mgr, states.Dir, services)
	Expect(err).NotTo(HaveOccurred())
	r.BpfWatchInterval = 50 * time.Millisecond
	Expect(r.SetupWithManager(mgr)).To(Succeed())
	ctx, stop := context.WithCancel(context.Background())
	wait := controlplane.Run(ctx, mgr)
	DeferCleanup(func() {
		stop()
		Expect(wait()).To(Succeed())
	})
}
