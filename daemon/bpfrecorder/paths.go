package bpfrecorder

import (
	"errors"
	"maps"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/cilium/ebpf/ringbuf"
)

// pathReader moves path events (executables, file accesses) from a ring
// buffer into per-recording sets, every drainEvery and whenever someone
// asks for a recording's paths. Each path carries the union of the access
// bits its events had.
type pathReader struct {
	rd    *ringbuf.Reader
	parse func(raw []byte) (key execKey, path string, bits uint8, ok bool)
	mu    sync.Mutex
	seen  map[execKey]map[string]uint8
	stop  chan struct{}
	done  chan struct{}
}

const drainEvery = 100 * time.Millisecond

func newPathReader(rd *ringbuf.Reader, parse func([]byte) (execKey, string, uint8, bool)) *pathReader {
	e := &pathReader{rd: rd, parse: parse, seen: map[execKey]map[string]uint8{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go e.loop()
	return e
}

func (e *pathReader) loop() {
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
func (e *pathReader) drain() {
	e.rd.SetDeadline(time.Unix(1, 0)) // in the past: return what is there
	var rec ringbuf.Record
	for {
		if err := e.rd.ReadInto(&rec); err != nil {
			return // os.ErrDeadlineExceeded once empty, or closed
		}
		if key, path, bits, ok := e.parse(rec.RawSample); ok && path != "" {
			e.add(key, path, bits)
		}
	}
}

func (e *pathReader) add(ns execKey, path string, bits uint8) {
	set := e.seen[ns]
	if set == nil {
		set = map[string]uint8{}
		e.seen[ns] = set
	}
	set[path] |= bits
}

// list returns the paths seen in ns, sorted.
func (e *pathReader) list(ns execKey) []string {
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

// bits returns the paths seen in ns with their access bits.
func (e *pathReader) bits(ns execKey) map[string]uint8 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.drain()
	return maps.Clone(e.seen[ns])
}

func (e *pathReader) forget(ns execKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.drain()
	delete(e.seen, ns)
}

func (e *pathReader) close() error {
	close(e.stop)
	<-e.done
	err := e.rd.Close()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
