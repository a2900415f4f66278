package bpfrecorder

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The containers registered by Start; every function here runs with s.mu
// held, except sweep.

// register records the container under profile: its recording, made since
// its first syscall, is kept until the matching Stop. It returns the
// container's first mount namespace if it already made a syscall.
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
	nss, err := s.rec.Born(id)
	if err != nil {
		s.unregister(id, c)
		return 0, statusOf(err, "recording container %s", id)
	}
	if len(nss) == 0 {
		return 0, nil
	}
	return nss[0].MntNS, nil
}

func (s *Server) unregister(id string, c *container) {
	c.starts--
	if c.starts > 0 {
		return
	}
	delete(s.containers, id)
	nss, _ := s.rec.Born(id)
	for _, ns := range nss {
		_ = s.rec.DropBorn(ns.ID)
	}
}

// sweep drops, every ClaimWindow/10 until ctx is done, the recordings of
// containers nobody registered within ClaimWindow.
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(s.cfg.ClaimWindow / 10)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweepOnce()
		}
	}
}

func (s *Server) sweepOnce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return
	}
	keep := func(id string) bool { return s.containers[id] != nil }
	_, _ = s.rec.SweepBorn(keep, s.cfg.ClaimWindow)
}
