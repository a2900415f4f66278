package jsonenricher

import (
	"sync"
	"time"
)

// Execs remembers container processes as /proc showed them right after
// each exec (ExecEvents.Run takes them from the kernel's process events), so
// that an exec record reaching the enricher after its process exited can
// still be attributed and described. auditd's log reaches the enricher
// hundreds of milliseconds after the exec, and `kubectl exec POD -- cat
// FILE` is gone by then; its line would otherwise be lost, since without
// the process nothing says which container it ran in.
//
// Entries live for ttl: records of a process arrive well within it, and
// pids are reused. Beyond max entries or maxBytes of them (command lines
// can be long, and a workload chooses them) the oldest go first, so a
// container exec'ing in a loop costs memory bounded by those, not by its
// rate.
type Execs struct {
	ttl      time.Duration
	max      int
	maxBytes int

	mu    sync.Mutex
	byPID map[int][]snapshot
	// order holds the pids in the order their snapshots were added: the
	// front's first snapshot is the oldest of all.
	order []int
	bytes int
}

// snapshot is one process image: the process as read right after an exec.
type snapshot struct {
	at time.Time
	p  Process
}

// size is about what a snapshot holds in memory.
func (s snapshot) size() int {
	n := 128 + len(s.p.Exe) + len(s.p.RequestUID) + len(s.p.ContainerID)
	for _, a := range s.p.Args {
		n += 16 + len(a)
	}
	return n
}

// Defaults of NewExecs: the auditd source's latency is well under a
// second; 8192 execs is far more than a node makes in that time, and
// 16 MiB a small part of the json-enricher's memory limit.
const (
	execsTTL      = 30 * time.Second
	execsMax      = 8192
	execsMaxBytes = 16 << 20
)

// inheritWithin bounds how far back an image's request UID is passed to a
// process read without its environment: the execs of a chain (env, then
// the command) come within milliseconds, and a pid reused later must not
// inherit.
const inheritWithin = time.Second

// NewExecs returns an empty cache with the default bounds.
func NewExecs() *Execs { return newExecs(execsTTL, execsMax, execsMaxBytes) }

func newExecs(ttl time.Duration, max, maxBytes int) *Execs {
	return &Execs{ttl: ttl, max: max, maxBytes: maxBytes, byPID: map[int][]snapshot{}}
}

// add remembers p, read at at (after its exec). Snapshots of a pid are
// kept in exec order.
func (x *Execs) add(at time.Time, p Process) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if prev := x.byPID[p.PID]; len(p.Args) == 0 && p.RequestUID == "" && len(prev) > 0 {
		// Read after its memory was gone (it exited at once): the image
		// that exec'd it, read a moment ago, passed its environment on.
		if last := prev[len(prev)-1]; at.Sub(last.at) < inheritWithin {
			p.RequestUID = last.p.RequestUID
		}
	}
	s := snapshot{at: at, p: p}
	x.byPID[p.PID] = append(x.byPID[p.PID], s)
	x.order = append(x.order, p.PID)
	x.bytes += s.size()
	for len(x.order) > 0 && (len(x.order) > x.max || x.bytes > x.maxBytes || at.Sub(x.byPID[x.order[0]][0].at) >= x.ttl) {
		x.dropOldest()
	}
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
	// Snapshots expire as others are added; without new execs an old
	// one may linger, and its pid may have been reused since.
	for len(snaps) > 0 && stamp.Sub(snaps[0].at) >= x.ttl {
		snaps = snaps[1:]
	}
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

// dropOldest drops the oldest snapshot. Callers hold mu.
func (x *Execs) dropOldest() {
	pid := x.order[0]
	x.order = x.order[1:]
	snaps := x.byPID[pid]
	x.bytes -= snaps[0].size()
	if len(snaps) > 1 {
		x.byPID[pid] = snaps[1:]
	} else {
		delete(x.byPID, pid)
	}
}
