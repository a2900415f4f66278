package recorder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
)

// Default sockets of the node services.
const (
	DefaultBpfRecorderSocket = "/var/run/spo/bpf-recorder.sock"
	DefaultEnricherSocket    = "/var/run/spo/log-enricher.sock"
)

// ErrServiceMissing means a node service a recording needs is not deployed
// (its socket does not exist).
var ErrServiceMissing = errors.New("not deployed on this node")

// Services hands out clients of the node services. Tests use fakes; the
// daemon uses Sockets.
type Services interface {
	BpfRecorder() (bpfrecorderv1.BpfRecorderClient, error)
	Enricher() (enricherv1.LogEnricherClient, error)
}

// Sockets dials the node services lazily, on first use: the daemon starts
// and installs profiles whether or not a recorder is deployed, and a
// recorder deployed later is picked up without a restart.
type Sockets struct {
	BpfRecorderPath string
	EnricherPath    string

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// BpfRecorder returns a client of the bpf recorder.
func (s *Sockets) BpfRecorder() (bpfrecorderv1.BpfRecorderClient, error) {
	conn, err := s.conn("bpf-recorder", s.BpfRecorderPath)
	if err != nil {
		return nil, err
	}
	return bpfrecorderv1.NewBpfRecorderClient(conn), nil
}

// Enricher returns a client of the log enricher.
func (s *Sockets) Enricher() (enricherv1.LogEnricherClient, error) {
	conn, err := s.conn("log-enricher", s.EnricherPath)
	if err != nil {
		return nil, err
	}
	return enricherv1.NewLogEnricherClient(conn), nil
}

// conn checks that the socket exists each time, so that a missing service
// is reported by name rather than as gRPC's generic Unavailable, and reuses
// one connection per socket (gRPC reconnects on its own).
func (s *Sockets) conn(service, path string) (*grpc.ClientConn, error) {
	if path == "" {
		return nil, fmt.Errorf("%s %w: no socket configured", service, ErrServiceMissing)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s %w: socket %s: %w", service, ErrServiceMissing, path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[path]; c != nil {
		return c, nil
	}
	// gRPC's target syntax: "unix:///abs/path" or "unix:rel/path".
	target := "unix:" + path
	if filepath.IsAbs(path) {
		target = "unix://" + path
	}
	c, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", service, path, err)
	}
	if s.conns == nil {
		s.conns = map[string]*grpc.ClientConn{}
	}
	s.conns[path] = c
	return c, nil
}

// Close closes the connections.
func (s *Sockets) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for p, c := range s.conns {
		errs = append(errs, c.Close())
		delete(s.conns, p)
	}
	return errors.Join(errs...)
}
