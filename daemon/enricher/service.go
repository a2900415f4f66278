package enricher

import (
	"context"
	"errors"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/source"
)

// expireInterval is how often held records that waited too long are
// dropped and the rate limiter's suppressed lines are reported.
const expireInterval = 30 * time.Second

// Service is the log enricher as manager runnables: audit lines from each
// source are parsed and collected, the node's pods are indexed from the
// manager's cache (build it with CacheOptions), and the collector is served
// over gRPC on Socket.
type Service struct {
	Collector *Collector
	Index     *CachePodIndex // the Collector's Config.Index
	Sources   []source.Source
	Socket    string
	// OnListening, if set, is called once the socket accepts connections.
	OnListening func()
}

// SetupWithManager registers the service's runnables with mgr. Records read
// before the cache has synced are held and attributed by the initial
// list's add events, so nothing waits for the sync.
func (s *Service) SetupWithManager(ctx context.Context, mgr manager.Manager) error {
	if err := s.Index.Watch(ctx, mgr.GetCache(), s.Collector.Resolve); err != nil {
		return err
	}
	runnables := []manager.RunnableFunc{
		func(ctx context.Context) error { s.Collector.Run(ctx, expireInterval); return nil },
		func(ctx context.Context) error { return NewServer(s.Collector).Serve(ctx, s.Socket, s.OnListening) },
	}
	for _, src := range s.Sources {
		runnables = append(runnables, func(ctx context.Context) error { return s.read(ctx, src) })
	}
	for _, r := range runnables {
		if err := mgr.Add(r); err != nil {
			return err
		}
	}
	return nil
}

// read collects every audit record src delivers until ctx is done.
func (s *Service) read(ctx context.Context, src source.Source) error {
	logger := log.FromContext(ctx).WithValues("source", src.Name())
	return src.Run(ctx, func(line string) {
		ev, err := audit.Parse(line)
		switch {
		case err == nil:
			s.Collector.Add(ev)
		case !errors.Is(err, audit.ErrNotAudit) && !errors.Is(err, audit.ErrUnsupported):
			logger.V(1).Info("skipped a malformed audit record", "error", err.Error())
		}
	})
}
