package nodedebuggingpod_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/config"
	"github.com/secprofiles/spo/webhooks/nodedebuggingpod"
)

// calls records the requests the real API server sent the handler.
type calls struct {
	mu   sync.Mutex
	reqs []admission.Request
}

func (c *calls) wrap(h admission.Handler) admission.Handler {
	return admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
		c.mu.Lock()
		c.reqs = append(c.reqs, req)
		c.mu.Unlock()
		return h.Handle(ctx, req)
	})
}

func (c *calls) take() []admission.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.reqs
	c.reqs = nil
	return out
}

// TestAPIServerTagsNodeDebuggingPods installs the node debugging pod entry
// exactly as webhooks/config writes it for an SPOD with the JSON enricher
// on, and creates pods through a real kube-apiserver: the pod kubectl
// debug node/... sends is stored with the variable (a pre-set value
// overwritten) and the UID of its CREATE request; an ordinary pod is never
// sent to the webhook (objectSelector) and is stored as it was.
func TestAPIServerTagsNodeDebuggingPods(t *testing.T) {
	env, err := controlplane.New()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	spec := v1.SPODSpec{Enricher: v1.EnricherConfig{EnableJsonEnricher: true}}
	hooks := config.WebhooksFor(config.Options{Namespace: "spo-system"}, spec)
	i := slices.IndexFunc(hooks, func(h admissionregistrationv1.MutatingWebhook) bool {
		return h.Name == webhooks.NodeDebuggingPodWebhookName
	})
	if i < 0 {
		t.Fatal("no node debugging pod webhook")
	}
	hook := hooks[i]
	hook.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: ptr.To(fmt.Sprintf("https://127.0.0.1:%d%s", port, webhooks.NodeDebuggingPodPath))}
	// Fail, here only: a webhook the API server could not reach must fail
	// the test, not be skipped silently.
	hook.FailurePolicy = ptr.To(admissionregistrationv1.Fail)
	env.WebhookInstallOptions = envtest.WebhookInstallOptions{
		LocalServingHost: "127.0.0.1",
		LocalServingPort: port,
		MutatingWebhooks: []*admissionregistrationv1.MutatingWebhookConfiguration{{
			ObjectMeta: metav1.ObjectMeta{Name: webhooks.MutatingConfigName},
			Webhooks:   []admissionregistrationv1.MutatingWebhook{hook},
		}},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	}()
	o := env.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: controlplane.Scheme(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		WebhookServer: webhook.NewServer(webhook.Options{Host: o.LocalServingHost, Port: o.LocalServingPort, CertDir: o.LocalServingCertDir})})
	if err != nil {
		t.Fatal(err)
	}
	var seen calls
	mgr.GetWebhookServer().Register(webhooks.NodeDebuggingPodPath, &webhook.Admission{Handler: seen.wrap(nodedebuggingpod.Handler{})})
	ctx, cancel := context.WithCancel(context.Background())
	wait := controlplane.Run(ctx, mgr)
	defer func() {
		cancel()
		if err := wait(); err != nil {
			t.Error(err)
		}
	}()
	for mgr.GetWebhookServer().StartedChecker()(nil) != nil {
		time.Sleep(20 * time.Millisecond)
	}

	cs := kubernetes.NewForConfigOrDie(cfg)
	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "debug-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created, err := cs.CoreV1().Pods(ns.Name).Create(ctx, nodedebuggingpod.DebugPod(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reqs := seen.take()
	if len(reqs) != 1 || reqs[0].Name != nodedebuggingpod.DebugPod().Name {
		t.Fatalf("the webhook saw %d requests, want the debugging pod's CREATE once", len(reqs))
	}
	want := []corev1.EnvVar{{Name: "TERM", Value: "xterm"}, {Name: nodedebuggingpod.EnvName, Value: string(reqs[0].UID)}}
	if got := created.Spec.Containers[0].Env; !slices.Equal(got, want) {
		t.Fatalf("stored env %v, want %v", got, want)
	}

	ordinary := nodedebuggingpod.DebugPod()
	ordinary.Name, ordinary.Labels = "web", map[string]string{"app": "web"}
	stored, err := cs.CoreV1().Pods(ns.Name).Create(ctx, ordinary, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if reqs := seen.take(); len(reqs) != 0 {
		t.Fatalf("an ordinary pod reached the webhook: %d requests", len(reqs))
	}
	if got := stored.Spec.Containers[0].Env; !slices.Equal(got, ordinary.Spec.Containers[0].Env) {
		t.Fatalf("ordinary pod's env changed: %v", got)
	}
}
