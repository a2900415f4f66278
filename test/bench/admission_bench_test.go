package bench

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/binding"
)

// The cache the issue asks for: 10,000 ProfileBindings (distinct images) and
// 1,000 ProfileRecordings over 100 namespaces.
const (
	benchNamespaces        = 100
	bindingsPerNamespace   = 100
	recordingsPerNamespace = 10
	requestsPerLevel       = 2000
)

// BenchmarkBindingAdmission posts real AdmissionReview requests over HTTPS
// on loopback to the binding webhook served by a real controller-runtime
// webhook server whose cache holds 10,000 bindings, and reports throughput
// and p50/p99 latency at 1, 8 and 64 concurrent clients, plus the handler's
// allocations per admission.
func BenchmarkBindingAdmission(b *testing.B) {
	// Decision logs are encoded as in production, then dropped.
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env, _ := startControlPlane(b, root)
	defer func() { _ = env.Stop() }()
	s := k8sruntime.NewScheme()
	must(b, errors.Join(clientgoscheme.AddToScheme(s), v1.AddToScheme(s)))
	c, err := client.New(env.Config, client.Options{Scheme: s})
	must(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	createObjects(b, ctx, c)
	b.Logf("created %d bindings, %d recordings in %s", benchNamespaces*bindingsPerNamespace,
		benchNamespaces*recordingsPerNamespace, time.Since(start).Round(time.Millisecond))

	certDir, pool := selfSignedCert(b)
	l, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the webhook server
	must(b, err)
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: s, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		WebhookServer: webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, CertDir: certDir}),
	})
	must(b, err)
	must(b, binding.Setup(mgr, binding.Options{}))
	stop := runManager(b, ctx, mgr)
	defer stop()
	waitForCache(b, ctx, mgr.GetClient())

	url := fmt.Sprintf("https://127.0.0.1:%d%s", port, webhooks.BindingPath)
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 64,
	}}
	bodies := reviewBodies(b)
	post(b, httpc, url, bodies[0]) // warm up the connection and the code paths

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, clients := range []int{1, 8, 64} {
			rps, lat := load(b, httpc, url, bodies, clients)
			b.ReportMetric(rps, fmt.Sprintf("req/s-c%d", clients))
			b.ReportMetric(lat[len(lat)/2].Seconds()*1000, fmt.Sprintf("p50-ms-c%d", clients))
			b.ReportMetric(lat[len(lat)*99/100].Seconds()*1000, fmt.Sprintf("p99-ms-c%d", clients))
		}
	}
	b.StopTimer()
	allocs, bytesPer := handlerAllocs(ctx, mgr, bodies[0])
	b.ReportMetric(allocs, "allocs/admission")
	b.ReportMetric(bytesPer, "B/admission")
}

// createObjects fills the API server with a few goroutines: the profiles
// (Installed, as the daemons would report), the bindings and the recordings.
func createObjects(b *testing.B, ctx context.Context, c client.Client) {
	for j := 0; j < bindingsPerNamespace; j++ {
		p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%d", j)},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}}
		must(b, c.Create(ctx, p))
		p.Status.Status = v1.ProfileStateInstalled
		p.Status.LocalhostProfile = "operator/" + p.Name + ".json"
		must(b, c.Status().Update(ctx, p))
	}
	for i := 0; i < benchNamespaces; i++ {
		must(b, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName(i)}}))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	create := func(obj client.Object) { g.Go(func() error { return c.Create(gctx, obj) }) }
	for i := 0; i < benchNamespaces; i++ {
		for j := 0; j < bindingsPerNamespace; j++ {
			create(&v1.ProfileBinding{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("b-%d", j), Namespace: nsName(i)},
				Spec: v1.ProfileBindingSpec{Image: image(j),
					ProfileRef: v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: fmt.Sprintf("app-%d", j)}},
			})
		}
		for j := 0; j < recordingsPerNamespace; j++ {
			create(&v1.ProfileRecording{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("r-%d", j), Namespace: nsName(i)},
				Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderLogs,
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"record": fmt.Sprint(j)}}},
			})
		}
	}
	must(b, g.Wait())
}

