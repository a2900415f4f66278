package bpfrecorder

import (
	"context"
	"errors"
	"time"

	"github.com/secprofiles/spo/daemon/containerid"
)

// DefaultPendingInterval is how often containers registered before they
// ran are looked for. The daemon calls Start while a pod is Pending; until
// the container's first process is seen here its syscalls are not recorded,
// so this bounds what a late-found container can lose.
const DefaultPendingInterval = 50 * time.Millisecond

// trackPending looks for registered containers whose processes were not
// running yet, every interval until ctx is done.
func (s *Server) trackPending(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.trackPendingOnce()
		}
	}
}

func (s *Server) trackPendingOnce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return
	}
	var running map[string][]int
	for id, c := range s.containers {
		if c.mntns != 0 {
			continue
		}
		if running == nil && s.onNode != nil {
			// One pass over /proc for all pending containers.
			var err error
			if running, err = s.onNode(); err != nil {
				return
			}
		}
		// Not running yet is the normal case; other errors (the host
		// namespace, a closed recorder) are reported when collecting.
		if err := s.trackFrom(running, id, c); err != nil && !errors.Is(err, containerid.ErrNoProcesses) {
			s.pendingErr[id] = err
		}
	}
}

func (s *Server) trackFrom(running map[string][]int, id string, c *container) error {
	if running == nil {
		return s.track(id, c)
	}
	if len(running[id]) == 0 {
		return containerid.ErrNoProcesses
	}
	mntns, err := s.mountNamespaceOf(running[id])
	if err != nil {
		return err
	}
	return s.trackNamespace(c, mntns)
}
