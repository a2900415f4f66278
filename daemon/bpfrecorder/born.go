package bpfrecorder

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/cilium/ebpf/ringbuf"

	"github.com/secprofiles/spo/daemon/containerid"
)

// Namespace is a mount namespace recorded since its first syscall
// (Options.RecordNew), and the container it belongs to.
type Namespace struct {
	ID          uint64 // never reused (ns_id, or mnt_namespace.seq before 6.18)
	MntNS       uint32 // proc inode number, as /proc/<pid>/ns/mnt shows it
	PID         uint32 // the process whose syscall created the record
	ContainerID string // "" when no cgroup of that process names a container
	Born        time.Time
}

// birthEvent mirrors struct birth_event in bpf/recorder.bpf.c.
type birthEvent struct {
	NsID     uint64
	MntNS    uint32
	PID      uint32
	Cgroup   [128]byte
	CgroupV1 [128]byte
}

// births attributes born namespaces to containers from the kernel's birth
// events. The attribution is made from what the kernel saw when the
// namespace made its first syscall, so it holds for processes long gone.
type births struct {
	rd   *ringbuf.Reader
	proc string // host /proc, for events whose cgroups name no container
	// decode turns an event into a namespace (nil: none to record).
	decode func(raw []byte) *Namespace
	// live, with the no-BTF recorder, lists the processes holding a
	// record; nil with BTF, whose events name the cgroups themselves.
	live func(id uint64) []uint32
	// A goroutine waits on the ring buffer and handles each event at once
	// (the no-BTF recorder must read /proc while the process lives).
	flushMu sync.Mutex    // one catchUp at a time
	flushed chan struct{} // the reader reached a Flush

	mu          sync.Mutex
	byID        map[uint64]*Namespace
	byContainer map[string][]uint64
	// unknownSince: records found in the kernel map without a birth event
	// (lost, or not yet drained), by when they were first found so.
	unknownSince map[uint64]time.Time

	stop, done chan struct{}
}

