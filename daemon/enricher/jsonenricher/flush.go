package jsonenricher

import (
	"context"
	"time"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

// aggregate adds ev to its process's bucket (Config.Interval). A new
// bucket's process is read now, while /proc/<pid> is there: with the exec
// wait for an exec record, at once for any other (the process is not
// changing its image).
func (e *Enricher) aggregate(ev audit.Event) {
	if ev.Seccomp == nil {
		return
	}
	opened, closed := e.agg.observe(ev.Seccomp, ev.Stamp)
	for _, b := range closed {
		e.writeBucket(b)
	}
	if opened == nil {
		return
	}
	caller := ""
	if opened.exec {
		caller = ev.Seccomp.Exe
	}
	e.async(func() { e.agg.fill(opened, e.read(ev, caller)) })
}

// Flush writes the lines of the processes whose interval has passed or
// that have exited (all of them when all is set, at shutdown). Run calls
// it every second.
func (e *Enricher) Flush(all bool) {
	if e.agg == nil {
		return
	}
	for _, b := range e.agg.due(all) {
		e.writeBucket(b)
	}
}

// flushEvery is how often Run looks for due lines: a process's line is
// written at most this long after its interval ends or it exits.
const flushEvery = time.Second

// Run flushes until ctx ends, then waits for the reads in flight and
// writes every line left. Without an Interval it only waits for ctx.
func (e *Enricher) Run(ctx context.Context) {
	if e.agg != nil {
		t := time.NewTicker(min(flushEvery, e.cfg.Interval))
		defer t.Stop()
	loop:
		for {
			select {
			case <-ctx.Done():
				break loop
			case <-t.C:
				e.Flush(false)
			}
		}
	} else {
		<-ctx.Done()
	}
	e.Wait()
	e.Flush(true)
}

// writeBucket writes a bucket's line: the opening record's identity
// (timestamp, auditID; syscall only when it opened at an exec) and the
// syscalls the filters keep, each seen as its first record. A bucket whose
// syscalls are all filtered writes nothing.
func (e *Enricher) writeBucket(b *bucket) {
	p, ready := e.agg.process(b)
	if !ready {
		// Closed by an exec while still being read: the records are
		// kept, with what the opening record says of the process.
		p = Process{PID: b.pid, Gone: true}
	}
	l, ok := e.line(b.first, b.stamp, p)
	if !ok {
		return
	}
	if !b.exec {
		l.Syscall = ""
	}
	for _, name := range b.order {
		if e.cfg.Filters.Keep(record(l, b.bySyscall[name])) {
			l.Syscalls = append(l.Syscalls, name)
		}
	}
	if len(l.Syscalls) == 0 {
		execLines.WithLabelValues(resultFiltered).Inc()
		return
	}
	e.encode(l)
}
