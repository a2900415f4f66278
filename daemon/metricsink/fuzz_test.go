package metricsink

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	pb "github.com/secprofiles/spo/api/grpc/metrics/v1"
)

// FuzzPush: whatever a node-local component pushes, Push does not panic,
// and an accepted push leaves the node's metrics endpoint working: the
// daemon's own registry gathered together with the sink (what
// ServeWithManagerMetrics serves) gives no error, and only spo families
// come from the sink.
func FuzzPush(f *testing.F) {
	f.Add("security_profiles_operator_seccomp_profile_bpf_total{node=\"n\",mount_namespace=\"1\",profile=\"p\"} 3\n")
	f.Add("# TYPE security_profiles_operator_x counter\nsecurity_profiles_operator_x 1\n")
	f.Add("# TYPE security_profiles_operator_selinux_profile_total gauge\nsecurity_profiles_operator_selinux_profile_total 1\n")
	f.Add("security_profiles_operator_selinux_profile_total{a=\"1\"} 1\nsecurity_profiles_operator_selinux_profile_total{a=\"1\"} 2\n")
	f.Add("go_goroutines 12\n")
	f.Add("security_profiles_operator_x{ 1\n")
	f.Add("# HELP security_profiles_operator_y other help\nsecurity_profiles_operator_y 1\n")
	f.Fuzz(func(t *testing.T, exposition string) {
		// The daemon's registry holds a family a push may also name.
		daemon := prometheus.NewRegistry()
		own := prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: Prefix + "selinux_profile_total", Help: "SELinux profile operations.",
		}, []string{"operation"})
		daemon.MustRegister(own)
		own.WithLabelValues("update").Inc()

		sink := &Sink{}
		if _, err := sink.Push(context.Background(), &pb.PushRequest{Component: "c", Exposition: exposition}); err != nil {
			return
		}
		got, err := sink.Gather()
		if err != nil {
			t.Fatalf("Gather after an accepted push: %v", err)
		}
		for _, mf := range got {
			if !strings.HasPrefix(mf.GetName(), Prefix) {
				t.Fatalf("the sink serves %q", mf.GetName())
			}
		}
		if _, err := (withExtra{RegistererGatherer: daemon, extra: sink}).Gather(); err != nil {
			t.Fatalf("an accepted push breaks the node's metrics endpoint: %v\n%s", err, exposition)
		}
	})
}
