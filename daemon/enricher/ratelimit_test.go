package enricher

import (
	"testing"
	"time"
)

func TestLineLimiter(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tests := []struct {
		name           string
		rate           float64
		burst          int
		at             []time.Duration // offsets of the lines
		wantAllowed    int
		wantSuppressed int
	}{
		{"no rate means no limit", 0, 0, []time.Duration{0, 0, 0, 0}, 4, 0},
		{"a burst passes at once, the rest is suppressed", 10, 2, []time.Duration{0, 0, 0, 0}, 2, 2},
		{"lines spaced at the rate all pass", 10, 1, []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}, 3, 0},
		{"a zero burst still lets one line through", 1, 0, []time.Duration{0, 0}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLineLimiter(tc.rate, tc.burst)
			allowed := 0
			for _, d := range tc.at {
				if l.allow(t0.Add(d)) {
					allowed++
				}
			}
			if got := l.takeSuppressed(); allowed != tc.wantAllowed || got != tc.wantSuppressed {
				t.Errorf("allowed %d, suppressed %d; want %d, %d", allowed, got, tc.wantAllowed, tc.wantSuppressed)
			}
			if l.takeSuppressed() != 0 {
				t.Error("the suppressed count was not reset")
			}
		})
	}
}