func nsName(i int) string { return fmt.Sprintf("bench-%d", i) }
func image(j int) string  { return fmt.Sprintf("registry.example/app-%d:1.0", j) }

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func runManager(b *testing.B, ctx context.Context, mgr ctrl.Manager) func() {
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(mctx); err != nil {
			b.Error(err) // not Fatal: this is not the benchmark's goroutine
		}
	}()
	check := mgr.GetWebhookServer().StartedChecker()
	for check(nil) != nil {
		time.Sleep(20 * time.Millisecond)
	}
	return func() { cancel(); <-done }
}

// waitForCache waits until the cache holds every binding and recording; the
// recordings are listed once so that their informer fills the cache as it
// would in the webhook process, which serves both webhooks.
func waitForCache(b *testing.B, ctx context.Context, c client.Reader) {
	for {
		bl, rl := &v1.ProfileBindingList{}, &v1.ProfileRecordingList{}
		must(b, c.List(ctx, bl, client.UnsafeDisableDeepCopy))
		must(b, c.List(ctx, rl, client.UnsafeDisableDeepCopy))
		if len(bl.Items) == benchNamespaces*bindingsPerNamespace && len(rl.Items) == benchNamespaces*recordingsPerNamespace {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reviewBodies are AdmissionReview requests for pods with two bound images
// and an unbound sidecar, spread over the namespaces.
func reviewBodies(b *testing.B) [][]byte {
	var out [][]byte
	for i := 0; i < 256; i++ {
		ns, j := nsName(i%benchNamespaces), i%bindingsPerNamespace
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Namespace: ns, Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "app", Image: image(j)}, {Name: "helper", Image: image((j + 1) % bindingsPerNamespace)},
				{Name: "sidecar", Image: "registry.example/unbound:1.0"},
			}},
		}
		raw, err := json.Marshal(pod)
		must(b, err)
		body, err := json.Marshal(admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{
				UID: "uid", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
				Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
				Namespace: ns, Operation: admissionv1.Create, Object: k8sruntime.RawExtension{Raw: raw},
			},
		})
		must(b, err)
		out = append(out, body)
	}
	return out
}

// load sends requestsPerLevel requests from clients goroutines and returns
// the throughput and the sorted latencies.
func load(b *testing.B, c *http.Client, url string, bodies [][]byte, clients int) (float64, []time.Duration) {
	lat := make([]time.Duration, requestsPerLevel)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < requestsPerLevel; i = int(next.Add(1)) - 1 {
				t := time.Now()
				post(b, c, url, bodies[i%len(bodies)])
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return float64(requestsPerLevel) / elapsed.Seconds(), lat
}

// post sends one review and checks that the pod was mutated.
func post(b *testing.B, c *http.Client, url string, body []byte) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response == nil {
		b.Errorf("decoding response (HTTP %d): %v", resp.StatusCode, err)
		return
	}
	if !review.Response.Allowed || len(review.Response.Patch) == 0 {
		b.Errorf("want an allowed, patched pod; got allowed=%v patch=%s warnings=%v",
			review.Response.Allowed, review.Response.Patch, review.Response.Warnings)
	}
}

// handlerAllocs measures one admission in the handler alone, without HTTP
// and TLS: allocations and bytes per Handle call.
func handlerAllocs(ctx context.Context, mgr ctrl.Manager, body []byte) (float64, float64) {
	var review admissionv1.AdmissionReview
	_ = json.Unmarshal(body, &review)
	req := admission.Request{AdmissionRequest: *review.Request}
	h := binding.NewHandler(mgr.GetClient(), mgr.GetEventRecorder(binding.EventSource), binding.Options{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// AllocsPerRun calls the function once more to warm up.
	allocs := testing.AllocsPerRun(1000, func() { h.Handle(ctx, req) })
	runtime.ReadMemStats(&after)
	return allocs, float64(after.TotalAlloc-before.TotalAlloc) / 1001
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key where the
// webhook server reads them, and returns a pool that trusts it.
func selfSignedCert(b *testing.B) (string, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(b, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "spo-webhook-bench"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(b, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(b, err)
	dir, certPEM := b.TempDir(), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	must(b, os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600))
	must(b, os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return dir, pool
}
