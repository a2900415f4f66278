package bpfrecorder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/secprofiles/spo/daemon/containerid"
)

// noBTFBirth mirrors struct birth_event in bpf/recorder_nobtf.bpf.c.
type noBTFBirth struct {
	Key      uint64
	CgroupID uint64
	PID      uint32
	Cause    uint32 // birthNew, birthJoin or birthAgain
}

// Why a record was born (BIRTH_* in bpf/recorder_nobtf.bpf.c).
const (
	birthNew   = 1 // unshare, or clone with CLONE_NEWNS: never the host's
	birthJoin  = 2 // setns: may be the host's
	birthAgain = 3 // re-created after user space dropped it
)

// newBlockingBirths reads the no-BTF program's births as they come: the
// event carries no namespace and no cgroup name (no BTF to read them), so
// they are read from /proc/<pid> while the process still runs.
func newBlockingBirths(r *Recorder, m *ebpf.Map) (*births, error) {
	rd, err := ringbuf.NewReader(m)
	if err != nil {
		return nil, fmt.Errorf("opening the birth ring buffer: %w", err)
	}
	b := newBirths(rd, r.proc)
	cg := &cgroupNames{}
	b.decode = func(raw []byte) *Namespace { return r.decodeNoBTF(raw, cg) }
	b.live = r.pidsOf
	return b.start(), nil
}

// decodeNoBTF attributes a birth: the namespace and container of the
// process from /proc, else the container from the cgroup id the kernel saw;
// a process that is in the host's namespace is ignored from then on (its
// record dropped, its pids marked), as the BTF program skips the host's.
func (r *Recorder) decodeNoBTF(raw []byte, cg *cgroupNames) *Namespace {
	var ev noBTFBirth
	if len(raw) < binary.Size(ev) || binary.Read(bytes.NewReader(raw), binary.NativeEndian, &ev) != nil {
		return nil
	}
	ns := &Namespace{ID: ev.Key, PID: ev.PID, Born: time.Now()}
	if mnt, err := MountNamespaceOfProc(r.proc, int(ev.PID)); err == nil {
		switch {
		case mnt != r.host:
			ns.MntNS = mnt
		case ev.Cause != birthNew:
			r.ignoreKey(ev.Key)
			return nil
		}
		// A new namespace /proc shows as the host's: the process joined
		// the host's since (its own birth event follows); its number is
		// found later from the record's other processes, if any.
		ns.ContainerID = procContainerOf(r.proc, ev.PID)
	}
	if ns.ContainerID == "" {
		ns.ContainerID, _ = containerid.FromCgroupDir(cg.name(ev.CgroupID))
	}
	return ns
}

// ignoreKey marks the processes holding key as the host's and drops the
// record: a setns into the host's namespace, or a spurious birth there.
func (r *Recorder) ignoreKey(key uint64) {
	ignore := keyIgnore
	_ = r.setPids(key, &ignore)
	_ = r.born.Delete(key)
	if r.execs != nil {
		r.execs.forget(bornKey(key))
	}
}

// addSeeded records a namespace user space found at load.
func (b *births) addSeeded(ns *Namespace) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.add(ns)
}

// reattributeLive completes namespaces whose container (or number) was not
// known at birth from any process still holding the record: the birth's
// process may be gone (runc's intermediate child exits at once) while its
// children run. The kernel removes exited processes from the pids map, so
// these are live processes of that record. b.mu is held.
func (b *births) reattributeLive() {
	for _, ns := range b.byID {
		if ns.ContainerID != "" && ns.MntNS != 0 {
			continue
		}
		for _, pid := range b.live(ns.ID) {
			if ns.MntNS == 0 {
				if mnt, err := MountNamespaceOfProc(b.proc, int(pid)); err == nil {
					ns.MntNS = mnt
				}
			}
			if ns.ContainerID == "" {
				if id := b.procContainer(pid); id != "" {
					ns.ContainerID = id
					b.byContainer[id] = append(b.byContainer[id], ns.ID)
				}
			}
			if ns.ContainerID != "" && ns.MntNS != 0 {
				break
			}
		}
	}
}

// cgroupNames maps cgroup v2 ids (bpf_get_current_cgroup_id: the kernfs
// node id, which is the directory's inode number) to directory names, by
// walking the host's cgroup2 mounts when an id is not known yet.
type cgroupNames struct {
	mu    sync.Mutex
	names map[uint64]string
	last  time.Time
}

// rewalkEvery bounds the walks a stream of unknown ids can cause.
const rewalkEvery = 100 * time.Millisecond

func (c *cgroupNames) name(id uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.names[id]; ok || time.Since(c.last) < rewalkEvery {
		return n
	}
	c.last = time.Now()
	c.names = map[uint64]string{}
	for _, root := range cgroup2Mounts("/proc/self/mountinfo") {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if info, err := d.Info(); err == nil {
				if st, ok := info.Sys().(*syscall.Stat_t); ok {
					c.names[st.Ino] = d.Name()
				}
			}
			return nil
		})
	}
	return c.names[id]
}

// cgroup2Mounts lists the cgroup2 mount points in a mountinfo file.
func cgroup2Mounts(mountinfo string) []string {
	data, err := os.ReadFile(mountinfo)
	if err != nil {
		return nil
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		fields := strings.Fields(line)
		if sep := slices.Index(fields, "-"); sep > 4 && sep+1 < len(fields) && fields[sep+1] == "cgroup2" {
			out = append(out, fields[4])
		}
	}
	return out
}
