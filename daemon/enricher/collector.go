package enricher

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
)

// Config configures a Collector. Zero values take the defaults.
type Config struct {
	Node     string
	ProcRoot string // host /proc; default "/proc"
	Index    PodIndex
	Log      logr.Logger
	// Filters and the rate limit apply to log lines and metrics only,
	// never to what recordings collect.
	Filters  logfilter.Set
	LogRate  float64 // lines per second; <= 0: unlimited
	LogBurst int

	PidTTL       time.Duration // default 2s
	PidCacheSize int           // default 8192
	// Records of a container whose pod is not known yet are held, one
	// entry per distinct record with a repeat count (pending.go), up to
	// PendingDistinct entries per container, PendingContainers
	// containers, for PendingAge. The syscall table has ~450 entries:
	// 1024 keeps every syscall of a container even with a few
	// executables.
	PendingDistinct   int           // default 1024
	PendingContainers int           // default 128
	PendingAge        time.Duration // default 2m
	Now               func() time.Time
}

func (c *Config) defaults() {
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.PidTTL <= 0 {
		c.PidTTL = 2 * time.Second
	}
	if c.PidCacheSize <= 0 {
		c.PidCacheSize = 8192
	}
	if c.PendingDistinct <= 0 {
		c.PendingDistinct = 1024
	}
	if c.PendingContainers <= 0 {
		c.PendingContainers = 128
	}
	if c.PendingAge <= 0 {
		c.PendingAge = 2 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Collector attributes audit records to workloads, logs and counts them,
// and aggregates them per recording key. It is safe for concurrent use.
type Collector struct {
	cfg   Config
	lines *lineLimiter

	mu       sync.Mutex
	pids     *pidCache
	pending  map[string]*pendingEvents // container id → records
	seccomp  map[string]*seccompAgg    // recording key → ...
	avcs     map[string]avcAgg
	apparmor map[string]appArmorAgg
}

// NewCollector returns a collector; cfg.Index is required.
func NewCollector(cfg Config) *Collector {
	cfg.defaults()
	return &Collector{
		cfg:      cfg,
		lines:    newLineLimiter(cfg.LogRate, cfg.LogBurst),
		pids:     newPidCache(cfg.ProcRoot, cfg.PidTTL, cfg.PidCacheSize),
		pending:  map[string]*pendingEvents{},
		seccomp:  map[string]*seccompAgg{},
		avcs:     map[string]avcAgg{},
		apparmor: map[string]appArmorAgg{},
	}
}

// enriched is a record with what /proc and the pod index said about it.
type enriched struct {
	ev  audit.Event
	id  string // container id
	exe string
	at  time.Time
	w   Workload
	// n is how many records this one stands for: a held record counts
	// its repeats (pending.go); 0 and 1 mean one.
	n int
}

// Add takes one record. It must be called as the record arrives: the
// container is found through /proc/<pid>, which goes away with the
// process. Records of host processes are ignored.
func (c *Collector) Add(ev audit.Event) {
	now := c.cfg.Now()
	c.mu.Lock()
	e, ok := c.enrich(ev, now)
	if !ok {
		c.mu.Unlock()
		return
	}
	w, known := c.cfg.Index.Lookup(e.id)
	if !known {
		dropped := c.hold(e)
		c.mu.Unlock()
		c.logDropped(dropped)
		return
	}
	e.w = w
	c.collect(e)
	c.mu.Unlock()
	c.report(e)
}

// enrich finds the record's container (and executable when the record
// lacks one). Called with c.mu held.
func (c *Collector) enrich(ev audit.Event, now time.Time) (enriched, bool) {
	var pid int
	var exe string
	switch {
	case ev.Seccomp != nil:
		pid, exe = ev.Seccomp.PID, ev.Seccomp.Exe
	case ev.AVC != nil:
		pid, exe = ev.AVC.PID, ev.AVC.Exe
	case ev.AppArmor != nil:
		pid = ev.AppArmor.PID
	default:
		return enriched{}, false
	}
	in := c.pids.lookup(pid, exe, now)
	if in.gone {
		// Not silently: a workload of short-lived processes loses records
		// here, and the operator should see it (README: record those with
		// the eBPF recorder).
		droppedEvents.WithLabelValues("process_exited").Inc()
	}
	if in.id == "" {
		return enriched{}, false
	}
	if exe == "" {
		exe = c.pids.exe(pid, now)
	}
	return enriched{ev: ev, id: in.id, exe: exe, at: now}, true
}

// Resolve attributes the held records of a container whose pod just
// became known; the pod watch calls it for every container id it sees.
func (c *Collector) Resolve(containerID string) {
	c.mu.Lock()
	p := c.pending[containerID]
	if p == nil {
		c.mu.Unlock()
		return
	}
	w, ok := c.cfg.Index.Lookup(containerID)
	if !ok {
		c.mu.Unlock()
		return
	}
	delete(c.pending, containerID)
	for i := range p.held {
		p.held[i].w = w
		c.collect(p.held[i])
	}
	c.mu.Unlock()
	for _, e := range p.held {
		c.report(e)
	}
	if p.overflow > 0 {
		c.logDropped([]dropNote{{msg: msgResolved, id: containerID, reason: "too_many", records: p.records,
			distinct: len(p.held), overflowed: p.overflow, counted: true}})
	}
}

// collect adds a record to its recording, if the container is recorded
// for the record's kind. Called with c.mu held.
func (c *Collector) collect(e enriched) {
	switch {
	case e.ev.Seccomp != nil && e.w.SeccompKey != "":
		a := c.seccomp[e.w.SeccompKey]
		if a == nil {
			a = newSeccompAgg()
			c.seccomp[e.w.SeccompKey] = a
		}
		s := *e.ev.Seccomp
		s.Exe = e.exe
		a.add(&s)
	case e.ev.AVC != nil && e.w.SELinuxKey != "":
		a := c.avcs[e.w.SELinuxKey]
		if a == nil {
			a = avcAgg{}
			c.avcs[e.w.SELinuxKey] = a
		}
		a.add(e.ev.AVC)
	case e.ev.AppArmor != nil && e.w.AppArmorKey != "" && appArmorCollects(e.ev.AppArmor):
		a := c.apparmor[e.w.AppArmorKey]
		if a == nil {
			a = appArmorAgg{}
			c.apparmor[e.w.AppArmorKey] = a
		}
		a.add(e.ev.AppArmor)
	}
}

// Run expires held records and writes the suppressed-lines summary every
// interval until ctx is done.
func (c *Collector) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Expire()
			if n := c.lines.takeSuppressed(); n > 0 {
				c.cfg.Log.Info("suppressed audit log lines over the rate limit", "node", c.cfg.Node,
					"suppressed", n, "interval", interval.String(), "linesPerSecond", c.cfg.LogRate)
			}
		}
	}
}
