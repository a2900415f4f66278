package jsonenricher

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

// maxBuckets bounds the processes aggregated at once; past it the oldest
// read bucket is written early, so memory stays bounded whatever the
// number of processes logging.
const maxBuckets = 16384

// bucket is one process image's records within one interval: opened by
// the process's first record (an exec, or any record of a process seen
// for the first time or again after its last line), closed when the
// interval has passed, the process is gone, or it execs again.
type bucket struct {
	pid    int
	opened time.Time
	stamp  audit.Stamp
	first  *audit.Seccomp
	exec   bool
	// ready once the process was read; written only then.
	ready bool
	proc  Process
	// bySyscall keeps each syscall's first record, for the filters.
	bySyscall map[string]*audit.Seccomp
	order     []string
}

// aggregator holds the open buckets by pid. Pure bookkeeping: reading
// /proc and writing lines are the Enricher's.
type aggregator struct {
	interval time.Duration
	now      func() time.Time
	alive    func(pid int) bool

	mu   sync.Mutex
	open map[int]*bucket
}

func newAggregator(interval time.Duration, now func() time.Time, alive func(int) bool) *aggregator {
	return &aggregator{interval: interval, now: now, alive: alive, open: map[int]*bucket{}}
}

// observe adds a record. It returns the bucket it opened, which the caller
// must read and fill, if any, and the buckets closed by it: the previous
// image's when the record is an exec, the oldest when full.
func (a *aggregator) observe(s *audit.Seccomp, stamp audit.Stamp) (opened *bucket, closed []*bucket) {
	if s.SyscallName == "" {
		// Unresolvable numbers are never written as "unknown" (DESIGN §6.7).
		return nil, nil
	}
	exec := s.SyscallName == "execve" || s.SyscallName == "execveat"
	a.mu.Lock()
	defer a.mu.Unlock()
	if b, ok := a.open[s.PID]; ok {
		if !exec {
			b.add(s)
			return nil, nil
		}
		// The exec replaces the image: what it did before is its own line.
		delete(a.open, s.PID)
		closed = append(closed, b)
	}
	if len(a.open) >= maxBuckets {
		if old := a.oldestReady(); old != nil {
			delete(a.open, old.pid)
			closed = append(closed, old)
		}
	}
	b := &bucket{pid: s.PID, opened: a.now(), stamp: stamp, first: s, exec: exec, bySyscall: map[string]*audit.Seccomp{}}
	b.add(s)
	a.open[s.PID] = b
	return b, closed
}

func (b *bucket) add(s *audit.Seccomp) {
	if _, ok := b.bySyscall[s.SyscallName]; !ok {
		b.bySyscall[s.SyscallName] = s
		b.order = append(b.order, s.SyscallName)
	}
}

func (a *aggregator) oldestReady() *bucket {
	var old *bucket
	for _, b := range a.open {
		if b.ready && (old == nil || b.opened.Before(old.opened)) {
			old = b
		}
	}
	return old
}

// fill sets what /proc said about b's process.
func (a *aggregator) fill(b *bucket, p Process) {
	a.mu.Lock()
	b.proc, b.ready = p, true
	a.mu.Unlock()
}

// process is what fill set, and whether it has been (a bucket closed by
// an exec may still be being read).
func (a *aggregator) process(b *bucket) (Process, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return b.proc, b.ready
}

// due removes and returns the read buckets whose interval has passed or
// whose process is gone; every read bucket when all is set (shutdown).
// A bucket still being read waits for the next call.
func (a *aggregator) due(all bool) []*bucket {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	var out []*bucket
	for pid, b := range a.open {
		if !b.ready {
			continue
		}
		if all || now.Sub(b.opened) >= a.interval || b.proc.Gone || !a.alive(pid) {
			delete(a.open, pid)
			out = append(out, b)
		}
	}
	// Map order is random; lines go out in record order.
	slices.SortFunc(out, func(x, y *bucket) int { return compareStamps(x.stamp, y.stamp) })
	return out
}

func compareStamps(x, y audit.Stamp) int {
	return cmp.Or(cmp.Compare(x.Seconds, y.Seconds), cmp.Compare(x.Millis, y.Millis), cmp.Compare(x.Serial, y.Serial))
}
