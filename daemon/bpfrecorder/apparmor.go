package bpfrecorder

import (
	"errors"
	"fmt"
	"math/bits"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/secprofiles/spo/bpf"
	"github.com/secprofiles/spo/daemon/apparmor"
)

// ErrNoAppArmor: the recorder was loaded without Options.AppArmor.
var ErrNoAppArmor = errors.New("AppArmor accesses are not recorded (load with Options.AppArmor)")

// AppArmor is what a recording's processes did, from their first exec on,
// that an AppArmor profile must allow (see bpf/recorder_apparmor.h).
type AppArmor struct {
	// Files maps each path opened, mapped executable or exec'd to its
	// access bits (AccessRead, AccessWrite, AccessLibrary, AccessExec).
	// Directories end in "/".
	Files map[string]uint8
	// Capabilities granted, in apparmor.d(5)'s names, sorted by number.
	Capabilities []string
	// Sockets created: TCP and UDP over IPv4/IPv6; Raw for raw or packet.
	TCP, UDP, Raw bool
	// Lost counts file events the kernel dropped (ring buffer full):
	// Files is then incomplete.
	Lost uint64
}

// Socket kinds (NET_* in bpf/recorder_apparmor.h and bpf/nobtf_apparmor.h).
const (
	netTCP = 1
	netUDP = 2
	netRaw = 4
)

// noBTFAppArmorLimit is what the no-BTF recorder never records for
// AppArmor: a file's path is walked from the struct file its fd names
// (bpf/recorder_apparmor.h), which only BTF describes. It records
// executables, sockets and capabilities (bpf/nobtf_apparmor.h).
const noBTFAppArmorLimit = "files and libraries are not recorded without kernel BTF (filesystem and allowedLibraries stay empty): " +
	"their paths are walked from kernel structures (struct file, dentry, vfsmount) that only BTF describes"

// noCapTracepointLimit: include/trace/events/capability.h appeared in
// Linux 6.14; both recorders record capabilities from it.
const noCapTracepointLimit = "capabilities are not recorded: the kernel has no capability/cap_capable tracepoint (Linux 6.14 added it)"

// prepareAppArmor sets record_apparmor and drops what a recorder without
// it does not run. It returns what the kernel lacks for a full AppArmor
// recording, each a sentence for the user.
func prepareAppArmor(spec *ebpf.CollectionSpec, kernel *btf.Spec, on bool) ([]string, error) {
	if err := spec.Variables["record_apparmor"].Set(on); err != nil {
		return nil, fmt.Errorf("setting record_apparmor: %w", err)
	}
	// The path walk runs under bpf_loop (Linux 5.17). cilium/ebpf cannot
	// probe helpers of tracing programs; the helper comes with the base
	// set every program type shares (kernel/bpf/helpers.c), so a
	// tracepoint program stands in.
	files := on && features.HaveProgramHelper(ebpf.TracePoint, asm.FnLoop) == nil
	if err := spec.Variables["record_files"].Set(files); err != nil {
		return nil, fmt.Errorf("setting record_files: %w", err)
	}
	if !on {
		// The verifier prunes sys_enter's AppArmor path, but the maps
		// it names must exist: keep them minimal.
		delete(spec.Programs, "sys_exit_apparmor")
		delete(spec.Programs, "cap_capable_apparmor")
		spec.Maps["accesses"].MaxEntries = uint32(os.Getpagesize())
		spec.Maps["accesses_seen"].MaxEntries = 1
		return nil, nil
	}
	var limits []string
	if !files {
		delete(spec.Programs, "sys_exit_apparmor")
		limits = append(limits, "files are not recorded: the kernel lacks the bpf_loop helper (Linux 5.17)")
	}
	// include/trace/events/capability.h appeared in Linux 6.14; tp_btf
	// finds a tracepoint by its btf_trace_<name> typedef.
	if _, err := kernel.AnyTypeByName("btf_trace_cap_capable"); err != nil {
		delete(spec.Programs, "cap_capable_apparmor")
		limits = append(limits, noCapTracepointLimit)
	}
	return limits, nil
}

// attachAppArmor attaches the AppArmor programs Load kept and starts
// reading file events.
func (r *Recorder) attachAppArmor() error {
	for _, name := range []string{"sys_exit_apparmor", "cap_capable_apparmor"} {
		if r.coll.Programs[name] == nil {
			continue // see AppArmorLimits
		}
		if err := r.attachTpBTF(name); err != nil {
			return err
		}
	}
	rd, err := ringbuf.NewReader(r.coll.Maps["accesses"])
	if err != nil {
		return fmt.Errorf("opening the access ring buffer: %w", err)
	}
	r.accesses = newPathReader(rd, func(raw []byte) (execKey, string, uint8, bool) {
		ev, ok := parseAccessEvent(raw)
		path, bits := ev.policyPath()
		return ev.key(), path, bits, ok
	})
	return nil
}

// AppArmorLimits lists what this recorder cannot record for AppArmor on
// this kernel (empty when it records everything AppArmor covers).
func (r *Recorder) AppArmorLimits() []string { return r.appArmorLimits }

// AppArmor returns what a tracked namespace did for its AppArmor profile.
func (r *Recorder) AppArmor(mntns uint32) (AppArmor, error) {
	bm, err := r.bitmap(mntns)
	if err != nil {
		return AppArmor{}, err
	}
	return r.appArmorOf(bm, trackedKey(mntns))
}

// BornAppArmor returns what a born namespace did for its AppArmor profile.
func (r *Recorder) BornAppArmor(id uint64) (AppArmor, error) {
	bm, err := r.bornBitmap(id)
	if err != nil {
		return AppArmor{}, err
	}
	return r.appArmorOf(bm, bornKey(id))
}

func (r *Recorder) appArmorOf(bm bpf.RecorderSyscallBitmap, key execKey) (AppArmor, error) {
	if !r.appArmor {
		return AppArmor{}, ErrNoAppArmor
	}
	caps, err := capabilityNames(bm.Caps)
	out := AppArmor{Files: map[string]uint8{}, Capabilities: caps, Lost: bm.AccessLost,
		TCP: bm.Net&netTCP != 0, UDP: bm.Net&netUDP != 0, Raw: bm.Net&netRaw != 0}
	if r.accesses == nil { // no-BTF: no files, see AppArmorLimits
		return out, err
	}
	if files := r.accesses.bits(key); files != nil {
		out.Files = files
	}
	return out, err
}

// capabilityNames names the set bits; a number apparmor.d(5) has no name
// for (a capability newer than spo) is an error naming it, with the rest.
func capabilityNames(set uint64) ([]string, error) {
	var names []string
	var errs []error
	for set != 0 {
		n := bits.TrailingZeros64(set)
		set &^= 1 << n
		if n >= len(apparmor.Capabilities) {
			errs = append(errs, fmt.Errorf("capability %d has no AppArmor name known to spo", n))
			continue
		}
		names = append(names, apparmor.Capabilities[n])
	}
	return names, errors.Join(errs...)
}
