package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/api/v1alpha1"
	"github.com/secprofiles/spo/api/v1alpha2"
	"github.com/secprofiles/spo/api/v1beta1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/reconcilers"
)

const operatorNamespace = "security-profiles-operator"

var (
	root     = repoRoot()
	scheme   = newScheme()
	env      *envtest.Environment
	k8s      client.Client
	stopAll  context.CancelFunc
	running  sync.WaitGroup
	nodeDirs = map[string]string{} // node name -> kubelet directory
)

func TestIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "integration")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ensureAssets()
	env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	ctx, cancel := context.WithCancel(context.Background())
	stopAll = cancel
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())

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
	for _, dir := range nodeDirs {
		_ = os.RemoveAll(dir)
	}
})

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntimeMust(clientgoscheme.AddToScheme(s))
	utilruntimeMust(apiextensionsv1.AddToScheme(s))
	utilruntimeMust(v1.AddToScheme(s))
	utilruntimeMust(v1beta1.AddToScheme(s))
	utilruntimeMust(v1alpha1.AddToScheme(s))
	utilruntimeMust(v1alpha2.AddToScheme(s))
	return s
}

func utilruntimeMust(err error) {
	if err != nil {
		panic(err)
	}
}

// testOptions are the production options with network endpoints off.
// Several managers run in one process here, so controller names repeat.
func testOptions(cache manager.Options) manager.Options {
	cache.Scheme = scheme
	cache.Metrics = metricsserver.Options{BindAddress: "0"}
	cache.HealthProbeBindAddress = "0"
	cache.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	return cache
}

func startManager(ctx context.Context, cfg *rest.Config) {
	mgr, err := ctrl.NewManager(cfg, testOptions(manager.Options{Cache: reconcilers.CacheOptions()}))
	Expect(err).NotTo(HaveOccurred())
	Expect(reconcilers.Setup(mgr)).To(Succeed())
	run(ctx, mgr)
}

func startDaemon(ctx context.Context, cfg *rest.Config, node string, viaAnnotation bool) {
	dir, err := os.MkdirTemp("", "spo-kubelet-"+node+"-")
	Expect(err).NotTo(HaveOccurred())
	nodeDirs[node] = dir
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}
	dcfg := daemon.Config{Node: node, KubeletDir: dir, Namespace: operatorNamespace}
	if viaAnnotation {
		n.Annotations = map[string]string{v1.AnnotationKubeletDir: dir}
		dcfg.KubeletDir = "/nonexistent/kubelet"
	}
	Expect(k8s.Create(ctx, n)).To(Succeed())

	mgr, err := ctrl.NewManager(cfg, testOptions(manager.Options{Cache: daemon.CacheOptions(dcfg)}))
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

// ensureAssets points envtest at the control plane hack/controlplane.sh
// built (and builds it if needed), so `go test` works without make.
func ensureAssets() {
	if os.Getenv("KUBEBUILDER_ASSETS") != "" {
		return
	}
	out, err := exec.Command(filepath.Join(root, "hack", "controlplane.sh")).Output()
	Expect(err).NotTo(HaveOccurred(), "hack/controlplane.sh failed")
	Expect(os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))).To(Succeed())
}

func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "..", "..")
}
