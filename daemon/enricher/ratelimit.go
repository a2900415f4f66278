package enricher

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// lineLimiter bounds the log lines per second so a chatty workload cannot
// flood the node's log pipeline, and counts what it suppressed for a
// periodic summary (a silent gap would look like no records).
type lineLimiter struct {
	lim *rate.Limiter // nil: unlimited

	mu         sync.Mutex
	suppressed int
}

// newLineLimiter allows perSecond lines with bursts of burst; perSecond
// <= 0 means no limit.
func newLineLimiter(perSecond float64, burst int) *lineLimiter {
	if perSecond <= 0 {
		return &lineLimiter{}
	}
	if burst < 1 {
		burst = 1
	}
	return &lineLimiter{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// allow reports whether a line may be written now, counting it when not.
func (l *lineLimiter) allow(now time.Time) bool {
	if l.lim == nil || l.lim.AllowN(now, 1) {
		return true
	}
	l.mu.Lock()
	l.suppressed++
	l.mu.Unlock()
	return false
}

// takeSuppressed returns the lines suppressed since the last call.
func (l *lineLimiter) takeSuppressed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.suppressed
	l.suppressed = 0
	return n
}
