package metrics

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	pb "github.com/secprofiles/spo/api/grpc/metrics/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
	"github.com/secprofiles/spo/daemon/metricsink"
	"github.com/secprofiles/spo/daemon/seccomp"
	"github.com/secprofiles/spo/daemon/selinux"
	"github.com/secprofiles/spo/daemon/spodmetrics"
	"github.com/secprofiles/spo/metricsauth"
)

// spoLabels are SPO 1.0's families and their label names, as SPO's
// dashboards and alerts query them.
var spoLabels = map[string][]string{
	"security_profiles_operator_seccomp_profile_total":         {"operation"},
	"security_profiles_operator_seccomp_profile_audit_total":   {"node", "namespace", "pod", "container", "executable", "syscall"},
	"security_profiles_operator_seccomp_profile_bpf_total":     {"node", "mount_namespace", "profile"},
	"security_profiles_operator_seccomp_profile_error_total":   {"reason"},
	"security_profiles_operator_selinux_profile_total":         {"operation"},
	"security_profiles_operator_selinux_profile_audit_total":   {"node", "namespace", "pod", "container", "executable", "scontext", "tcontext"},
	"security_profiles_operator_selinux_profile_error_total":   {"reason"},
	"security_profiles_operator_apparmor_profile_total":        {"operation"},
	"security_profiles_operator_apparmor_profile_audit_total":  {"node", "namespace", "pod", "container", "executable", "profile", "operation", "apparmor", "name"},
	"security_profiles_operator_apparmor_profile_error_total":  {"profile", "reason"},
	"security_profiles_operator_apparmor_profile_denial_total": {"profile", "operation"},
}

// observeOnANode records what a node's daemon and its components count:
// installs, refusals (spo's reasons), and the log-enricher's audit
// records, which reach the daemon by a push to its metrics sink.
func observeOnANode(t *testing.T, sink *metricsink.Sink) {
	t.Helper()
	spodmetrics.SeccompProfile.WithLabelValues(spodmetrics.OperationUpdate).Inc()
	spodmetrics.SelinuxProfile.WithLabelValues(spodmetrics.OperationDelete).Inc()
	spodmetrics.AppArmorProfile.WithLabelValues(spodmetrics.OperationUpdate).Inc()
	spodmetrics.ObserveError("SeccompProfile", "deny-mkdir", spodmetrics.StageInstall, seccomp.ReasonSyscallNotAllowed)
	spodmetrics.ErrorReasonsOf("SeccompProfile").WithLabelValues(seccomp.ReasonSyscallNotAllowed).Inc()
	spodmetrics.ObserveError("RawSelinuxProfile", "raw", spodmetrics.StageInstall, selinux.ReasonSelinuxdTimeout)
	spodmetrics.ObserveError("AppArmorProfile", "spo-nginx", spodmetrics.StageInstall, apparmor.ReasonInvalidPath)
	spodmetrics.ObserveBpf("node-1", 4026532001, "web")

	// The log-enricher's families, pushed as its Pusher does.
	exposition := `# TYPE security_profiles_operator_seccomp_profile_audit_total counter
security_profiles_operator_seccomp_profile_audit_total{container="app",executable="/usr/sbin/nginx",namespace="team",node="node-1",pod="web-1",syscall="mkdir"} 3
# TYPE security_profiles_operator_selinux_profile_audit_total counter
security_profiles_operator_selinux_profile_audit_total{container="app",executable="/usr/sbin/nginx",namespace="team",node="node-1",pod="web-1",scontext="system_u:system_r:container_t:s0:c1,c2",tcontext="system_u:object_r:var_t:s0"} 2
# TYPE security_profiles_operator_apparmor_profile_audit_total counter
security_profiles_operator_apparmor_profile_audit_total{apparmor="DENIED",container="app",executable="/bin/cat",name="/etc/shadow",namespace="team",node="node-1",operation="open",pod="web-1",profile="spo-nginx"} 1
# TYPE security_profiles_operator_apparmor_profile_denial_total counter
security_profiles_operator_apparmor_profile_denial_total{operation="open",profile="spo-nginx"} 1
`
	if _, err := sink.Push(context.Background(), &pb.PushRequest{Component: "log-enricher", Exposition: exposition}); err != nil {
		t.Fatal(err)
	}
}

// startDaemonMetrics runs a manager whose metrics are arranged as `spo
// daemon` arranges them (daemon.Setup): the metrics sink served with the
// daemon's own, then split between /metrics and /metrics-spod. It returns
// the base URL.
func startDaemonMetrics(t *testing.T) (string, *metricsink.Sink) {
	t.Helper()
	saved := crmetrics.Registry
	t.Cleanup(func() { crmetrics.Registry = saved }) // after the manager stops
	sink := &metricsink.Sink{}
	url := startManagerWith(t, asServiceAccount(t, operatorNS, "spo-daemon"), metricsauth.Options{},
		func(mgr manager.Manager) error {
			metricsink.ServeWithManagerMetrics(sink)
			return spodmetrics.Install(mgr)
		})
	return strings.TrimSuffix(url, "/metrics"), sink
}

