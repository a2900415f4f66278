package spodmetrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// handlers records what Install adds to the metrics server.
type handlers map[string]http.Handler

func (h handlers) AddMetricsServerExtraHandler(path string, handler http.Handler) error {
	h[path] = handler
	return nil
}

func scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestInstallSplitsTheRegistryBetweenThePaths(t *testing.T) {
	saved := metrics.Registry
	t.Cleanup(func() { metrics.Registry = saved })
	reg := prometheus.NewRegistry()
	other := prometheus.NewCounter(prometheus.CounterOpts{Name: "controller_runtime_reconcile_total", Help: "h"})
	ours := prometheus.NewCounterVec(prometheus.CounterOpts{Name: Prefix + "seccomp_profile_error_total", Help: "h"},
		[]string{"reason"})
	reg.MustRegister(other, ours)
	other.Inc()
	ours.WithLabelValues("InvalidSeccompProfile").Inc()
	metrics.Registry = reg

	h := handlers{}
	if err := Install(h); err != nil {
		t.Fatal(err)
	}
	// Installing again (another daemon set up in the same process) must
	// not filter the spo families out of the endpoint.
	if err := Install(h); err != nil {
		t.Fatal(err)
	}
	spod := scrape(t, h[Path])
	if !strings.Contains(spod, `security_profiles_operator_seccomp_profile_error_total{reason="InvalidSeccompProfile"} 1`) ||
		strings.Contains(spod, "controller_runtime") {
		t.Errorf("%s serves:\n%s", Path, spod)
	}
	rest, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || rest[0].GetName() != "controller_runtime_reconcile_total" {
		t.Errorf("/metrics gathers %v, want only the controller-runtime family", rest)
	}
}

// BenchmarkScrapeSpod scrapes /metrics-spod of a busy node: 200 containers
// each with 3 executables making 30 distinct audited syscalls (18,000
// seccomp audit series), 2,000 SELinux and 2,000 AppArmor audit series,
// 200 bpf collections, and the Go runtime's families beside them that the
// path leaves out.
func BenchmarkScrapeSpod(b *testing.B) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	seccomp := prometheus.NewCounterVec(prometheus.CounterOpts{Name: Prefix + "seccomp_profile_audit_total", Help: "h"},
		[]string{"node", "namespace", "pod", "container", "executable", "syscall"})
	sel := prometheus.NewCounterVec(prometheus.CounterOpts{Name: Prefix + "selinux_profile_audit_total", Help: "h"},
		[]string{"node", "namespace", "pod", "container", "executable", "scontext", "tcontext"})
	aa := prometheus.NewCounterVec(prometheus.CounterOpts{Name: Prefix + "apparmor_profile_audit_total", Help: "h"},
		[]string{"node", "namespace", "pod", "container", "executable", "profile", "operation", "apparmor", "name"})
	bpf := prometheus.NewCounterVec(prometheus.CounterOpts{Name: Prefix + "seccomp_profile_bpf_total", Help: "h"},
		[]string{"node", "mount_namespace", "profile"})
	reg.MustRegister(seccomp, sel, aa, bpf)
	for c := range 200 {
		pod, ctr := fmt.Sprintf("web-%d", c/2), fmt.Sprintf("c%d", c%2)
		bpf.WithLabelValues("node-1", fmt.Sprint(4026532000+c), pod).Inc()
		for e := range 3 {
			exe := fmt.Sprintf("/usr/bin/tool%d", e)
			for s := range 30 {
				seccomp.WithLabelValues("node-1", "team", pod, ctr, exe, fmt.Sprintf("syscall%d", s)).Inc()
			}
		}
		for i := range 10 {
			sel.WithLabelValues("node-1", "team", pod, ctr, "/usr/bin/tool0",
				"system_u:system_r:container_t:s0:c1,c2", fmt.Sprintf("system_u:object_r:type%d_t:s0", i)).Inc()
			aa.WithLabelValues("node-1", "team", pod, ctr, "/usr/bin/tool0", "spo-web", "open", "DENIED",
				fmt.Sprintf("/etc/file%d", i)).Inc()
		}
	}
	for name, h := range map[string]http.Handler{
		"metrics-spod":                   Handler(reg),
		"the registry unfiltered (base)": promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				scrape(b, h)
			}
		})
	}
}