func newBirths(rd *ringbuf.Reader, proc string) *births {
	b := &births{rd: rd, proc: proc, byID: map[uint64]*Namespace{}, byContainer: map[string][]uint64{},
		unknownSince: map[uint64]time.Time{}, flushed: make(chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	b.decode = b.decodeBTF
	return b
}

// start runs the goroutine that moves events into b.
func (b *births) start() *births {
	go b.readLoop()
	return b
}

// readLoop handles each event as it arrives, until the reader is closed.
func (b *births) readLoop() {
	defer close(b.done)
	var rec ringbuf.Record
	for {
		err := b.rd.ReadInto(&rec)
		switch {
		case errors.Is(err, ringbuf.ErrFlushed):
			select {
			case b.flushed <- struct{}{}:
			case <-b.stop:
				return
			}
		case err != nil:
			return // closed
		default:
			if ns := b.decode(rec.RawSample); ns != nil {
				b.mu.Lock()
				b.add(ns)
				b.mu.Unlock()
			}
		}
	}
}

// catchUp returns once every event the kernel sent before the call is in
// b. b.mu must not be held.
func (b *births) catchUp() {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	if b.rd.Flush() != nil {
		return
	}
	select {
	case <-b.flushed:
	case <-b.done:
	}
}

// decodeBTF reads a struct birth_event of bpf/recorder.bpf.c.
func (b *births) decodeBTF(raw []byte) *Namespace {
	var ev birthEvent
	if len(raw) < binary.Size(ev) || binary.Read(bytes.NewReader(raw), binary.NativeEndian, &ev) != nil {
		return nil
	}
	return &Namespace{ID: ev.NsID, MntNS: ev.MntNS, PID: ev.PID, Born: time.Now(), ContainerID: b.containerOf(&ev)}
}

func (b *births) add(ns *Namespace) {
	if old := b.byID[ns.ID]; old != nil {
		b.remove(ns.ID) // deleted by user space and born again
	}
	b.byID[ns.ID] = ns
	if ns.ContainerID != "" {
		b.byContainer[ns.ContainerID] = append(b.byContainer[ns.ContainerID], ns.ID)
	}
}

func (b *births) remove(id uint64) {
	ns := b.byID[id]
	if ns == nil {
		return
	}
	delete(b.byID, id)
	ids := b.byContainer[ns.ContainerID]
	for i, x := range ids {
		if x == id {
			ids = append(ids[:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(b.byContainer, ns.ContainerID)
	} else {
		b.byContainer[ns.ContainerID] = ids
	}
}

// reattribute looks again at namespaces whose first process was in no
// container's cgroup: a runtime that moves a process into the container's
// cgroup only after it unshared (not runc) is seen there later. b.mu must
// be held.
func (b *births) reattribute() {
	if b.live != nil {
		b.reattributeLive()
		return
	}
	for _, ns := range b.byID {
		if ns.ContainerID != "" {
			continue
		}
		// Only while the process is still in that namespace: its pid
		// may have been reused.
		if mnt, err := MountNamespaceOfProc(b.proc, int(ns.PID)); err != nil || mnt != ns.MntNS {
			continue
		}
		if id := b.procContainer(ns.PID); id != "" {
			ns.ContainerID = id
			b.byContainer[id] = append(b.byContainer[id], ns.ID)
		}
	}
}

func (b *births) procContainer(pid uint32) string { return procContainerOf(b.proc, pid) }

// procContainerOf names the container of a process from its
// /proc/<pid>/cgroup ("" if none, or if it is gone).
func procContainerOf(proc string, pid uint32) string {
	content, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(int(pid)), "cgroup"))
	if err != nil {
		return ""
	}
	id, _ := containerid.FromCgroup(string(content))
	return id
}

// containerOf names the container from the event's cgroup names, else from
// the process's /proc/<pid>/cgroup if it still runs.
func (b *births) containerOf(ev *birthEvent) string {
	for _, name := range [][]byte{ev.Cgroup[:], ev.CgroupV1[:]} {
		name, _, _ = bytes.Cut(name, []byte{0})
		if id, ok := containerid.FromCgroupDir(string(name)); ok {
			return id
		}
	}
	return b.procContainer(ev.PID)
}

// of returns the namespaces attributed to a container, oldest first.
func (b *births) of(containerID string) []Namespace {
	b.catchUp()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reattribute()
	var out []Namespace
	for _, id := range b.byContainer[containerID] {
		out = append(out, *b.byID[id])
	}
	return out
}

// unclaimed returns the ids of namespaces born before cutoff whose
// container keep does not want.
func (b *births) unclaimed(keep func(containerID string) bool, cutoff time.Time) []uint64 {
	b.catchUp()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []uint64
	for id, ns := range b.byID {
		if ns.Born.Before(cutoff) && (ns.ContainerID == "" || !keep(ns.ContainerID)) {
			out = append(out, id)
		}
	}
	return out
}

// unannounced returns the ids in inMap that have had no birth event for
// longer than age: their event was lost, so their container is unknown.
func (b *births) unannounced(inMap []uint64, age time.Duration) []uint64 {
	b.catchUp()
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	seen := map[uint64]bool{}
	var out []uint64
	for _, id := range inMap {
		if b.byID[id] != nil {
			continue
		}
		seen[id] = true
		since, ok := b.unknownSince[id]
		if !ok {
			b.unknownSince[id] = now
		} else if now.Sub(since) > age {
			out = append(out, id)
		}
	}
	for id := range b.unknownSince {
		if !seen[id] {
			delete(b.unknownSince, id)
		}
	}
	return out
}

func (b *births) forget(id uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remove(id)
}

func (b *births) close() error {
	close(b.stop)
	err := b.rd.Close() // interrupts a blocked read
	<-b.done
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
