package bpfrecorder

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"

	"github.com/secprofiles/spo/bpf"
)

// DefaultBTFPath is where the kernel exposes its own BTF.
const DefaultBTFPath = "/sys/kernel/btf/vmlinux"

// Options configure Load. The zero value records syscalls and executables
// on the running kernel, skipping the mount namespace of /proc/1.
type Options struct {
	// BTFPath is the kernel BTF to relocate against. Empty (or
	// DefaultBTFPath): that file, or the no-BTF recorder when it is
	// missing; BTFNone: the no-BTF recorder; another path: that file,
	// which must exist. See SelectRecorder.
	BTFPath string
	// ProcPath is the host's /proc ("/proc" if empty); the host mount
	// namespace is that of PID 1 there (our own if PID 1's is unreadable).
	ProcPath string
	// HostMountNamespace overrides the namespace read from ProcPath.
	HostMountNamespace uint32
	// NoExecutables skips the sched_process_exec program and ring buffer.
	NoExecutables bool
	// AppArmor also records, from each recording's first exec on, the
	// files opened and mapped executable, the sockets created and the
	// capabilities granted (see AppArmor). The no-BTF recorder records
	// no files; AppArmorLimits lists what the recorder lacks. The exec
	// program starts it: with NoExecutables nothing is recorded.
	AppArmor bool
	// RecordNew records every mount namespace other than the host's from
	// its first syscall while the recorder is loaded, attributed to its
	// container (see Born). Without it only tracked namespaces are recorded.
	RecordNew bool
}

// Recorder is a loaded and attached recorder. Its methods are safe for
// concurrent use.
type Recorder struct {
	kind     Kind
	host     uint32
	coll     *ebpf.Collection
	tracked  *ebpf.Map
	syscalls *ebpf.Map
	filter   *trackedFilter
	links    []io.Closer
	execs    *pathReader // nil with NoExecutables
	accesses *pathReader // nil without Options.AppArmor (or without BTF)
	appArmor bool        // Options.AppArmor
	// appArmorLimits: what Options.AppArmor cannot record on this kernel.
	appArmorLimits []string
	born           *ebpf.Map
	births         *births // nil without RecordNew

	// No-BTF recorder only (nil or unused with BTF).
	pids      *ebpf.Map                 // tgid -> record key
	proc      string                    // host /proc, to find processes
	slotNS    [maxTracked]atomic.Uint32 // slot -> tracked namespace (exec events)
	trackedNS map[uint32]bool           // namespaces between Track and Untrack
	userKeys  uint64                    // born keys handed out by user space
	seedFull  uint64                    // namespaces not seeded: born was full

	mu       sync.Mutex
	session  uint64
	slots    map[uint32]uint32 // recorded, not yet forgotten: mntns -> slot
	free     []uint32          // slots forgotten, to reuse
	nextSlot uint32            // slots never used start here
	closed   bool
}

// Load loads the BPF programs the options need and attaches them.
func Load(opts Options) (*Recorder, error) {
	host, err := hostNamespace(opts)
	if err != nil {
		return nil, err
	}
	if kind, _ := SelectRecorder(opts.BTFPath); kind == KindNoBTF {
		return loadNoBTF(host, opts)
	}
	kernel, err := kernelBTF(opts.BTFPath)
	if err != nil {
		return nil, err
	}
	coll, limits, err := loadCollection(kernel, host, opts)
	if err != nil {
		return nil, err
	}
	r := &Recorder{kind: KindBTF, host: host, coll: coll, appArmor: opts.AppArmor, appArmorLimits: limits,
		tracked: coll.Maps["tracked"], syscalls: coll.Maps["syscalls"], born: coll.Maps["born"],
		slots: map[uint32]uint32{}}
	r.filter, err = newTrackedFilter(coll.Variables["tracked_filter"])
	if err == nil && opts.RecordNew {
		err = r.openBirths(opts.ProcPath)
	}
	if err == nil {
		err = r.attach(!opts.NoExecutables)
	}
	if err == nil && opts.AppArmor {
		err = r.attachAppArmor()
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func hostNamespace(opts Options) (uint32, error) {
	if opts.HostMountNamespace != 0 {
		return opts.HostMountNamespace, nil
	}
	proc := opts.ProcPath
	if proc == "" {
		proc = "/proc"
	}
	ns, err := MountNamespaceOfProc(proc, 1)
	if errors.Is(err, os.ErrPermission) {
		// PID 1 belongs to a sandbox we may not inspect (ptrace access mode
		// check in fs/proc/namespaces.c): we are then its only view of the
		// host, so our own namespace is the one never to record.
		ns, err = MountNamespaceOfProc(proc, os.Getpid())
	}
	if err != nil {
		return 0, fmt.Errorf("host mount namespace: %w", err)
	}
	return ns, nil
}

func kernelBTF(path string) (*btf.Spec, error) {
	if path == "" {
		path = DefaultBTFPath
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w at %s (kernel built without CONFIG_DEBUG_INFO_BTF?): %w", ErrNoBTF, path, err)
	}
	defer f.Close()
	spec, err := btf.LoadSpecFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrNoBTF, path, err)
	}
	return spec, nil
}

