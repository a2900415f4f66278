package binding_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/binding"
	"github.com/secprofiles/spo/webhooks/config"
)

// k8s talks to the API server directly; cached reads the manager's cache,
// which is what the handler sees. admit and deny are the handler under test,
// with DenyNotInstalled off and on, both reading the real cache. admit is
// also served over TLS, and the API server calls it through the binding
// entry of the configuration webhooks/config writes, for namespaces labelled
// v1.LabelEnableBinding; k8sWarned is a client whose warnings land in warned.
var (
	k8s         client.Client
	k8sWarned   client.Client
	warned      = &warningLog{}
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
	env.WebhookInstallOptions = webhookInstallOptions()
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())

	scheme := controlplane.Scheme()
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	wcfg := rest.CopyConfig(cfg)
	wcfg.WarningHandler = warned
	k8sWarned, err = client.New(wcfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	hooks := env.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: hooks.LocalServingHost, Port: hooks.LocalServingPort, CertDir: hooks.LocalServingCertDir,
		}),
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(binding.IndexBindings(mgr)).To(Succeed())
	Expect(binding.WatchProfiles(mgr)).To(Succeed())
	recorder := mgr.GetEventRecorder(binding.EventSource)
	admit = binding.NewHandler(mgr.GetClient(), recorder, binding.Options{})
	deny = binding.NewHandler(mgr.GetClient(), recorder, binding.Options{DenyNotInstalled: true})
	cached = mgr.GetClient()
	mgr.GetWebhookServer().Register(webhooks.BindingPath, binding.LimitRequests(&webhook.Admission{Handler: admit}))

	var ctx context.Context
	ctx, stopManager = context.WithCancel(context.Background())
	waitManager = controlplane.Run(ctx, mgr)
	Expect(mgr.GetCache().WaitForCacheSync(ctx)).To(BeTrue())
	Eventually(func() error { return mgr.GetWebhookServer().StartedChecker()(nil) }).Should(Succeed())
})

// webhookInstallOptions installs the binding webhook exactly as
// webhooks/config writes it (failurePolicy, rules, selectors), pointed at a
// local port instead of the Service.
func webhookInstallOptions() envtest.WebhookInstallOptions {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	port := l.Addr().(*net.TCPAddr).Port
	Expect(l.Close()).To(Succeed())
	hook := config.Webhooks(config.Options{Namespace: operatorNS}, v1.WebhookConfig{})[0]
	Expect(hook.Name).To(Equal(webhooks.BindingWebhookName))
	hook.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: ptr.To(fmt.Sprintf("https://127.0.0.1:%d%s", port, webhooks.BindingPath))}
	return envtest.WebhookInstallOptions{
		LocalServingHost: "127.0.0.1",
		LocalServingPort: port,
		MutatingWebhooks: []*admissionregistrationv1.MutatingWebhookConfiguration{{
			ObjectMeta: metav1.ObjectMeta{Name: webhooks.MutatingConfigName},
			Webhooks:   []admissionregistrationv1.MutatingWebhook{hook},
		}},
	}
}

// operatorNS is the operator's namespace as far as the installed
// configuration knows; nothing runs there.
const operatorNS = "spo-system"

// warningLog collects the warnings the API server passes on from the webhook.
type warningLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

// take returns the warnings seen since the last call.
func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	msgs := w.msgs
	w.msgs = nil
	return msgs
}

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
