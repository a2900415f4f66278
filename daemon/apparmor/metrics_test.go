package apparmor

import (
	"errors"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// TestMetrics reads the counters back from the registry the daemon's
// metrics endpoint serves.
func TestMetrics(t *testing.T) {
	Observe(OperationUpdate)
	ObserveError(newError(ReasonInvalidPath, "", "x"))
	ObserveError(errors.New("transient"))
	want := map[string]float64{
		"security_profiles_operator_apparmor_profile_total{operation=update}":        1,
		"security_profiles_operator_profile_error_reasons_total{reason=InvalidPath}": 1,
		"security_profiles_operator_profile_error_reasons_total{reason=Unknown}":     1,
	}
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				got[f.GetName()+"{"+l.GetName()+"="+l.GetValue()+"}"] = m.GetCounter().GetValue()
			}
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