// loadCollection loads sys_enter (and, unless NoExecutables,
// sched_process_exec with its ring buffer; with AppArmor, its programs)
// with host_mntns, record_new and record_apparmor set; other programs are
// not loaded. It also returns what AppArmor recording lacks here.
func loadCollection(kernel *btf.Spec, host uint32, opts Options) (*ebpf.Collection, []string, error) {
	spec, err := bpf.LoadRecorder()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the embedded BPF object: %w", err)
	}
	if err := spec.Variables["host_mntns"].Set(host); err != nil {
		return nil, nil, fmt.Errorf("setting host_mntns: %w", err)
	}
	if err := spec.Variables["record_new"].Set(opts.RecordNew); err != nil {
		return nil, nil, fmt.Errorf("setting record_new: %w", err)
	}
	limits, err := prepareAppArmor(spec, kernel, opts.AppArmor)
	if err != nil {
		return nil, nil, err
	}
	if !opts.RecordNew {
		// The verifier prunes the born path (record_new is read-only), but
		// the maps must exist: keep them minimal.
		spec.Maps["born"].MaxEntries = 1
		spec.Maps["births"].MaxEntries = uint32(os.Getpagesize())
	}
	delete(spec.Programs, "sys_enter_empty")
	if opts.NoExecutables {
		delete(spec.Programs, "sched_process_exec")
		delete(spec.Maps, "execs")
	}
	coll, err := newCollection(spec, kernel, ErrNoTpBTF)
	return coll, limits, err
}

// newCollection loads spec; a refusal other than the verifier's or for
// privileges is wrapped in missing (the feature the programs need).
func newCollection(spec *ebpf.CollectionSpec, kernel *btf.Spec, missing error) (*ebpf.Collection, error) {
	_ = rlimit.RemoveMemlock() // kernels ≥5.11 charge BPF memory to the cgroup instead
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{KernelTypes: kernel},
	})
	if err != nil {
		var verr *ebpf.VerifierError
		if errors.As(err, &verr) {
			return nil, fmt.Errorf("the kernel verifier rejected the recorder: %w", err)
		}
		return nil, featureError(missing, "loading the BPF recorder", err)
	}
	return coll, nil
}

func (r *Recorder) attach(execs bool) error {
	if err := r.attachTpBTF("sys_enter"); err != nil {
		return err
	}
	if !execs {
		return nil
	}
	if err := r.attachTpBTF("sched_process_exec"); err != nil {
		return err
	}
	rd, err := ringbuf.NewReader(r.coll.Maps["execs"])
	if err != nil {
		return fmt.Errorf("opening the exec ring buffer: %w", err)
	}
	r.execs = newExecReader(rd, nil)
	return nil
}

func (r *Recorder) attachTpBTF(name string) error {
	l, err := attachTracing(r.coll.Programs[name])
	if err != nil {
		return featureError(ErrNoTpBTF, "attaching tp_btf/"+name, err)
	}
	r.links = append(r.links, l)
	return nil
}

func attachTracing(prog *ebpf.Program) (link.Link, error) {
	return link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
}

// HostMountNamespace is the namespace this recorder never records.
func (r *Recorder) HostMountNamespace() uint32 { return r.host }

// Close detaches the programs and frees the maps, with all recorded data.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	var errs []error
	for _, l := range r.links {
		errs = append(errs, l.Close())
	}
	if r.execs != nil {
		errs = append(errs, r.execs.close())
	}
	if r.accesses != nil {
		errs = append(errs, r.accesses.close())
	}
	if r.births != nil {
		errs = append(errs, r.births.close())
	}
	r.coll.Close()
	return errors.Join(errs...)
}
