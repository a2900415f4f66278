package bpfrecorder

import (
	"context"
	"os"

	"google.golang.org/grpc"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	"github.com/secprofiles/spo/daemon/grpcsocket"
)

// DefaultSocket is where the daemon finds the recorder.
const DefaultSocket = grpcsocket.DefaultDir + "/bpf-recorder.sock"

// Serve serves the service on a socket at path until ctx is done, then
// stops, closes the recorder if still loaded and removes the socket.
func (s *Server) Serve(ctx context.Context, path string) error {
	l, err := grpcsocket.Listen(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	g := grpc.NewServer()
	pb.RegisterBpfRecorderServer(g, s)
	done := make(chan error, 1)
	go func() { done <- g.Serve(l) }()
	sctx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go s.sweep(sctx)
	if s.cfg.OnListening != nil {
		// The kernel queues connections from bind on: clients can dial now.
		s.cfg.OnListening()
	}
	select {
	case err := <-done:
		s.shutdown()
		return err
	case <-ctx.Done():
	}
	g.GracefulStop()
	s.shutdown()
	return nil
}

// shutdown detaches the program even if clients never called Stop.
func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs > 0 {
		s.refs = 1
		s.release()
	}
}

// Client is a connection to the recorder.
type Client struct {
	pb.BpfRecorderClient
	conn *grpc.ClientConn
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Dial connects to the recorder at socketPath and waits until the
// connection is up or ctx is done, so a missing recorder is reported here
// rather than at the first call.
func Dial(ctx context.Context, socketPath string) (*Client, error) {
	conn, err := grpcsocket.Dial(ctx, "bpf-recorder", socketPath)
	if err != nil {
		return nil, err
	}
	return &Client{BpfRecorderClient: pb.NewBpfRecorderClient(conn), conn: conn}, nil
}
