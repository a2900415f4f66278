package integration

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/reconcilers"
	"github.com/secprofiles/spo/test/controlplane"
)

const operatorNamespace = "security-profiles-operator"

var (
	root   = controlplane.Root()
	scheme = controlplane.Scheme()
	env    *envtest.Environment
	k8s    client.Client
	// restConfig reaches the API server as an administrator.
	restConfig *rest.Config
	stopAll    context.CancelFunc
	running    sync.WaitGroup
	nodeDirs   = map[string]string{} // node name -> kubelet directory
	// tempDirs are removed after the suite. Not derived from nodeDirs: a
	// kubelet directory may sit right in os.TempDir(), whose parent is
	// everybody's /tmp.
	tempDirs []string
)

func TestIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "integration")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = controlplane.New()
	Expect(err).NotTo(HaveOccurred())
	// Tests run kubectl from the same directory.
	Expect(os.Setenv("KUBEBUILDER_ASSETS", env.BinaryAssetsDirectory)).To(Succeed())
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())
	restConfig = cfg
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	ctx, cancel := context.WithCancel(context.Background())
	stopAll = cancel
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
	installPolicies(ctx)

	startManager(ctx, cfg)
	// node-b's kubelet directory comes from its Node annotation, not from
	// the daemon's configuration: both ways must work.
	startDaemon(ctx, cfg, "node-a", false)
	startDaemon(ctx, cfg, "node-b", true)
	startWebhook(ctx, cfg)
})

var _ = AfterSuite(func() {
	if stopAll != nil {
		stopAll()
	}
	running.Wait()
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
	for _, dir := range tempDirs {
		_ = os.RemoveAll(dir)
	}
})

func startManager(ctx context.Context, cfg *rest.Config) {
	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(manager.Options{Cache: reconcilers.CacheOptions()}))
	Expect(err).NotTo(HaveOccurred())
	Expect(reconcilers.Setup(mgr)).To(Succeed())
	run(ctx, mgr)
}

func startDaemon(ctx context.Context, cfg *rest.Config, node string, viaAnnotation bool) {
	tmp, err := os.MkdirTemp("", "spo-kubelet-"+node+"-")
	Expect(err).NotTo(HaveOccurred())
	tempDirs = append(tempDirs, tmp)
	// A directory a node names must end in "kubelet" (daemon/kubeletdir).
	dir := filepath.Join(tmp, "kubelet")
	Expect(os.Mkdir(dir, 0o755)).To(Succeed())
	nodeDirs[node] = dir
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}
	dcfg := daemon.Config{Node: node, KubeletDir: dir, Namespace: operatorNamespace,
		StateDir: filepath.Join(dir, "state")}
	if viaAnnotation {
		n.Annotations = map[string]string{v1.AnnotationKubeletDir: dir}
		dcfg.KubeletDir = "/nonexistent/kubelet"
	}
	Expect(k8s.Create(ctx, n)).To(Succeed())

	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(manager.Options{Cache: daemon.CacheOptions(dcfg)}))
	Expect(err).NotTo(HaveOccurred())
	Expect(daemon.Setup(ctx, mgr, dcfg)).To(Succeed())
	run(ctx, mgr)
}

func run(ctx context.Context, mgr manager.Manager) {
	running.Add(1)
	go func() {
		defer GinkgoRecover()
		defer running.Done()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}
