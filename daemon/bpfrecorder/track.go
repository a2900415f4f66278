package bpfrecorder

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/secprofiles/spo/bpf"
)

// Status is what the kernel side holds for one recorded namespace.
type Status struct {
	Session  uint64 // recording session, new for every fresh Track
	Tracked  bool   // between Track and Untrack
	Foreign  uint64 // syscalls of another namespace with the same number, not recorded
	ExecLost uint64 // exec events dropped because the ring buffer was full
}

// Track starts recording mntns in a new session. Tracking a number that is
// already tracked does nothing. A number whose previous recording was
// untracked but not yet forgotten is refused with ErrUncollected: the kernel
// may have reused it for another namespace, so collect and Forget first.
func (r *Recorder) Track(mntns uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable(mntns); err != nil {
		return err
	}
	if _, ok := r.slots[mntns]; ok {
		if r.isTracked(mntns) {
			return nil
		}
		return fmt.Errorf("mount namespace %d: %w", mntns, ErrUncollected)
	}
	slot, err := r.allocSlot()
	if err != nil {
		return fmt.Errorf("tracking mount namespace %d: %w", mntns, err)
	}
	bm := bpf.RecorderSyscallBitmap{Session: r.session + 1}
	err = r.syscalls.Put(slot, &bm)
	if err == nil {
		err = r.startTracking(mntns, slot)
	}
	if err != nil {
		r.stopTracking(mntns, slot)
		r.free = append(r.free, slot)
		return fmt.Errorf("tracking mount namespace %d: %w", mntns, err)
	}
	r.session++
	r.slots[mntns] = slot
	return nil
}

// startTracking makes the kernel record mntns into slot: a tracked-map
// entry (BTF), or the namespace's processes in the pids map (no BTF).
func (r *Recorder) startTracking(mntns, slot uint32) error {
	if r.kind == KindNoBTF {
		return r.trackProcs(mntns, slot)
	}
	if err := r.tracked.Put(mntns, slot); err != nil {
		return err
	}
	return r.filter.add(mntns)
}

func (r *Recorder) stopTracking(mntns, slot uint32) {
	if r.kind == KindNoBTF {
		_ = r.untrackProcs(mntns, slot)
		return
	}
	r.tracked.Delete(mntns) // the filter bit is set last: nothing to undo
}

func (r *Recorder) isTracked(mntns uint32) bool {
	if r.kind == KindNoBTF {
		return r.trackedNS[mntns]
	}
	var slot uint32
	return r.tracked.Lookup(mntns, &slot) == nil
}

func (r *Recorder) allocSlot() (uint32, error) {
	if n := len(r.free); n > 0 {
		slot := r.free[n-1]
		r.free = r.free[:n-1]
		return slot, nil
	}
	if r.nextSlot >= r.syscalls.MaxEntries() {
		return 0, fmt.Errorf("all %d recording slots hold uncollected recordings", r.nextSlot)
	}
	r.nextSlot++
	return r.nextSlot - 1, nil
}

func (r *Recorder) usable(mntns uint32) error {
	switch {
	case r.closed:
		return ErrRecorderShut
	case mntns == r.host:
		return fmt.Errorf("%w (%d)", ErrHostNS, mntns)
	case mntns == 0:
		return errors.New("mount namespace 0 is not a namespace")
	}
	return nil
}

// Untrack stops recording mntns; what was recorded stays until Forget.
func (r *Recorder) Untrack(mntns uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrRecorderShut
	}
	return r.untrack(mntns)
}

func (r *Recorder) untrack(mntns uint32) error {
	if r.kind == KindNoBTF {
		slot, ok := r.slots[mntns]
		if !ok || !r.trackedNS[mntns] {
			return nil
		}
		return r.untrackProcs(mntns, slot)
	}
	err := r.tracked.Delete(mntns)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return nil
	}
	if err == nil {
		err = r.filter.remove(mntns)
	}
	if err != nil {
		return fmt.Errorf("untracking mount namespace %d: %w", mntns, err)
	}
	return nil
}

// Forget stops recording mntns and drops its data (after collection).
func (r *Recorder) Forget(mntns uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrRecorderShut
	}
	if err := r.untrack(mntns); err != nil {
		return err
	}
	if r.execs != nil {
		r.execs.forget(trackedKey(mntns))
	}
	if r.accesses != nil {
		r.accesses.forget(trackedKey(mntns))
	}
	if slot, ok := r.slots[mntns]; ok {
		delete(r.slots, mntns)
		r.free = append(r.free, slot)
	}
	return nil
}

func (r *Recorder) bitmap(mntns uint32) (bpf.RecorderSyscallBitmap, error) {
	var bm bpf.RecorderSyscallBitmap
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return bm, ErrRecorderShut
	}
	slot, ok := r.slots[mntns]
	if !ok {
		return bm, fmt.Errorf("mount namespace %d: %w", mntns, ErrNotRecorded)
	}
	if err := r.syscalls.Lookup(slot, &bm); err != nil {
		return bm, fmt.Errorf("reading mount namespace %d: %w", mntns, err)
	}
	return bm, nil
}

// Syscalls returns the sorted names of the syscalls recorded in mntns, for
// arch (the architecture the processes ran as; seccomp.GetNativeArch() for
// the node's own). Numbers libseccomp cannot name make an *UnresolvedError,
// returned with the names that could be resolved.
func (r *Recorder) Syscalls(mntns uint32, arch seccomp.ScmpArch) ([]string, error) {
	bm, err := r.bitmap(mntns)
	if err != nil {
		return nil, err
	}
	return namesOf(numbersOf(bm.Bits[:]), arch)
}

// Executables returns the paths passed to execve(2) in mntns while tracked.
func (r *Recorder) Executables(mntns uint32) ([]string, error) {
	if _, err := r.bitmap(mntns); err != nil {
		return nil, err
	}
	if r.execs == nil {
		return nil, errors.New("executables are not recorded (Options.NoExecutables)")
	}
	return r.execs.list(trackedKey(mntns)), nil
}

// Status reports the kernel-side counters of mntns.
func (r *Recorder) Status(mntns uint32) (Status, error) {
	bm, err := r.bitmap(mntns)
	if err != nil {
		return Status{}, err
	}
	r.mu.Lock()
	tracked := r.isTracked(mntns)
	r.mu.Unlock()
	return Status{Session: bm.Session, Tracked: tracked, Foreign: bm.Foreign, ExecLost: bm.ExecLost}, nil
}