func TestTheDaemonServesSPOsFamiliesAtMetricsSpod(t *testing.T) {
	base, sink := startDaemonMetrics(t)
	observeOnANode(t, sink)
	token := serviceAccountToken(t, "monitoring", "prometheus")

	code, body, overTLS := get(t, base+spodmetrics.Path, token)
	if code != http.StatusOK || !overTLS {
		t.Fatalf("%s with a spo-metrics-client token: %d (TLS %v): %.300s", spodmetrics.Path, code, overTLS, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing %s: %v", spodmetrics.Path, err)
	}
	for name, want := range spoLabels {
		f, ok := families[name]
		if !ok {
			t.Errorf("%s does not serve %s", spodmetrics.Path, name)
			continue
		}
		for _, m := range f.GetMetric() {
			var got []string
			for _, l := range m.GetLabel() {
				got = append(got, l.GetName())
			}
			if !sameSet(got, want) {
				t.Errorf("%s has labels %v, SPO's are %v", name, got, want)
			}
		}
	}
	for name := range families {
		if !strings.HasPrefix(name, spodmetrics.Prefix) {
			t.Errorf("%s serves %s, which belongs on /metrics", spodmetrics.Path, name)
		}
	}
	for _, series := range []string{
		// spo's reasons in SPO's words.
		`security_profiles_operator_seccomp_profile_error_total{reason="InvalidSeccompProfile"} `,
		`security_profiles_operator_selinux_profile_error_total{reason="CannotGetPolicyStatus"} `,
		`security_profiles_operator_apparmor_profile_error_total{profile="spo-nginx",reason="CannotLoadAppArmorProfile"} `,
		// and spo's own beside them.
		`security_profiles_operator_profile_error_reasons_total{reason="SyscallNotAllowed",type="seccomp"} `,
		`security_profiles_operator_seccomp_profile_bpf_total{mount_namespace="4026532001",node="node-1",profile="web"} `,
		`security_profiles_operator_selinux_profile_total{operation="delete"} `,
		// pushed by the log-enricher.
		`security_profiles_operator_seccomp_profile_audit_total{container="app",executable="/usr/sbin/nginx",namespace="team",node="node-1",pod="web-1",syscall="mkdir"} 3`,
		`security_profiles_operator_apparmor_profile_denial_total{operation="open",profile="spo-nginx"} 1`,
	} {
		if !strings.Contains(body, "\n"+series) {
			t.Errorf("%s has no %s", spodmetrics.Path, series)
		}
	}

	// /metrics serves the rest, so a scraper of both paths (SPO's
	// ServiceMonitor) sees each series once.
	code, body, _ = get(t, base+"/metrics", token)
	if code != http.StatusOK || strings.Contains(body, spodmetrics.Prefix) {
		t.Errorf("/metrics: %d, want 200 without the spo families: %.300s", code, body)
	}
}

func TestMetricsSpodNeedsATokenAuthorizedForThatPath(t *testing.T) {
	base, _ := startDaemonMetrics(t)
	url := base + spodmetrics.Path
	if code, body, _ := get(t, url, ""); code != http.StatusUnauthorized {
		t.Errorf("no token: got %d (%q), want 401", code, body)
	}
	if code, body, _ := get(t, url, "not-a-token"); code != http.StatusUnauthorized {
		t.Errorf("a token the API server does not know: got %d (%q), want 401", code, body)
	}
	if code, body, _ := get(t, url, serviceAccountToken(t, "monitoring", "nobody")); code != http.StatusForbidden {
		t.Errorf("a token without spo-metrics-client: got %d (%q), want 403", code, body)
	}

	// A scraper allowed /metrics only is refused /metrics-spod: the
	// SubjectAccessReview is for the path asked.
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "metrics-only"},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "metrics-only"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "metrics-only"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "monitoring", Name: "metrics-only"}}}
	if err := cl.Create(ctx, role); err != nil {
		t.Fatal(err)
	}
	if err := cl.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Delete(ctx, binding); _ = cl.Delete(ctx, role) })
	token := serviceAccountToken(t, "monitoring", "metrics-only")
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, _ := get(t, base+"/metrics", token)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics with a token allowed /metrics: %d (%q), want 200", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body, _ := get(t, url, token); code != http.StatusForbidden {
		t.Errorf("%s with a token allowed /metrics only: got %d (%q), want 403", spodmetrics.Path, code, body)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
