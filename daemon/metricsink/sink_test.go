package metricsink

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/metrics/v1"
)

// A component's registry as bpf-recorder has it: an spo counter and the Go
// runtime's families, which must not reach the daemon.
func componentRegistry(t *testing.T) (*prometheus.Registry, *prometheus.CounterVec) {
	t.Helper()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "security_profiles_operator_seccomp_profile_bpf_total"},
		[]string{"node", "mount_namespace", "profile"})
	reg.MustRegister(c, collectors.NewGoCollector())
	return reg, c
}

func TestPushedFamiliesAreServedByTheSinkOverARealSocket(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	socket := filepath.Join(t.TempDir(), "metrics.sock")
	sink := &Sink{}
	done := make(chan error, 1)
	go func() { done <- sink.Serve(ctx, socket) }()
	defer func() { cancel(); <-done }()

	reg, c := componentRegistry(t)
	c.WithLabelValues("n1", "4026532001", "web").Add(3)
	p := &Pusher{Component: "bpf-recorder", Gatherer: reg, Socket: socket}
	deadline := time.Now().Add(10 * time.Second)
	for err := p.PushOnce(ctx); err != nil; err = p.PushOnce(ctx) {
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	got, err := sink.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].GetName() != "security_profiles_operator_seccomp_profile_bpf_total" ||
		got[0].GetMetric()[0].GetCounter().GetValue() != 3 {
		t.Fatalf("sink gathered %v, want only the spo counter at 3", got)
	}

	// A later push replaces the earlier one.
	c.WithLabelValues("n1", "4026532001", "web").Add(2)
	if err := p.PushOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = sink.Gather()
	if v := got[0].GetMetric()[0].GetCounter().GetValue(); v != 5 {
		t.Fatalf("after a second push the counter is %v, want 5", v)
	}
}

func TestSinkDropsAComponentThatStoppedPushing(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	sink := &Sink{StaleAfter: time.Minute, Now: func() time.Time { return now }}
	reg, c := componentRegistry(t)
	c.WithLabelValues("n1", "1", "p").Inc()
	text, err := Exposition(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Push(context.Background(), &pb.PushRequest{Component: "log-enricher", Exposition: text}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if got, _ := sink.Gather(); len(got) != 0 {
		t.Fatalf("a component silent past StaleAfter is still served: %v", got)
	}
}

func TestSinkRefusesWhatItCannotParse(t *testing.T) {
	sink := &Sink{}
	for name, req := range map[string]*pb.PushRequest{
		"an exposition that is not the text format": {Component: "x", Exposition: "security_profiles_operator_x{ 1\n"},
		"a push without a component":                {Exposition: ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sink.Push(context.Background(), req)
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("err = %v, want InvalidArgument", err)
			}
		})
	}
	if got, _ := sink.Gather(); len(got) != 0 {
		t.Fatalf("a refused push changed the sink: %v", got)
	}
}

func TestExpositionKeepsOnlySpoFamilies(t *testing.T) {
	reg, c := componentRegistry(t)
	c.WithLabelValues("n", "1", "p").Inc()
	text, err := Exposition(reg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "go_") || !strings.Contains(text, "security_profiles_operator_seccomp_profile_bpf_total") {
		t.Fatalf("exposition:\n%s", text)
	}
}

func TestServeRemovesItsSocketWhenStopped(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "metrics.sock")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Sink{}).Serve(ctx, socket) }()
	for _, err := os.Stat(socket); err != nil; _, err = os.Stat(socket) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}
