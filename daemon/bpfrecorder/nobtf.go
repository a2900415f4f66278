package bpfrecorder

import (
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/secprofiles/spo/bpf"
)

// The no-BTF recorder (bpf/recorder_nobtf.bpf.c): classic tracepoints and
// a tgid -> record map instead of reading each task's mount namespace. Its
// public behaviour is the BTF recorder's; what differs is described in
// doc.go. This file loads and attaches it; nobtf_procs.go fills the pids
// map from /proc, nobtf_births.go attributes births.

// maxTracked mirrors MAX_TRACKED in bpf/*.bpf.c (slots of syscalls).
const maxTracked = 1024

// Record keys in the pids map (bpf/recorder_nobtf.bpf.c).
const (
	keyTracked = uint64(1) << 63 // | slot: a namespace tracked by Track
	keyIgnore  = ^uint64(0)      // a process of the host namespace
	keyUser    = uint64(1) << 62 // | n: born keys handed out by user space
)

func loadNoBTF(host uint32, opts Options) (*Recorder, error) {
	tracefs, err := tracefsDir()
	if err != nil {
		return nil, err
	}
	layout, err := checkFormats(tracefs, !opts.NoExecutables)
	if err != nil {
		return nil, err
	}
	spec, err := noBTFSpec(layout, opts)
	if err != nil {
		return nil, err
	}
	limits, err := prepareNoBTFAppArmor(spec, tracefs, opts.AppArmor)
	if err != nil {
		return nil, err
	}
	coll, err := newCollection(spec, nil, ErrTracepoint)
	if err != nil {
		return nil, err
	}
	r := &Recorder{kind: KindNoBTF, host: host, coll: coll, proc: procOr(opts.ProcPath),
		syscalls: coll.Maps["syscalls"], born: coll.Maps["born"], pids: coll.Maps["pids"],
		slots: map[uint32]uint32{}, trackedNS: map[uint32]bool{}, appArmor: opts.AppArmor,
		appArmorLimits: limits}
	// Fork and exit first: a process tracked from then on keeps its
	// children. Births are read before /proc is scanned, so no process
	// that gets a namespace in between is missed.
	err = r.attachTracepoints(tracefs, !opts.NoExecutables)
	if err == nil && opts.AppArmor {
		r.attachNoBTFAppArmor(tracefs)
	}
	if err == nil && opts.RecordNew {
		r.births, err = newBlockingBirths(r, coll.Maps["births"])
		if err == nil {
			err = r.seedExisting()
		}
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func procOr(proc string) string {
	if proc == "" {
		return "/proc"
	}
	return proc
}

func noBTFSpec(layout tracepointLayout, opts Options) (*ebpf.CollectionSpec, error) {
	spec, err := bpf.LoadRecorderNoBTF()
	if err != nil {
		return nil, fmt.Errorf("reading the embedded no-BTF BPF object: %w", err)
	}
	if err := spec.Variables["record_new"].Set(opts.RecordNew); err != nil {
		return nil, fmt.Errorf("setting record_new: %w", err)
	}
	// One program per record layout: keep the running kernel's, under the
	// name attach uses.
	pick := func(name, variant string, useVariant bool) {
		if useVariant {
			spec.Programs[name] = spec.Programs[variant]
		}
		delete(spec.Programs, variant)
	}
	pick("sched_process_fork", "sched_process_fork_comm_arrays", layout.forkCommArrays)
	pick("sched_process_exit", "sched_process_exit_no_group_dead", !layout.exitHasGroupDead)
	if !opts.RecordNew {
		// The verifier prunes the birth paths (record_new is read-only),
		// but the maps must exist: keep them minimal.
		spec.Maps["born"].MaxEntries = 1
		spec.Maps["pending"].MaxEntries = 1
		spec.Maps["births"].MaxEntries = uint32(os.Getpagesize())
	}
	delete(spec.Programs, "sys_enter_empty")
	if opts.NoExecutables {
		delete(spec.Programs, "sched_process_exec")
		delete(spec.Maps, "execs")
	}
	return spec, nil
}

func (r *Recorder) attachTracepoints(tracefs string, execs bool) error {
	for _, name := range []string{"sched_process_fork", "sched_process_exit"} {
		if err := r.attachTracepoint(tracefs, "sched", name); err != nil {
			return err
		}
	}
	l, err := attachRawSysEnter(r.coll.Programs["sys_enter"])
	if err != nil {
		return err
	}
	r.links = append(r.links, l)
	if !execs {
		return nil
	}
	if err := r.attachTracepoint(tracefs, "sched", "sched_process_exec"); err != nil {
		return err
	}
	rd, err := ringbuf.NewReader(r.coll.Maps["execs"])
	if err != nil {
		return fmt.Errorf("opening the exec ring buffer: %w", err)
	}
	r.execs = newExecReader(rd, r.noBTFExecKey)
	return nil
}

// attachTracepoint attaches the program named like the event.
func (r *Recorder) attachTracepoint(tracefs, group, name string) error {
	l, err := attachClassic(tracefs, group, name, r.coll.Programs[name])
	if err != nil {
		return featureError(ErrTracepoint, "attaching tracepoint "+group+"/"+name, err)
	}
	r.links = append(r.links, l)
	return nil
}

// noBTFExecKey names the recording of an exec event: for a tracked record
// the program sends the slot, which user space maps back to its namespace.
func (r *Recorder) noBTFExecKey(ev *execEvent) execKey {
	if ev.Born != 0 {
		return bornKey(ev.NsID)
	}
	if ev.MntNS >= uint32(len(r.slotNS)) {
		return trackedKey(0)
	}
	return trackedKey(r.slotNS[ev.MntNS].Load())
}
