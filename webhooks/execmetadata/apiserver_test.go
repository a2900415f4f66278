package execmetadata

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
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
)

// seen records what the real API server sent the handler and what it
// answered.
type seen struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	req  admission.Request
	resp admission.Response
}

func (s *seen) wrap(h admission.Handler) admission.Handler {
	return admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
		resp := h.Handle(ctx, req)
		s.mu.Lock()
		s.calls = append(s.calls, call{req, resp})
		s.mu.Unlock()
		return resp
	})
}

func (s *seen) take() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = nil
	return out
}

// TestAPIServerSendsKubectlExecToTheWebhook installs the exec metadata
// entry exactly as webhooks/config writes it for an SPOD with the JSON
// enricher on, and has a real kube-apiserver call it over TLS for a
// pods/exec request (what kubectl exec sends). envtest has no kubelet, so
// the exec itself then fails; admission runs before the API server looks
// for the node, which is what is tested.
func TestAPIServerSendsKubectlExecToTheWebhook(t *testing.T) {
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
		return h.Name == webhooks.ExecMetadataWebhookName
	})
	if i < 0 {
		t.Fatal("no exec metadata webhook")
	}
	hook := hooks[i]
	hook.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: ptr.To(fmt.Sprintf("https://127.0.0.1:%d%s", port, webhooks.ExecMetadataPath))}
	// Fail, here only: a webhook the API server could not reach must fail
	// the test, not be skipped silently.
	hook.FailurePolicy = ptr.To(admissionregistrationv1.Fail)
	env.WebhookInstallOptions = webhookInstall(port, hook)
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
	var s seen
	mgr.GetWebhookServer().Register(webhooks.ExecMetadataPath, &webhook.Admission{Handler: s.wrap(Handler{})})
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
	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "exec-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns.Name},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "app", Image: "img"}}}}
	if _, err := cs.CoreV1().Pods(ns.Name).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	execErr := cs.CoreV1().RESTClient().Post().Namespace(ns.Name).Resource("pods").Name("app").SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "app", Command: []string{"sh", "-c", "id"}, Stdout: true}, scheme.ParameterCodec).
		Do(ctx).Error()
	t.Logf("exec without a kubelet: %v", execErr)

	calls := s.take()
	if len(calls) != 1 {
		t.Fatalf("the webhook was called %d times, want once", len(calls))
	}
	c := calls[0]
	if c.req.Operation != admissionv1.Connect || c.req.Kind.Kind != "PodExecOptions" || c.req.SubResource != "exec" ||
		c.req.Namespace != ns.Name || c.req.Name != "app" {
		t.Fatalf("request %s %s/%s %s/%s", c.req.Operation, c.req.Kind.Kind, c.req.SubResource, c.req.Namespace, c.req.Name)
	}
	if c.req.UID == "" || !c.resp.Allowed {
		t.Fatalf("uid %q, response %+v", c.req.UID, c.resp.Result)
	}
	got := patched(t, c.req, c.resp)
	want := []string{"env", EnvName + "=" + string(c.req.UID), "sh", "-c", "id"}
	if !slices.Equal(got.Command, want) {
		t.Fatalf("command %q, want %q", got.Command, want)
	}
}

func webhookInstall(port int, hook admissionregistrationv1.MutatingWebhook) envtest.WebhookInstallOptions {
	return envtest.WebhookInstallOptions{
		LocalServingHost: "127.0.0.1",
		LocalServingPort: port,
		MutatingWebhooks: []*admissionregistrationv1.MutatingWebhookConfiguration{{
			ObjectMeta: metav1.ObjectMeta{Name: webhooks.MutatingConfigName},
			Webhooks:   []admissionregistrationv1.MutatingWebhook{hook},
		}},
	}
}
