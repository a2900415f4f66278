package bpfrecorder

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/secprofiles/spo/daemon/containerid"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The containers registered by Start and their mount namespaces; every
// function here runs with s.mu held.

// register records the container under profile and tracks its mount
// namespace if it already runs; otherwise it is looked up again later.
func (s *Server) register(id, profile string) (uint32, error) {
	c := s.containers[id]
	if c == nil {
		c = &container{profile: profile}
		s.containers[id] = c
	}
	if c.profile != profile && profile != "" {
		if c.profile != "" {
			return 0, status.Errorf(codes.AlreadyExists,
				"container %s is already recorded for profile %q, not %q", id, c.profile, profile)
		}
		c.profile = profile
	}
	c.starts++
	if err := s.track(id, c); err != nil && !errors.Is(err, containerid.ErrNoProcesses) {
		s.unregister(id, c)
		return 0, statusOf(err, "recording container %s", id)
	}
	return c.mntns, nil
}

// track finds the container's mount namespace and starts recording it.
func (s *Server) track(id string, c *container) error {
	if c.mntns != 0 {
		return nil
	}
	mntns, err := s.mountNamespace(id)
	if err != nil {
		return err
	}
	return s.trackNamespace(c, mntns)
}

func (s *Server) trackNamespace(c *container, mntns uint32) error {
	if err := s.rec.Track(mntns); err != nil {
		return err
	}
	c.mntns = mntns
	return nil
}

func (s *Server) mountNamespace(id string) (uint32, error) {
	pids, err := s.cfg.Pids(id)
	if err != nil {
		return 0, err
	}
	if len(pids) == 0 {
		return 0, fmt.Errorf("container %s: %w", id, containerid.ErrNoProcesses)
	}
	return s.mountNamespaceOf(pids)
}

func (s *Server) mountNamespaceOf(pids []int) (uint32, error) {
	// The lowest pid is the container's init; all its processes share
	// one mount namespace unless they unshare, which is then not ours.
	ns, err := MountNamespaceOfProc(s.cfg.ProcRoot, pids[0])
	if errors.Is(err, fs.ErrNotExist) {
		// It exited since the listing: as if it had not been there.
		return 0, fmt.Errorf("%w: %w", containerid.ErrNoProcesses, err)
	}
	return ns, err
}

func (s *Server) unregister(id string, c *container) {
	c.starts--
	if c.starts > 0 {
		return
	}
	delete(s.containers, id)
	delete(s.pendingErr, id)
	if c.mntns != 0 {
		_ = s.rec.Forget(c.mntns)
	}
}
