package metricsink

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/metrics/v1"
	"github.com/secprofiles/spo/daemon/grpcsocket"
)

// DefaultSocket is where the daemon receives pushes.
const DefaultSocket = grpcsocket.DefaultDir + "/metrics.sock"

// Prefix names the families that are pushed and accepted.
const Prefix = "security_profiles_operator_"

// DefaultStaleAfter is how long a silent component's families are served.
const DefaultStaleAfter = 2 * time.Minute

// Sink keeps the latest families each component pushed.
type Sink struct {
	pb.UnimplementedMetricsSinkServer
	// StaleAfter (DefaultStaleAfter if zero) drops a silent component.
	StaleAfter time.Duration
	// Now is the clock (time.Now if nil).
	Now func() time.Time

	mu     sync.Mutex
	pushed map[string]pushed
}

type pushed struct {
	families []*dto.MetricFamily
	at       time.Time
}

// Push implements the MetricsSink service.
func (s *Sink) Push(_ context.Context, req *pb.PushRequest) (*pb.PushResponse, error) {
	if req.GetComponent() == "" {
		return nil, status.Error(codes.InvalidArgument, "no component named")
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	parsed, err := parser.TextToMetricFamilies(strings.NewReader(req.GetExposition()))
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: parsing the exposition: %v", req.GetComponent(), err)
	}
	var families []*dto.MetricFamily
	for _, name := range slices.Sorted(maps.Keys(parsed)) {
		if strings.HasPrefix(name, Prefix) {
			families = append(families, parsed[name])
		}
	}
	// The text parser lets through what no registry would serve (a series
	// twice, say); the gatherer's checks refuse it here rather than at
	// every scrape.
	if _, err := (prometheus.Gatherers{fixed(families)}).Gather(); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: the exposition cannot be served: %v", req.GetComponent(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pushed == nil {
		s.pushed = map[string]pushed{}
	}
	s.pushed[req.GetComponent()] = pushed{families: families, at: s.now()}
	return &pb.PushResponse{}, nil
}

// Gather implements prometheus.Gatherer: the families of every component
// that pushed within StaleAfter.
func (s *Sink) Gather() ([]*dto.MetricFamily, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stale := s.StaleAfter
	if stale == 0 {
		stale = DefaultStaleAfter
	}
	var out []*dto.MetricFamily
	for _, c := range slices.Sorted(maps.Keys(s.pushed)) {
		p := s.pushed[c]
		if s.now().Sub(p.at) > stale {
			delete(s.pushed, c)
			continue
		}
		out = append(out, p.families...)
	}
	return out, nil
}

func (s *Sink) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Serve serves the sink on a Unix socket at path until ctx is done, then
// removes the socket.
func (s *Sink) Serve(ctx context.Context, path string) error {
	l, err := grpcsocket.Listen(path)
	if err != nil {
		return fmt.Errorf("metrics sink: %w", err)
	}
	defer os.Remove(path)
	srv := grpc.NewServer()
	pb.RegisterMetricsSinkServer(srv, s)
	go func() {
		<-ctx.Done()
		srv.GracefulStop()
	}()
	return srv.Serve(l)
}
