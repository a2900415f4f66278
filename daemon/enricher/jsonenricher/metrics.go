package jsonenricher

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Results of an exec record.
const (
	resultWritten  = "written"
	resultFiltered = "filtered"
	resultError    = "error"
	resultGone     = "process_exited"
)

// execLines counts exec records by what became of them; its labels are
// bounded (four results), unlike the lines themselves.
var execLines = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "security_profiles_operator_json_enricher_exec_lines_total",
	Help: "Exec records of the JSON enricher by result: written, filtered (by jsonEnricherFilters), error (the output could not be written), process_exited (gone before its container could be read, and not remembered from its exec).",
}, []string{"result"})

// execEventsLost counts exec events of the process events connector that
// were lost (the socket buffer overflowed, or the readers were behind):
// such an exec's line still comes if its process is alive when its
// record arrives.
var execEventsLost = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "security_profiles_operator_json_enricher_exec_events_lost_total",
	Help: "Exec events of the kernel's process events connector the JSON enricher lost; their processes were not remembered.",
})

func init() {
	metrics.Registry.MustRegister(execLines, execEventsLost)
}
