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

func (w withExtra) Gather() ([]*dto.MetricFamily, error) {
	return prometheus.Gatherers{w.RegistererGatherer, w.extra}.Gather()
}
