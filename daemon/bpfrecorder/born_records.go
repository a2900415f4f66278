package bpfrecorder

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/secprofiles/spo/bpf"
)

// ErrNotRecordingNew is returned by the born-namespace methods of a
// recorder loaded without Options.RecordNew.
var ErrNotRecordingNew = errors.New("the recorder was loaded without RecordNew")

func (r *Recorder) openBirths(proc string) error {
	rd, err := ringbuf.NewReader(r.coll.Maps["births"])
	if err != nil {
		return fmt.Errorf("opening the birth ring buffer: %w", err)
	}
	if proc == "" {
		proc = "/proc"
	}
	r.births = newBirths(rd, proc).start()
	return nil
}

// Born returns the namespaces recorded for a container since the recorder
// loaded, oldest first: usually one, more when a process of the container
// made its own mount namespace. Their records stay until DropBorn, or until
// SweepBorn finds nobody wants them.
func (r *Recorder) Born(containerID string) ([]Namespace, error) {
	if err := r.bornUsable(); err != nil {
		return nil, err
	}
	return r.births.of(containerID), nil
}

func (r *Recorder) bornUsable() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return ErrRecorderShut
	case r.births == nil:
		return ErrNotRecordingNew
	}
	return nil
}

func (r *Recorder) bornBitmap(id uint64) (bpf.RecorderSyscallBitmap, error) {
	var bm bpf.RecorderSyscallBitmap
	if err := r.bornUsable(); err != nil {
		return bm, err
	}
	if err := r.born.Lookup(id, &bm); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return bm, fmt.Errorf("namespace id %d: %w", id, ErrNotRecorded)
		}
		return bm, fmt.Errorf("reading namespace id %d: %w", id, err)
	}
	return bm, nil
}

// BornSyscalls returns the sorted names of the syscalls a born namespace
// made, resolved for arch as Syscalls does.
func (r *Recorder) BornSyscalls(id uint64, arch seccomp.ScmpArch) ([]string, error) {
	bm, err := r.bornBitmap(id)
	if err != nil {
		return nil, err
	}
	return namesOf(numbersOf(bm.Bits[:]), arch)
}

// BornExecutables returns the paths a born namespace passed to execve(2),
// and how many exec events the kernel dropped for lack of ring buffer room.
func (r *Recorder) BornExecutables(id uint64) ([]string, uint64, error) {
	bm, err := r.bornBitmap(id)
	if err != nil {
		return nil, 0, err
	}
	if r.execs == nil {
		return nil, 0, errors.New("executables are not recorded (Options.NoExecutables)")
	}
	return r.execs.list(bornKey(id)), bm.ExecLost, nil
}

// DropBorn deletes a born namespace's record. If the namespace still runs,
// its next syscall records it again from scratch (a new birth).
func (r *Recorder) DropBorn(id uint64) error {
	if err := r.bornUsable(); err != nil {
		return err
	}
	r.births.forget(id)
	if r.execs != nil {
		r.execs.forget(bornKey(id))
	}
	if r.accesses != nil {
		r.accesses.forget(bornKey(id))
	}
	if err := r.born.Delete(id); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("dropping namespace id %d: %w", id, err)
	}
	return nil
}

// SweepBorn drops the records born more than age ago whose container keep
// does not want, and records whose birth event was lost (their container
// is unknown; a live namespace is born again with a new event). It returns
// how many records it dropped.
func (r *Recorder) SweepBorn(keep func(containerID string) bool, age time.Duration) (int, error) {
	if err := r.bornUsable(); err != nil {
		return 0, err
	}
	drop := r.births.unclaimed(keep, time.Now().Add(-age))
	var id uint64
	var bm bpf.RecorderSyscallBitmap
	it := r.born.Iterate()
	var inMap []uint64
	for it.Next(&id, &bm) {
		inMap = append(inMap, id)
	}
	drop = append(drop, r.births.unannounced(inMap, age)...)
	var errs []error
	if err := it.Err(); err != nil {
		errs = append(errs, fmt.Errorf("listing born namespaces: %w", err))
	}
	for _, id := range drop {
		errs = append(errs, r.DropBorn(id))
	}
	return len(drop), errors.Join(errs...)
}

// BornLosses are the kernel's counts of what RecordNew could not record:
// namespaces born while the table was full (not recorded at all; the
// no-BTF recorder adds processes it had no room to follow), and birth
// events dropped (their records cannot be attributed to a container).
func (r *Recorder) BornLosses() (full, lost uint64, err error) {
	if err := r.bornUsable(); err != nil {
		return 0, 0, err
	}
	if err := r.coll.Variables["born_full"].Get(&full); err != nil {
		return 0, 0, fmt.Errorf("reading born_full: %w", err)
	}
	if err := r.coll.Variables["births_lost"].Get(&lost); err != nil {
		return 0, 0, fmt.Errorf("reading births_lost: %w", err)
	}
	if r.kind == KindNoBTF {
		// Processes the pids map had no room for are not recorded either.
		var pids uint64
		if err := r.coll.Variables["pids_full"].Get(&pids); err != nil {
			return 0, 0, fmt.Errorf("reading pids_full: %w", err)
		}
		r.mu.Lock()
		full += pids + r.seedFull
		r.mu.Unlock()
	}
	return full, lost, nil
}
