package jsonenricher

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
)

// Config configures an Enricher.
type Config struct {
	Node     string
	ProcRoot string // the host's /proc; default "/proc"
	// Index names the pod of a container; lines of containers it does not
	// know (yet) carry the container id only.
	Index   enricher.PodIndex
	Filters logfilter.Set
	Out     io.Writer
	Log     logr.Logger
	// ReadProcess reads a process; default ReadProcess. Tests of the
	// decisions replace it.
	ReadProcess func(procRoot string, pid int, callerExe string) Process
	// Execs, when set, remembers processes as they exec'd (ExecEvents.Run
	// fills it): a process gone before its record arrived is described
	// from there.
	Execs *Execs
	// Interval is SPO's auditLogIntervalSeconds. Zero: one line per exec
	// record, written as it arrives; other records are ignored. Above
	// zero: every SECCOMP record of a container process is aggregated per
	// process image, one line per process per interval (see Flush).
	Interval time.Duration
	// Now and Alive are the clock and the process check of the
	// aggregation; defaults time.Now and /proc/<pid> existing.
	Now   func() time.Time
	Alive func(pid int) bool
}

// maxReaders bounds the records read from /proc at once. Above it Add
// reads in the caller, which slows the source down rather than growing
// without bound.
const maxReaders = 64

// Enricher turns exec records into JSON lines. It is safe for concurrent
// use: lines are written whole, one at a time.
type Enricher struct {
	cfg     Config
	mu      sync.Mutex
	enc     *json.Encoder
	readers chan struct{}
	wg      sync.WaitGroup
	agg     *aggregator // nil without Interval
}

// New returns an enricher writing to cfg.Out.
func New(cfg Config) *Enricher {
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.ReadProcess == nil {
		cfg.ReadProcess = ReadProcess
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Alive == nil {
		root := cfg.ProcRoot
		cfg.Alive = func(pid int) bool {
			_, err := os.Stat(filepath.Join(root, strconv.Itoa(pid)))
			return err == nil
		}
	}
	enc := json.NewEncoder(cfg.Out)
	enc.SetEscapeHTML(false)
	e := &Enricher{cfg: cfg, enc: enc, readers: make(chan struct{}, maxReaders)}
	if cfg.Interval > 0 {
		e.agg = newAggregator(cfg.Interval, cfg.Now, cfg.Alive)
	}
	return e
}

// IsExec says whether ev is a record of a process exec.
func IsExec(ev audit.Event) bool {
	return ev.Seccomp != nil && (ev.Seccomp.SyscallName == "execve" || ev.Seccomp.SyscallName == "execveat")
}

// Add writes the line of ev when it is an exec in a container and the
// filters keep it. It must be called as the record arrives: /proc/<pid>
// goes with the process. Execs of host processes are not written.
//
// The process is read in a goroutine of its own (up to maxReaders at
// once): reading may wait for the exec to complete, and records keep
// arriving meanwhile. Lines are therefore not in record order; their
// timestamp and auditID are. Wait waits for the reads in flight.
//
// With an Interval, every SECCOMP record is added to its process's bucket;
// the process is read when its bucket opens, and lines are written by
// Flush.
func (e *Enricher) Add(ev audit.Event) {
	if e.agg != nil {
		e.aggregate(ev)
		return
	}
	if !IsExec(ev) {
		return
	}
	e.async(func() { e.write(ev) })
}

// async runs f in a reader goroutine, or in the caller when maxReaders
// are busy.
func (e *Enricher) async(f func()) {
	e.wg.Add(1)
	select {
	case e.readers <- struct{}{}:
		go func() {
			defer func() { <-e.readers; e.wg.Done() }()
			f()
		}()
	default:
		defer e.wg.Done()
		f()
	}
}

// Wait returns when every record added so far is written or dropped.
func (e *Enricher) Wait() { e.wg.Wait() }

// read reads the process of ev from /proc, or, once it is gone, takes it
// from Execs. callerExe is the program that called execve for an exec
// record, "" for any other.
func (e *Enricher) read(ev audit.Event, callerExe string) Process {
	s := ev.Seccomp
	p := e.cfg.ReadProcess(e.cfg.ProcRoot, s.PID, callerExe)
	if !p.Gone || e.cfg.Execs == nil {
		return p
	}
	at := time.Unix(ev.Stamp.Seconds, int64(ev.Stamp.Millis)*int64(time.Millisecond))
	exec := IsExec(ev)
	for try := 0; ; try++ {
		if snap, ok := e.cfg.Execs.find(s.PID, callerExe, exec, at); ok {
			return snap
		}
		// An exec's snapshot is taken a moment after the exec; with the
		// netlink source its record can be here sooner. Any other
		// record's image was taken at its exec, long before.
		if !exec || try == execWaits {
			return p
		}
		time.Sleep(execWaitDelay)
	}
}

// execWaits and execWaitDelay bound the wait for an exec's snapshot in
// the making.
const (
	execWaits     = 5
	execWaitDelay = 5 * time.Millisecond
)

func (e *Enricher) write(ev audit.Event) {
	p := e.read(ev, ev.Seccomp.Exe)
	l, ok := e.line(ev.Seccomp, ev.Stamp, p)
	if !ok {
		return
	}
	if !e.cfg.Filters.Keep(record(l, ev.Seccomp)) {
		execLines.WithLabelValues(resultFiltered).Inc()
		return
	}
	e.encode(l)
}

// line is the line of a record and its process; false for a process in
// no container (the host's), which gets none.
func (e *Enricher) line(s *audit.Seccomp, stamp audit.Stamp, p Process) (Line, bool) {
	if p.ContainerID == "" {
		if p.Gone {
			execLines.WithLabelValues(resultGone).Inc()
		}
		return Line{}, false
	}
	l := newLine(e.cfg.Node, s, stamp, p)
	if w, ok := e.cfg.Index.Lookup(p.ContainerID); ok {
		l.Namespace, l.Pod, l.Container = w.Namespace, w.Pod, w.Container
	}
	return l, true
}

func (e *Enricher) encode(l Line) {
	e.mu.Lock()
	err := e.enc.Encode(l)
	e.mu.Unlock()
	if err != nil {
		execLines.WithLabelValues(resultError).Inc()
		e.cfg.Log.Error(err, "writing an exec line", "pid", l.PID, "container", l.ContainerID)
		return
	}
	execLines.WithLabelValues(resultWritten).Inc()
}

// record is the line as filters see it: a seccomp record of execve with
// the line's workload fields.
func record(l Line, s *audit.Seccomp) *logfilter.Record {
	return &logfilter.Record{Type: logfilter.TypeSeccomp, Node: l.Node, Namespace: l.Namespace, Pod: l.Pod,
		Container: l.Container, ContainerID: l.ContainerID, Executable: l.Executable, PID: int64(l.PID),
		SyscallID: s.Syscall, Syscall: s.SyscallName, Arch: s.Arch, Action: s.Action}
}
