package grpcsocket

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
)

// DefaultDir holds every node-local socket; the DaemonSet mounts it into
// each container that serves or dials one.
const DefaultDir = "/var/run/spo"

// Listen creates the Unix socket at path with mode 0600. The socket is
// bound and chmod-ed in a private directory and then renamed into place,
// so no client ever sees it with a wider mode. A stale socket from an
// earlier run is replaced; any other file at path is an error. The
// listener does not unlink path on Close: the caller removes it.
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
	// The listener would unlink tmpPath on Close, which no longer exists
	// after the rename; the server removes path itself.
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

// Target is gRPC's name for the socket: "unix:///abs/path" or
// "unix:rel/path".
func Target(socketPath string) string {
	if filepath.IsAbs(socketPath) {
		return "unix://" + socketPath
	}
	return "unix:" + socketPath
}

// Dial connects to the server at socketPath and waits until the
// connection is up or ctx is done. what names the server in errors
// ("bpf-recorder").
func Dial(ctx context.Context, what, socketPath string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(Target(socketPath),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", what, socketPath, err)
	}
	conn.Connect()
	for st := conn.GetState(); st != connectivity.Ready; st = conn.GetState() {
		if !conn.WaitForStateChange(ctx, st) {
			conn.Close()
			return nil, fmt.Errorf("%s at %s: not reachable (last state %s): %w", what, socketPath, st, ctx.Err())
		}
	}
	return conn, nil
}
