package bpfrecorder

import (
	"bytes"
	"encoding/binary"

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

// newExecReader collects the executables of exec events by recording.
func newExecReader(rd *ringbuf.Reader, keyOf func(*execEvent) execKey) *pathReader {
	if keyOf == nil {
		keyOf = (*execEvent).key
	}
	return newPathReader(rd, func(raw []byte) (execKey, string, uint8, bool) {
		ev, ok := parseExecEvent(raw)
		return keyOf(&ev), ev.filename(), 0, ok
	})
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
