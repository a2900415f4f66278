package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks/certs"
	"github.com/secprofiles/spo/webhooks/server"
)

// The webhook server runs as `spo webhook --webhook-url` would outside a
// cluster: the real API server calls it on 127.0.0.1 over TLS, with the
// certificate its own certs component issued (built-in mode: envtest has no
// cert-manager).
var (
	issuer       *certs.Issuer
	webhookReady func() error
	warned       = &warningLog{}
	k8sWarned    client.Client // a client whose warnings end up in warned
)

func startWebhook(ctx context.Context, cfg *rest.Config) {
	dir, err := os.MkdirTemp("", "spo-webhook-certs-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(dir) })
	port := freePort()
	opts := server.Options{
		Namespace: operatorNamespace, Host: "127.0.0.1", Port: port, CertDir: dir,
		URL: fmt.Sprintf("https://127.0.0.1:%d", port),
	}
	mgr, err := ctrl.NewManager(cfg, controlplane.ManagerOptions(server.ManagerOptions(manager.Options{}, opts)))
	Expect(err).NotTo(HaveOccurred())
	issuer, err = server.Setup(mgr, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect(issuer).NotTo(BeNil(), "envtest has no cert-manager: the built-in CA must issue")
	webhookReady = func() error { return mgr.GetWebhookServer().StartedChecker()(nil) }
	run(ctx, mgr)

	wcfg := rest.CopyConfig(cfg)
	wcfg.WarningHandler = warned
	k8sWarned, err = client.New(wcfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// warningLog collects the warnings the API server passes on from webhooks.
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
