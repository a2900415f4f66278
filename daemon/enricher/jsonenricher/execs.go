package jsonenricher

import (
	"sync"
	"time"
)

// Execs remembers container processes as /proc showed them right after
// each exec (WatchExecs takes them from the kernel's process events), so
// that an exec record reaching the enricher after its process exited can
// still be attributed and described. auditd's log reaches the enricher
// hundreds of milliseconds after the exec, and `kubectl exec POD -- cat
// FILE` is gone by then; its line would otherwise be lost, since without
// the process nothing says which container it ran in.
//
// Entries live for ttl: records of a process arrive well within it, and
// pids are reused. At most max are kept, the oldest going first.
type Execs struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	byPID   map[int][]snapshot
	n       int
	expired time.Time // last expire: it walks every entry
}

// snapshot is one process image: the process as read right after an exec.
type snapshot struct {
	at time.Time
	p  Process
}

// Defaults of NewExecs: the auditd source's latency is well under a
// second; 8192 execs is far more than a node makes in that time.
const (
	execsTTL = 30 * time.Second
	execsMax = 8192
)

// NewExecs returns an empty cache with the default bounds.
func NewExecs() *Execs { return newExecs(execsTTL, execsMax) }

func newExecs(ttl time.Duration, max int) *Execs {
	return &Execs{ttl: ttl, max: max, byPID: map[int][]snapshot{}}
}

// add remembers p, read at at (after its exec). Snapshots of a pid are
// kept in exec order.
func (x *Execs) add(at time.Time, p Process) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if at.Sub(x.expired) >= time.Second {
		x.expire(at)
		x.expired = at
	}
	if x.n >= x.max {
		x.dropOldest()
	}
	x.byPID[p.PID] = append(x.byPID[p.PID], snapshot{at: at, p: p})
	x.n++
}

// clockSlack covers the audit timestamp's coarse clock
// (ktime_get_coarse_real_ts64 in kernel/auditsc.c, audit_get_stamp): it
// may be up to a tick behind the time the snapshot was taken with.
const clockSlack = 20 * time.Millisecond

// find returns the image a record of pid made at stamp belongs to.
//
// An exec record (callerExe set: the program that called execve) is
// written as the exec starts, so its image is a snapshot taken after it:
// the one whose previous image is the caller (env exec'ing cat: the
// record from env is cat's), or the first one after the record when no
// snapshot shows the caller (runc's own exec of the entrypoint). Any
// other record belongs to the latest image before it. Snapshots older
// than the record can never be its exec: the pid may have been reused.
func (x *Execs) find(pid int, callerExe string, exec bool, stamp time.Time) (Process, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	snaps := x.byPID[pid]
	if !exec {
		for i := len(snaps) - 1; i >= 0; i-- {
			if !snaps[i].at.After(stamp.Add(clockSlack)) {
				return snaps[i].p, true
			}
		}
		return Process{}, false
	}
	first := -1
	for i, s := range snaps {
		if s.at.Before(stamp) {
			continue
		}
		if first < 0 {
			first = i
		}
		if i > 0 && snaps[i-1].p.Exe == callerExe {
			return s.p, true
		}
	}
	if first < 0 {
		return Process{}, false
	}
	return snaps[first].p, true
}

// expire drops the snapshots older than the ttl. Callers hold mu.
func (x *Execs) expire(now time.Time) {
	for pid, snaps := range x.byPID {
		keep := snaps[:0]
		for _, s := range snaps {
			if now.Sub(s.at) < x.ttl {
				keep = append(keep, s)
			}
		}
		x.n -= len(snaps) - len(keep)
		if len(keep) == 0 {
			delete(x.byPID, pid)
		} else {
			x.byPID[pid] = keep
		}
	}
}

// dropOldest drops the oldest snapshot. Callers hold mu.
func (x *Execs) dropOldest() {
	oldest, pid := time.Time{}, -1
	for p, snaps := range x.byPID {
		if pid < 0 || snaps[0].at.Before(oldest) {
			oldest, pid = snaps[0].at, p
		}
	}
	if pid < 0 {
		return
	}
	if snaps := x.byPID[pid][1:]; len(snaps) > 0 {
		x.byPID[pid] = snaps
	} else {
		delete(x.byPID, pid)
	}
	x.n--
}
