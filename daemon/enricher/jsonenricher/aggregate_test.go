package jsonenricher

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
)

// fakeNode is the clock and the processes of an aggregating enricher.
type fakeNode struct {
	mu    sync.Mutex
	now   time.Time
	procs map[int]Process
	out   bytes.Buffer
}

// Write is the enricher's output: the test reads it while Run writes.
func (n *fakeNode) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.Write(p)
}

func (n *fakeNode) advance(d time.Duration) { n.mu.Lock(); n.now = n.now.Add(d); n.mu.Unlock() }
func (n *fakeNode) exit(pid int)            { n.mu.Lock(); delete(n.procs, pid); n.mu.Unlock() }
func (n *fakeNode) set(p Process)           { n.mu.Lock(); n.procs[p.PID] = p; n.mu.Unlock() }

func newAggregating(t *testing.T, filters string) (*Enricher, *fakeNode) {
	t.Helper()
	set, err := logfilter.Parse(filters)
	if err != nil {
		t.Fatal(err)
	}
	n := &fakeNode{now: time.Unix(1700000000, 0), procs: map[int]Process{}}
	e := New(Config{Node: "node-a", Out: n, Filters: set, Interval: time.Minute,
		Index: index{cid: {Namespace: "team", Pod: "web", Container: "app"}},
		Now:   func() time.Time { n.mu.Lock(); defer n.mu.Unlock(); return n.now },
		Alive: func(pid int) bool { n.mu.Lock(); defer n.mu.Unlock(); _, ok := n.procs[pid]; return ok },
		ReadProcess: func(_ string, pid int, _ string) Process {
			n.mu.Lock()
			defer n.mu.Unlock()
			if p, ok := n.procs[pid]; ok {
				return p
			}
			return Process{PID: pid, Gone: true}
		}})
	return e, n
}

// lines takes the lines written so far.
func (n *fakeNode) lines(t *testing.T) []Line {
	t.Helper()
	n.mu.Lock()
	text := n.out.String()
	n.out.Reset()
	n.mu.Unlock()
	var out []Line
	for _, raw := range strings.Split(strings.TrimSpace(text), "\n") {
		if raw == "" {
			continue
		}
		var l Line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("line %q: %v", raw, err)
		}
		out = append(out, l)
	}
	return out
}

func rec(pid int, name string, serial uint64) audit.Event {
	ev := execEvent(pid, name)
	ev.Stamp.Serial = serial
	return ev
}

// add adds records and waits for the reads they started.
func add(e *Enricher, evs ...audit.Event) {
	for _, ev := range evs {
		e.Add(ev)
	}
	e.Wait()
}

func TestIntervalAggregatesAProcessAndWritesWhenItEnds(t *testing.T) {
	e, n := newAggregating(t, "")
	n.set(Process{PID: 10, Exe: "/usr/bin/app", Args: []string{"app"}, RequestUID: reqUID, ContainerID: cid})
	add(e, rec(10, "execve", 1), rec(10, "openat", 2), rec(10, "read", 3), rec(10, "openat", 4))
	e.Flush(false)
	if got := n.lines(t); len(got) != 0 {
		t.Fatalf("written before the interval ended: %+v", got)
	}
	n.advance(time.Minute)
	e.Flush(false)
	got := n.lines(t)
	if len(got) != 1 {
		t.Fatalf("%d lines, want 1: %+v", len(got), got)
	}
	l := got[0]
	if l.Syscall != "execve" || !slices.Equal(l.Syscalls, []string{"execve", "openat", "read"}) ||
		l.AuditID != "1700000000.123:1" || l.RequestUID != reqUID || l.Pod != "web" || l.CmdLine != "app" {
		t.Fatalf("line %+v", l)
	}

	// The process keeps running: its next records make a line of their
	// own, which continues it (no exec).
	add(e, rec(10, "write", 5))
	n.advance(59 * time.Second)
	e.Flush(false)
	if got := n.lines(t); len(got) != 0 {
		t.Fatalf("written before the interval ended: %+v", got)
	}
	n.advance(time.Second)
	e.Flush(false)
	if got := n.lines(t); len(got) != 1 || got[0].Syscall != "" || !slices.Equal(got[0].Syscalls, []string{"write"}) || got[0].AuditID != "1700000000.123:5" {
		t.Fatalf("lines %+v", got)
	}
}

