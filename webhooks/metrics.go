package webhooks

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Admission metrics, per webhook. controller-runtime already counts HTTP
// requests per path; these say what the webhooks decided.
var (
	admissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_webhook_admissions_total",
		Help: "Admission requests handled, by webhook and decision (allowed, mutated, denied, error).",
	}, []string{"webhook", "decision"})
	admissionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "security_profiles_operator_webhook_admission_duration_seconds",
		Help:    "Time spent deciding one admission request, by webhook.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5},
	}, []string{"webhook"})
)

func init() {
	metrics.Registry.MustRegister(admissions, admissionSeconds)
}

// Instrument wraps a handler so every decision is counted and timed under
// the webhook's name.
func Instrument(name string, h admission.Handler) admission.Handler {
	return instrumented{name: name, next: h}
}

type instrumented struct {
	name string
	next admission.Handler
}

func (i instrumented) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	resp := i.next.Handle(ctx, req)
	admissionSeconds.WithLabelValues(i.name).Observe(time.Since(start).Seconds())
	admissions.WithLabelValues(i.name, Decision(resp)).Inc()
	return resp
}

// Decision names what a response did, for metrics and logs.
func Decision(resp admission.Response) string {
	switch {
	case resp.Result != nil && resp.Result.Code >= 500:
		return "error"
	case !resp.Allowed:
		return "denied"
	case len(resp.Patches) > 0 || len(resp.Patch) > 0:
		return "mutated"
	default:
		return "allowed"
	}
}
