package bpfrecorder

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/cilium/ebpf/ringbuf"
)

// execEvent mirrors struct exec_event in bpf/recorder.bpf.c.
type execEvent struct {
	NsID     uint64
	MntNS    uint32
	PID      uint32
	Born     uint32
	Filename [256]byte
	_        [4]byte // the C struct's tail padding (8-byte alignment)
}

// execKey names a recording: a tracked mount namespace number, or the id
// of a born namespace.
type execKey struct {
	born bool
	id   uint64
}

func trackedKey(mntns uint32) execKey { return execKey{id: uint64(mntns)} }
func bornKey(id uint64) execKey       { return execKey{born: true, id: id} }

func (ev *execEvent) key() execKey {
	if ev.Born != 0 {
		return bornKey(ev.NsID)
	}
	return trackedKey(ev.MntNS)
}

// execReader moves exec events from the ring buffer into per-namespace sets,
// every drainEvery and whenever someone asks for a namespace's executables.
type execReader struct {
	rd    *ringbuf.Reader
	keyOf func(*execEvent) execKey // the recording an event belongs to
	mu    sync.Mutex
	seen  map[execKey]map[string]struct{}
	stop  chan struct{}
	done  chan struct{}
}

const drainEvery = 100 * time.Millisecond

func newExecReader(rd *ringbuf.Reader, keyOf func(*execEvent) execKey) *execReader {
	if keyOf == nil {
		keyOf = (*execEvent).key
	}
	e := &execReader{rd: rd, keyOf: keyOf, seen: map[execKey]map[string]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go e.loop()
	return e
}

func (e *execReader) loop() {
	defer close(e.done)
	t := time.NewTicker(drainEvery)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.mu.Lock()
			e.drain()
			e.mu.Unlock()
		}
	}
}

// drain reads every pending event without blocking; e.mu must be held.
func (e *execReader) drain() {
	e.rd.SetDeadline(time.Unix(1, 0)) // in the past: return what is there
	var rec ringbuf.Record
	for {
		if err := e.rd.ReadInto(&rec); err != nil {
			return // os.ErrDeadlineExceeded once empty, or closed
		}
		if ev, ok := parseExecEvent(rec.RawSample); ok {
			e.add(e.keyOf(&ev), ev.filename())
		}
	}
}

func (e *execReader) add(ns execKey, path string) {
	set := e.seen[ns]
	if set == nil {
		set = map[string]struct{}{}
		e.seen[ns] = set
	}
	set[path] = struct{}{}
}

func parseExecEvent(raw []byte) (execEvent, bool) {
	var ev execEvent
	if len(raw) < binary.Size(ev) {
		return ev, false
	}
	err := binary.Read(bytes.NewReader(raw), binary.NativeEndian, &ev)
	return ev, err == nil
}

func (ev *execEvent) filename() string {
	name, _, _ := bytes.Cut(ev.Filename[:], []byte{0})
	return string(name)
}

// list returns the executables seen in ns, sorted.
func (e *execReader) list(ns execKey) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.drain()
	out := make([]string, 0, len(e.seen[ns]))
	for p := range e.seen[ns] {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (e *execReader) forget(ns execKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.drain()
	delete(e.seen, ns)
}

func (e *execReader) close() error {
	close(e.stop)
	<-e.done
	err := e.rd.Close()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
