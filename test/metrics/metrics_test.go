// Package metrics shows that spo's metrics endpoint is protected by the API
// server: the manager runs the way `spo manager` does (reconcilers.Setup,
// the metrics options of package metricsauth) as the spo-manager
// ServiceAccount holding only the generated spo-manager ClusterRole, and a
// real kube-apiserver (envtest) does the TokenReview and
// SubjectAccessReview of every request.
package metrics

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/daemon/selinux"
	"github.com/secprofiles/spo/metricsauth"
	"github.com/secprofiles/spo/reconcilers"
	"github.com/secprofiles/spo/test/controlplane"
)

const operatorNS = "security-profiles-operator"

var (
	cfg       *rest.Config
	cl        client.Client
	clientset *kubernetes.Clientset
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	env, err := controlplane.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if cfg, err = env.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting the control plane:", err)
	} else {
		code = func() int {
			if err := setup(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			return m.Run()
		}()
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
	}
	os.Exit(code)
}

func setup() error {
	var err error
	if cl, err = client.New(cfg, client.Options{Scheme: controlplane.Scheme()}); err != nil {
		return err
	}
	if clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	// One spo metric family with a sample: counter vectors show up on
	// /metrics only once a label set has been used.
	selinux.ProfileOps.WithLabelValues("update").Inc()
	ctx := context.Background()
	for _, ns := range []string{operatorNS, "monitoring"} {
		if err := cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return err
		}
	}
	for _, f := range []string{"manager/role.yaml", "daemon/role.yaml", "webhook/role.yaml", "service_accounts.yaml",
		"role_bindings.yaml", "metrics_client.yaml"} {
		if err := apply(ctx, filepath.Join(controlplane.Root(), "config", "rbac", f)); err != nil {
			return fmt.Errorf("applying config/rbac/%s: %w", f, err)
		}
	}
	return nil
}

// apply creates every object of a multi-document YAML file.
func apply(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := cl.Create(ctx, &u); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
}

// serviceAccountToken returns a token of the ServiceAccount ns/name,
// creating the ServiceAccount if needed.
func serviceAccountToken(t *testing.T, ns, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := cl.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	tr, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token of %s/%s: %v", ns, name, err)
	}
	return tr.Status.Token
}

