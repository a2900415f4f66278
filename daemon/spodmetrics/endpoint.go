package spodmetrics

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Path is where the daemon serves the spo families, as SPO's daemon does.
const Path = "/metrics-spod"

// Manager is the part of a controller-runtime manager Install needs.
type Manager interface {
	AddMetricsServerExtraHandler(path string, handler http.Handler) error
}

// Install makes the manager's metrics server serve the spo families at
// Path and everything else at /metrics. It must run before the manager
// starts (the server reads metrics.Registry then) and after anything else
// that wraps metrics.Registry (metricsink.ServeWithManagerMetrics), so
// that pushed families are split too.
func Install(mgr Manager) error {
	full := metrics.Registry
	if f, ok := full.(filtered); ok {
		// Installed before (tests set up several daemons in one process).
		full = f.RegistererGatherer
	}
	metrics.Registry = filtered{RegistererGatherer: full, keep: isOther}
	return mgr.AddMetricsServerExtraHandler(Path, Handler(full))
}

// Handler serves g's spo families in the Prometheus exposition formats.
// A family that fails to gather fails the scrape, as on /metrics.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(filtered{gatherer: g, keep: IsSpo}, promhttp.HandlerOpts{
		ErrorHandling: promhttp.HTTPErrorOnError,
	})
}

// IsSpo reports whether a family is served at Path.
func IsSpo(name string) bool { return strings.HasPrefix(name, Prefix) }

func isOther(name string) bool { return !IsSpo(name) }

// filtered gathers the families of a registry whose name keep accepts.
type filtered struct {
	metrics.RegistererGatherer
	gatherer prometheus.Gatherer
	keep     func(string) bool
}

func (f filtered) Gather() ([]*dto.MetricFamily, error) {
	g := f.gatherer
	if g == nil {
		g = f.RegistererGatherer
	}
	all, err := g.Gather()
	out := all[:0:0]
	for _, mf := range all {
		if f.keep(mf.GetName()) {
			out = append(out, mf)
		}
	}
	return out, err
}
