package enricher

import (
	"context"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	"github.com/secprofiles/spo/daemon/grpcsocket"
)

// DefaultSocket is where the daemon finds the log enricher.
const DefaultSocket = grpcsocket.DefaultDir + "/log-enricher.sock"

// Server serves a Collector's recordings to the daemon.
type Server struct {
	enricherv1.UnimplementedLogEnricherServer
	c *Collector
}

// NewServer returns the gRPC service over c.
func NewServer(c *Collector) *Server { return &Server{c: c} }

// Serve serves on a socket at path (mode 0600) until ctx is done, then
// stops gracefully and removes the socket. onListening, if not nil, is
// called once clients can connect.
func (s *Server) Serve(ctx context.Context, path string, onListening func()) error {
	l, err := grpcsocket.Listen(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	g := grpc.NewServer()
	enricherv1.RegisterLogEnricherServer(g, s)
	done := make(chan error, 1)
	go func() { done <- g.Serve(l) }()
	if onListening != nil {
		onListening()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	g.GracefulStop()
	return nil
}

func notFound(what, key string) error {
	return status.Errorf(codes.NotFound, "no %s recorded for profile %q", what, key)
}

// Syscalls implements enricherv1.LogEnricherServer.
func (s *Server) Syscalls(_ context.Context, r *enricherv1.ProfileRequest) (*enricherv1.SyscallsResponse, error) {
	set, ok := s.c.Syscalls(r.GetProfile())
	if !ok {
		return nil, notFound("syscalls", r.GetProfile())
	}
	return &enricherv1.SyscallsResponse{Syscalls: set.Syscalls, Architecture: set.Architecture,
		Executables: set.Executables, Unresolved: set.Unresolved}, nil
}

// ResetSyscalls implements enricherv1.LogEnricherServer.
func (s *Server) ResetSyscalls(_ context.Context, r *enricherv1.ProfileRequest) (*enricherv1.ResetResponse, error) {
	s.c.ResetSyscalls(r.GetProfile())
	return &enricherv1.ResetResponse{}, nil
}

// Avcs implements enricherv1.LogEnricherServer.
func (s *Server) Avcs(_ context.Context, r *enricherv1.ProfileRequest) (*enricherv1.AvcsResponse, error) {
	rules, ok := s.c.AVCs(r.GetProfile())
	if !ok {
		return nil, notFound("AVCs", r.GetProfile())
	}
	out := &enricherv1.AvcsResponse{Avcs: make([]*enricherv1.Avc, 0, len(rules))}
	for _, a := range rules {
		out.Avcs = append(out.Avcs, &enricherv1.Avc{Scontext: a.SContext, Tcontext: a.TContext,
			Tclass: a.TClass, Permissions: a.Permissions})
	}
	return out, nil
}

// ResetAvcs implements enricherv1.LogEnricherServer.
func (s *Server) ResetAvcs(_ context.Context, r *enricherv1.ProfileRequest) (*enricherv1.ResetResponse, error) {
	s.c.ResetAVCs(r.GetProfile())
	return &enricherv1.ResetResponse{}, nil
}

// AppArmor implements enricherv1.LogEnricherServer.
func (s *Server) AppArmor(_ context.Context, r *enricherv1.ProfileRequest) (*enricherv1.AppArmorResponse, error) {
	accesses, ok := s.c.AppArmor(r.GetProfile())
	if !ok {
		return nil, notFound("AppArmor accesses", r.GetProfile())
	}
	out := &enricherv1.AppArmorResponse{Accesses: make([]*enricherv1.AppArmorAccess, 0, len(accesses))}
	for _, a := range accesses {
		out.Accesses = append(out.Accesses, &enricherv1.AppArmorAccess{Operation: a.Operation, Name: a.Name,
			RequestedMask: a.RequestedMask, Capability: a.Capability, Family: a.Family, SockType: a.SockType,
			Protocol: a.Protocol})
	}
	return out, nil
}

// ResetAppArmor implements enricherv1.LogEnricherServer.
func (s *Server) ResetAppArmor(_ context.Context, r *enricherv1.ProfileRequest) (*enricherv1.ResetResponse, error) {
	s.c.ResetAppArmor(r.GetProfile())
	return &enricherv1.ResetResponse{}, nil
}

// Client is a connection to the log enricher.
type Client struct {
	enricherv1.LogEnricherClient
	conn *grpc.ClientConn
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Dial connects to the log enricher at socketPath and waits until the
// connection is up or ctx is done.
func Dial(ctx context.Context, socketPath string) (*Client, error) {
	conn, err := grpcsocket.Dial(ctx, "log-enricher", socketPath)
	if err != nil {
		return nil, err
	}
	return &Client{LogEnricherClient: enricherv1.NewLogEnricherClient(conn), conn: conn}, nil
}
