package selinux

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secprofiles/spo/daemon/nodefs"
	"github.com/secprofiles/spo/daemon/selinux/policies"
)

// ReasonSeedNotInstalled: spo's own modules (the container templates and
// selinuxrecording, package policies) are not installed on this node, so
// no profile, which inherits them, can be. The message says which module
// and why; retried with backoff.
const ReasonSeedNotInstalled = "SelinuxTemplatesNotInstalled"

// seedBackoff is how long a failed seed install is reported again without
// touching the node: every profile install asks for the seed, and each
// retry of a refused module makes selinuxd run semodule once more.
const seedBackoff = time.Minute

// Seed installs spo's own modules (policies.Modules) through selinuxd:
// it writes each <PolicyDir>/<module>.cil atomically, only when its
// content differs from the shipped one (selinuxd acts on changed files
// only), base_container first since the others inherit its block, and
// waits until selinuxd reports every one Installed. Ensure is level-based
// and idempotent: on a node where all is in place it only reads the files
// and asks selinuxd for their status.
type Seed struct {
	m modules

	mu       sync.Mutex
	failed   error
	failedAt time.Time
}

// NewSeed returns the Seed for cfg's policy directory and selinuxd.
// Settings, GetProfile and GetRawProfile are not used.
func NewSeed(cfg Config) *Seed { return &Seed{m: newModules(cfg, "seed")} }

// Ensure installs the modules that are not installed with the shipped
// content and returns nil once selinuxd reports all of them Installed. A
// failure is a *nodeinstall.Error with ReasonSeedNotInstalled and Retry,
// naming the module; it is returned again, without touching the node,
// for a minute.
func (s *Seed) Ensure(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil && time.Since(s.failedAt) < seedBackoff {
		return s.failed
	}
	err := s.ensure(ctx)
	if err != nil && ctx.Err() == nil {
		s.failed, s.failedAt = err, time.Now()
	} else {
		s.failed = nil
	}
	return err
}

// Retry forgets a failure, so the next Ensure tries at once.
func (s *Seed) Retry() {
	s.mu.Lock()
	s.failed = nil
	s.mu.Unlock()
}

func (s *Seed) ensure(ctx context.Context) error {
	mods := policies.Modules()
	// base_container alone, then the others: selinuxd installs modules one
	// at a time in no set order, and one processed before the block it
	// inherits would be refused.
	for _, batch := range [][]policies.Module{mods[:1], mods[1:]} {
		stale := make([]*PolicyStatus, len(batch))
		for i, mod := range batch {
			st, err := s.write(ctx, mod)
			if err != nil {
				return err
			}
			stale[i] = st
		}
		for i, mod := range batch {
			if err := s.m.awaitInstalled(ctx, mod.Name, stale[i]); err != nil {
				return seedError(mod.Name, err)
			}
		}
	}
	return nil
}

// write puts mod in the policy directory and returns the status selinuxd
// had before, when the write changed the file (a verdict equal to it may
// be old news, see awaitInstalled), or nil.
func (s *Seed) write(ctx context.Context, mod policies.Module) (*PolicyStatus, error) {
	path, err := nodefs.SafeJoin(s.m.cfg.PolicyDir, mod.Name, moduleExt)
	if err != nil {
		return nil, seedError(mod.Name, err)
	}
	pre, err := s.m.cfg.Selinuxd.Status(ctx, mod.Name)
	if err != nil {
		return nil, seedError(mod.Name, retryError(ReasonCannotContactSelinuxd, err.Error()))
	}
	changed, err := s.m.write(path, mod.CIL, pre)
	if err != nil {
		return nil, seedError(mod.Name, retryError(ReasonCannotWritePolicyFile, err.Error()))
	}
	if !changed {
		return nil, nil
	}
	return pre, nil
}

// seedError says which of spo's modules is missing and why. selinuxd
// itself unreachable keeps its own reason: that is what to fix.
func seedError(module string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // the caller gave up, not the node
	}
	reason := ReasonSeedNotInstalled
	if ReasonOf(err) == ReasonCannotContactSelinuxd {
		reason = ReasonCannotContactSelinuxd
	}
	return retryError(reason, fmt.Sprintf("installing spo's SELinux module %s (the container templates and recording "+
		"domain every profile builds on): %v", module, err))
}
