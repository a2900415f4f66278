package v1alpha1

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/secprofiles/spo/api/internal/lossless"
	"github.com/secprofiles/spo/api/internal/roundtrip"
)

// meta is metadata with every field a conversion must carry over, and the
// given conversion-data annotation unless it is empty.
func meta(name, namespace, annotation string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Name:              name,
		Namespace:         namespace,
		UID:               "9c1e4a2b-7d3f-4b8e-a6c5-1f0e2d3c4b5a",
		ResourceVersion:   "42",
		Generation:        3,
		CreationTimestamp: metav1.NewTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)),
		Labels:            map[string]string{"app": "nginx"},
		Annotations:       map[string]string{"team": "web"},
		Finalizers:        []string{"spo.x-k8s.io/in-use"},
	}
	if annotation != "" {
		m.Annotations[lossless.Annotation] = annotation
	}
	return m
}

func ready() []metav1.Condition {
	return []metav1.Condition{{
		Type: "Ready", Status: metav1.ConditionTrue, Reason: "Running", Message: "all components up",
		ObservedGeneration: 3, LastTransitionTime: metav1.NewTime(time.Date(2026, 5, 1, 12, 1, 0, 0, time.UTC)),
	}}
}

// conversionCase converts from to the other version and expects want; see
// roundtrip.Check.
type conversionCase struct {
	from, want runtime.Object
	oneWay     bool
}

func run(t *testing.T, tests map[string]conversionCase) {
	t.Helper()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			roundtrip.Check(t, tc.from, tc.want, tc.oneWay)
		})
	}
}
