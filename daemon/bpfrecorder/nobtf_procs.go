package bpfrecorder

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/cilium/ebpf"

	"github.com/secprofiles/spo/bpf"
)

// The no-BTF program follows processes, not namespaces: user space puts a
// namespace's processes into the pids map (Track, and at load with
// RecordNew) and the program follows their children (sched_process_fork).

// maxScans bounds the /proc scans of one Track: each scan adds processes
// forked before their parent was added; a namespace that keeps forking
// faster than a scan converges anyway, its children being followed.
const maxScans = 8

// procsByNamespace lists the thread-group ids under proc by mount
// namespace. Processes that exit meanwhile are skipped.
func procsByNamespace(proc string) (map[uint32][]uint32, error) {
	entries, err := os.ReadDir(proc)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	out := map[uint32][]uint32{}
	for _, e := range entries {
		pid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil || pid == 0 {
			continue
		}
		if ns, err := MountNamespaceOfProc(proc, int(pid)); err == nil {
			out[ns] = append(out[ns], uint32(pid))
		}
	}
	return out, nil
}

// trackProcs makes every process in mntns record into slot, scanning /proc
// until a scan finds no process it had not seen. r.mu is held.
func (r *Recorder) trackProcs(mntns, slot uint32) error {
	key := keyTracked | uint64(slot)
	seen := map[uint32]bool{}
	for range maxScans {
		byNS, err := procsByNamespace(r.proc)
		if err != nil {
			return err
		}
		added := 0
		for _, pid := range byNS[mntns] {
			if seen[pid] {
				continue
			}
			seen[pid] = true
			added++
			if err := r.pids.Put(pid, key); err != nil {
				return fmt.Errorf("following pid %d (at most %d processes): %w", pid, r.pids.MaxEntries(), err)
			}
		}
		if added == 0 {
			break
		}
	}
	r.slotNS[slot].Store(mntns)
	r.trackedNS[mntns] = true
	return nil
}

// untrackProcs stops following the processes recording into slot.
func (r *Recorder) untrackProcs(mntns, slot uint32) error {
	delete(r.trackedNS, mntns)
	return r.setPids(keyTracked|uint64(slot), nil)
}

// setPids replaces key by *to in every pids entry holding it, or deletes
// those entries when to is nil.
func (r *Recorder) setPids(key uint64, to *uint64) error {
	var errs []error
	for _, pid := range r.pidsOf(key) {
		var err error
		if to == nil {
			err = r.pids.Delete(pid)
		} else {
			err = r.pids.Update(pid, *to, ebpf.UpdateExist)
		}
		if !errors.Is(err, ebpf.ErrKeyNotExist) { // exited meanwhile
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("updating followed processes: %w", err)
	}
	return nil
}

// pidsOf returns the processes the kernel follows under key.
func (r *Recorder) pidsOf(key uint64) []uint32 {
	var pid uint32
	var k uint64
	var out []uint32
	it := r.pids.Iterate()
	for it.Next(&pid, &k) {
		if k == key {
			out = append(out, pid)
		}
	}
	return out
}

// seedExisting records, with RecordNew, the namespaces that existed before
// the recorder loaded: the BTF program sees them at their next syscall, the
// no-BTF one only sees births. Each gets a key of user space's range and a
// record attributed from /proc. A process that the program already follows
// (it was born since the programs were attached) keeps its key.
func (r *Recorder) seedExisting() error {
	keys := map[uint32]uint64{}
	seen := map[uint32]bool{}
	for range maxScans {
		byNS, err := procsByNamespace(r.proc)
		if err != nil {
			return err
		}
		added := 0
		for ns, pids := range byNS {
			if ns == r.host {
				continue
			}
			for _, pid := range pids {
				if !seen[pid] {
					seen[pid] = true
					added++
					r.seed(keys, ns, pid)
				}
			}
		}
		if added == 0 {
			return nil
		}
	}
	return nil
}

// seed follows pid under its namespace's key, creating the record first.
func (r *Recorder) seed(keys map[uint32]uint64, ns, pid uint32) {
	key, ok := keys[ns]
	if !ok {
		r.userKeys++
		key = keyUser | r.userKeys
		bm := bpf.RecorderSyscallBitmap{NsId: key, Session: uint64(pid)}
		if err := r.born.Update(key, &bm, ebpf.UpdateNoExist); err != nil {
			r.seedFull++ // reported by BornLosses with the program's misses
			return
		}
		keys[ns] = key
		r.births.addSeeded(&Namespace{ID: key, MntNS: ns, PID: pid, Born: time.Now(),
			ContainerID: procContainerOf(r.proc, pid)})
	}
	_ = r.pids.Update(pid, key, ebpf.UpdateNoExist)
}
