package metricsink

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// ServeWithManagerMetrics makes the process's controller-runtime metrics
// endpoint serve the sink's families too. It must run before the manager
// starts: the metrics server reads metrics.Registry when it starts.
func ServeWithManagerMetrics(s *Sink) {
	metrics.Registry = withExtra{RegistererGatherer: metrics.Registry, extra: s}
}

// withExtra is a registry whose Gather adds another gatherer's families.
type withExtra struct {
	metrics.RegistererGatherer
	extra prometheus.Gatherer
}

// Gather serves the process's own families and every pushed family that
// fits with them. Merging all at once fails the whole endpoint when one
// pushed family clashes with another (same name, other type, help or
// labels, or a series twice), so pushed families are merged one by one
// and a clashing one is left out: the daemon's own come first, then
// components in name order.
func (w withExtra) Gather() ([]*dto.MetricFamily, error) {
	own, err := w.RegistererGatherer.Gather()
	extra, _ := w.extra.Gather() // the Sink never fails
	return merge(own, extra), err
}

// merge adds each of extra to base if it merges with what is there.
func merge(base, extra []*dto.MetricFamily) []*dto.MetricFamily {
	for _, mf := range extra {
		merged, err := prometheus.Gatherers{fixed(base), fixed{mf}}.Gather()
		if err == nil {
			base = merged
		}
	}
	return base
}

// fixed gathers a fixed set of families.
type fixed []*dto.MetricFamily

func (f fixed) Gather() ([]*dto.MetricFamily, error) { return f, nil }