func TestIntervalWritesAtExitAndAtTheNextExec(t *testing.T) {
	e, n := newAggregating(t, "")
	n.set(Process{PID: 10, Exe: "/bin/sh", Args: []string{"sh", "-c", "id"}, ContainerID: cid})
	n.set(Process{PID: 11, Exe: "/usr/bin/id", Args: []string{"id"}, ContainerID: cid})
	add(e, rec(10, "execve", 1), rec(11, "execve", 2), rec(11, "getuid", 3))
	n.exit(11)
	e.Flush(false)
	got := n.lines(t)
	if len(got) != 1 || got[0].PID != 11 || !slices.Equal(got[0].Syscalls, []string{"execve", "getuid"}) {
		t.Fatalf("at exit: %+v, want pid 11's line only", got)
	}

	// pid 10 execs again: the shell's image is written at once, the new
	// one is a bucket of its own.
	n.set(Process{PID: 10, Exe: "/usr/bin/ls", Args: []string{"ls"}, ContainerID: cid})
	add(e, rec(10, "execve", 4))
	got = n.lines(t)
	if len(got) != 1 || got[0].Executable != "/bin/sh" || got[0].AuditID != "1700000000.123:1" {
		t.Fatalf("at the exec: %+v, want the shell's line", got)
	}
	// Shutdown writes what is left.
	e.Flush(true)
	if got := n.lines(t); len(got) != 1 || got[0].Executable != "/usr/bin/ls" {
		t.Fatalf("at shutdown: %+v", got)
	}
}

func TestIntervalFiltersEachSyscallAndSkipsHostProcesses(t *testing.T) {
	e, n := newAggregating(t, `[{"action":"drop","syscall":"read"}]`)
	n.set(Process{PID: 10, Exe: "/usr/bin/app", Args: []string{"app"}, ContainerID: cid})
	n.set(Process{PID: 12, Exe: "/usr/bin/top", Args: []string{"top"}}) // the host's
	add(e, rec(10, "read", 1), rec(10, "openat", 2), rec(12, "execve", 3),
		rec(13, "read", 4)) // pid 13 only reads: every syscall dropped
	n.set(Process{PID: 13, Exe: "/usr/bin/cat", Args: []string{"cat"}, ContainerID: cid})
	e.Flush(true)
	got := n.lines(t)
	if len(got) != 1 || got[0].PID != 10 || !slices.Equal(got[0].Syscalls, []string{"openat"}) {
		t.Fatalf("lines %+v, want pid 10's with openat only", got)
	}
}

func TestIntervalIgnoresUnresolvedSyscalls(t *testing.T) {
	e, n := newAggregating(t, "")
	n.set(Process{PID: 10, Exe: "/usr/bin/app", Args: []string{"app"}, ContainerID: cid})
	add(e, rec(10, "", 1))
	e.Flush(true)
	if got := n.lines(t); len(got) != 0 {
		t.Fatalf("lines %+v", got)
	}
}

func TestRunFlushesOnItsOwnAndAtTheEnd(t *testing.T) {
	e, n := newAggregating(t, "")
	n.set(Process{PID: 10, Exe: "/usr/bin/app", Args: []string{"app"}, ContainerID: cid})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	add(e, rec(10, "execve", 1))
	n.exit(10)
	// Run's ticker (real time, one second) writes the exited process's
	// line; the fake clock never reaches the interval.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n.mu.Lock()
		written := n.out.Len() > 0
		n.mu.Unlock()
		if written {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run never wrote the line of an exited process")
		}
	}
	n.set(Process{PID: 11, Exe: "/usr/bin/app", Args: []string{"app"}, ContainerID: cid})
	add(e, rec(11, "execve", 2))
	cancel()
	<-done
	if got := n.lines(t); len(got) != 2 || got[1].PID != 11 {
		t.Fatalf("lines %+v, want pid 10's, then pid 11's at the end", got)
	}
}
