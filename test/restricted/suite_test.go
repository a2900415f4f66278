package restricted

import (
	"context"
	"fmt"
	"net"
	"os"
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

	"github.com/secprofiles/spo/reconcilers"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/config"
	"github.com/secprofiles/spo/webhooks/server"
)

const (
	operatorNamespace = "security-profiles-operator"
	// inside is the namespace the components are restricted to, outside
	// another one, opted in to binding and recording all the same.
	inside  = "team-a"
	outside = "team-b"
)

var (
	env        *envtest.Environment
	restConfig *rest.Config
	k8s        client.Client
	stop       context.CancelFunc
	waits      []func() error
)

func TestRestricted(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "restricted")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = controlplane.New()
	Expect(err).NotTo(HaveOccurred())
	restConfig, err = env.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(restConfig, client.Options{Scheme: controlplane.Scheme()})
	Expect(err).NotTo(HaveOccurred())

	ctx, cancel := context.WithCancel(context.Background())
	stop = cancel
	for _, ns := range []string{operatorNamespace, inside, outside} {
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{config.BindingLabel: "", config.RecordingLabel: ""}}})).To(Succeed())
	}

	// The manager as `spo manager` sets it up with RESTRICT_TO_NAMESPACE.
	opts := reconcilers.Options{Namespace: operatorNamespace, Image: "spo", RestrictNamespace: inside}
	mgr, err := ctrl.NewManager(restConfig, controlplane.ManagerOptions(manager.Options{Cache: reconcilers.CacheOptionsFor(opts)}))
	Expect(err).NotTo(HaveOccurred())
	Expect(reconcilers.SetupWithOptions(mgr, opts)).To(Succeed())
	waits = append(waits, controlplane.Run(ctx, mgr))

	// The webhook server as `spo webhook` sets it up, reached on loopback.
	dir, err := os.MkdirTemp("", "spo-restricted-certs-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(dir) })
	port := freePort()
	wopts := server.Options{Namespace: operatorNamespace, RestrictNamespace: inside,
		Host: "127.0.0.1", Port: port, CertDir: dir, URL: fmt.Sprintf("https://127.0.0.1:%d", port)}
	wmgr, err := ctrl.NewManager(restConfig, controlplane.ManagerOptions(server.ManagerOptions(manager.Options{}, wopts)))
	Expect(err).NotTo(HaveOccurred())
	_, err = server.Setup(wmgr, wopts)
	Expect(err).NotTo(HaveOccurred())
	waits = append(waits, controlplane.Run(ctx, wmgr))
	Eventually(func() error { return wmgr.GetWebhookServer().StartedChecker()(nil) }).Should(Succeed())
})

var _ = AfterSuite(func() {
	if stop != nil {
		stop()
	}
	for _, wait := range waits {
		Expect(wait()).To(Succeed())
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