// asServiceAccount is cfg with ns/name's token instead of the admin
// credentials.
func asServiceAccount(t *testing.T, ns, name string) *rest.Config {
	c := rest.AnonymousClientConfig(cfg)
	c.BearerToken = serviceAccountToken(t, ns, name)
	return c
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startManager runs a manager with restCfg's identity and the metrics
// server of o on a free port, and returns the metrics URL. With
// spoManager it is built as `spo manager` builds it (reconcilers.Setup);
// otherwise it runs no controllers, for identities that may not watch what
// the reconcilers watch.
func startManager(t *testing.T, restCfg *rest.Config, o metricsauth.Options, spoManager bool) string {
	t.Helper()
	return startManagerWith(t, restCfg, o, func(mgr manager.Manager) error {
		if spoManager {
			return reconcilers.Setup(mgr)
		}
		return nil
	})
}

// startManagerWith is startManager with setup run on the manager before
// it starts.
func startManagerWith(t *testing.T, restCfg *rest.Config, o metricsauth.Options, setup func(manager.Manager) error) string {
	t.Helper()
	o.BindAddress = freeAddr(t)
	mgr, err := ctrl.NewManager(restCfg, manager.Options{
		Scheme:                 controlplane.Scheme(),
		Metrics:                o.ServerOptions(),
		HealthProbeBindAddress: "0",
		Cache:                  reconcilers.CacheOptions(),
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := setup(mgr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait := controlplane.Run(ctx, mgr)
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	scheme := "https"
	if o.Insecure {
		scheme = "http"
	}
	url := scheme + "://" + o.BindAddress + "/metrics"
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := httpClient().Get(url)
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics server did not come up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpClient() *http.Client {
	// The certificate is self-signed.
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed
	}}
}

// get requests url with token (none when empty) and returns the status,
// the body and whether the response came over TLS.
func get(t *testing.T, url, token string) (int, string, bool) {
	t.Helper()
	code, body, state := getTLS(t, url, token)
	return code, body, state != nil
}

func getTLS(t *testing.T, url, token string) (int, string, *tls.ConnectionState) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.TLS
}

// expectFamilies waits until url serves an spo family and the controller
// families (those appear once the controllers have started, after the
// caches synced).
func expectFamilies(t *testing.T, url, token string) {
	t.Helper()
	families := []string{
		"security_profiles_operator_selinux_profile_total",
		"controller_runtime_reconcile_total",
		"controller_runtime_active_workers",
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, _ := get(t, url, token)
		var missing []string
		for _, family := range families {
			if !strings.Contains(body, "\n"+family+"{") {
				missing = append(missing, family)
			}
		}
		if code == http.StatusOK && len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics (status %d) has no %v", code, missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestMetricsNeedATokenAndTheMetricsClientRole(t *testing.T) {
	// The manager authenticates as its own ServiceAccount, bound only to
	// the generated spo-manager ClusterRole: that role must allow the
	// TokenReviews and SubjectAccessReviews.
	url := startManager(t, asServiceAccount(t, operatorNS, "spo-manager"), metricsauth.Options{}, true)

	code, body, overTLS := get(t, url, "")
	if !overTLS {
		t.Error("metrics are not served over TLS")
	}
	if code != http.StatusUnauthorized {
		t.Errorf("no token: got %d (%q), want 401", code, body)
	}

	// controller-runtime's filter alone answers this 500 (see
	// metricsauth.authFilter).
	code, body, _ = get(t, url, "not-a-token")
	if code != http.StatusUnauthorized {
		t.Errorf("a token the API server does not know: got %d (%q), want 401", code, body)
	}

	code, body, _ = get(t, url, serviceAccountToken(t, "monitoring", "nobody"))
	if code != http.StatusForbidden {
		t.Errorf("a token without spo-metrics-client: got %d (%q), want 403", code, body)
	}

	// config/rbac/metrics_client.yaml binds monitoring/prometheus.
	token := serviceAccountToken(t, "monitoring", "prometheus")
	code, body, _ = get(t, url, token)
	if code != http.StatusOK {
		t.Fatalf("a token bound to spo-metrics-client: got %d (%q), want 200", code, body)
	}
	expectFamilies(t, url, token)

	// Only /metrics is granted.
	code, body, _ = get(t, strings.TrimSuffix(url, "/metrics")+"/debug/pprof/", token)
	if code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("another path with the metrics client token: got %d (%q), want 403 or 404", code, body)
	}
}

func TestTheDaemonAndWebhookRolesMayReviewTokens(t *testing.T) {
	token := serviceAccountToken(t, "monitoring", "prometheus")
	for _, sa := range []string{"spo-daemon", "spo-webhook"} {
		t.Run(sa, func(t *testing.T) {
			url := startManager(t, asServiceAccount(t, operatorNS, sa), metricsauth.Options{}, false)
			if code, body, _ := get(t, url, ""); code != http.StatusUnauthorized {
				t.Errorf("no token: got %d (%q), want 401", code, body)
			}
			if code, body, _ := get(t, url, token); code != http.StatusOK {
				t.Errorf("a token bound to spo-metrics-client: got %d (%q), want 200", code, body)
			}
		})
	}
}

func TestInsecureMetricsArePlainHTTPWithoutAuthentication(t *testing.T) {
	url := startManager(t, asServiceAccount(t, operatorNS, "spo-manager"), metricsauth.Options{Insecure: true}, true)
	code, body, overTLS := get(t, url, "")
	if overTLS {
		t.Error("insecure metrics are served over TLS")
	}
	if code != http.StatusOK {
		t.Fatalf("no token: got %d (%q), want 200", code, body)
	}
	expectFamilies(t, url, "")
}

// The control for the test above: a component whose ServiceAccount may not
// create TokenReviews serves no metrics even to a scraper that may get them.
func TestAComponentWithoutTheReviewRulesServesNoMetrics(t *testing.T) {
	url := startManager(t, asServiceAccount(t, operatorNS, "no-rules"), metricsauth.Options{}, false)
	code, body, _ := get(t, url, serviceAccountToken(t, "monitoring", "prometheus"))
	if code == http.StatusOK {
		t.Errorf("a component without tokenreviews create served metrics: %q", body[:min(len(body), 200)])
	}
}

func TestMetricsCertDirIsServed(t *testing.T) {
	dir := t.TempDir()
	crt, key, err := certutil.GenerateSelfSignedCertKey("spo-metrics.example", []net.IP{{127, 0, 0, 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), crt, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	url := startManager(t, asServiceAccount(t, operatorNS, "spo-manager"), metricsauth.Options{CertDir: dir}, false)
	code, body, state := getTLS(t, url, serviceAccountToken(t, "monitoring", "prometheus"))
	if code != http.StatusOK {
		t.Fatalf("got %d (%q), want 200", code, body)
	}
	if state == nil || len(state.PeerCertificates) == 0 {
		t.Fatal("no server certificate")
	}
	if cn := state.PeerCertificates[0].Subject.CommonName; !strings.HasPrefix(cn, "spo-metrics.example") {
		t.Errorf("served certificate %q, want the one in --metrics-cert-dir", cn)
	}
	// HTTP/2 is not offered (metricsauth.DisableHTTP2).
	conn, err := tls.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "https://"), "/metrics"),
		&tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}) //nolint:gosec // self-signed
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p == "h2" {
		t.Errorf("negotiated %q", p)
	}
}
