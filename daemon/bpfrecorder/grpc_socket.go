package bpfrecorder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// DefaultSocket is where the daemon finds the recorder.
const DefaultSocket = "/var/run/spo/bpf-recorder.sock"

// Listen creates the Unix socket at path with mode 0600. The socket is
// bound and chmod-ed in a private directory and then renamed into place,
// so no client ever sees it with a wider mode. A stale socket from an
// earlier run is replaced; any other file at path is an error.
func Listen(path string) (*net.UnixListener, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, ".bind-")
	if err != nil {
		return nil, fmt.Errorf("creating the socket: %w", err)
	}
	defer os.RemoveAll(tmp)
	l, err := bindPrivate(filepath.Join(tmp, "s"), path)
	if err != nil {
		return nil, fmt.Errorf("creating the socket %s: %w", path, err)
	}
	return l, nil
}

func bindPrivate(tmpPath, path string) (*net.UnixListener, error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmpPath, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// The listener would unlink tmpPath on Close; Serve removes path itself.
	l.SetUnlinkOnClose(false)
	if err := os.Chmod(tmpPath, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	if err := os.Rename(tmpPath, path); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket: not replacing it", path)
	}
	return os.Remove(path)
}

// Serve serves the service on a socket at path until ctx is done, then
// stops, closes the recorder if still loaded and removes the socket.
func (s *Server) Serve(ctx context.Context, path string) error {
	l, err := Listen(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	g := grpc.NewServer()
	pb.RegisterBpfRecorderServer(g, s)
	done := make(chan error, 1)
	go func() { done <- g.Serve(l) }()
	pctx, stopPending := context.WithCancel(ctx)
	defer stopPending()
	go s.trackPending(pctx, s.cfg.PendingInterval)
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
	// gRPC's target syntax: "unix:///abs/path" or "unix:rel/path".
	target := "unix:" + socketPath
	if filepath.IsAbs(socketPath) {
		target = "unix://" + socketPath
	}
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("bpf-recorder at %s: %w", socketPath, err)
	}
	conn.Connect()
	for st := conn.GetState(); st != connectivity.Ready; st = conn.GetState() {
		if !conn.WaitForStateChange(ctx, st) {
			conn.Close()
			return nil, fmt.Errorf("bpf-recorder at %s: not reachable (last state %s): %w", socketPath, st, ctx.Err())
		}
	}
	return &Client{BpfRecorderClient: pb.NewBpfRecorderClient(conn), conn: conn}, nil
}
