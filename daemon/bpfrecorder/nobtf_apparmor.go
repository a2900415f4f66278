package bpfrecorder

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
)

// AppArmor recording by the no-BTF recorder (bpf/nobtf_apparmor.h):
// sockets from sys_enter, capabilities from the classic tracepoint
// capability/cap_capable; files need BTF (noBTFAppArmorLimit).

// capCapableFields are the offsets bpf/nobtf_apparmor.h's struct
// tp_cap_capable reads (include/trace/events/capability.h).
var capCapableFields = map[string]int{"cap": 32, "ret": 36}

// prepareNoBTFAppArmor sets record_apparmor and keeps cap_capable_apparmor
// only when on and the kernel's tracepoint has the layout the program
// reads. It returns what the recorder cannot record for AppArmor here.
func prepareNoBTFAppArmor(spec *ebpf.CollectionSpec, tracefs string, on bool) ([]string, error) {
	if err := spec.Variables["record_apparmor"].Set(on); err != nil {
		return nil, fmt.Errorf("setting record_apparmor: %w", err)
	}
	if !on {
		// The verifier prunes sys_enter's and sched_process_exec's
		// AppArmor paths: a recorder without AppArmor pays nothing.
		delete(spec.Programs, "cap_capable_apparmor")
		return nil, nil
	}
	limits := []string{noBTFAppArmorLimit}
	if limit := capCapableLimit(tracefs); limit != "" {
		delete(spec.Programs, "cap_capable_apparmor")
		limits = append(limits, limit)
	}
	return limits, nil
}

// capCapableLimit says why capabilities cannot be recorded from tracefs's
// capability/cap_capable, or "" when they can.
func capCapableLimit(tracefs string) string {
	got, err := formatOffsets(tracefs, "capability", "cap_capable")
	if errors.Is(err, os.ErrNotExist) {
		return noCapTracepointLimit
	}
	if err != nil {
		return "capabilities are not recorded: " + err.Error()
	}
	for name, off := range capCapableFields {
		if g, ok := got[name]; !ok || g != off {
			return fmt.Sprintf("capabilities are not recorded: the kernel's capability/cap_capable field %s is at offset %d (present: %t), the program reads offset %d",
				name, g, ok, off)
		}
	}
	return ""
}

// attachNoBTFAppArmor attaches cap_capable_apparmor when Load kept it. A
// refusal leaves capabilities out, said in AppArmorLimits, rather than
// failing the recorder.
func (r *Recorder) attachNoBTFAppArmor(tracefs string) {
	prog := r.coll.Programs["cap_capable_apparmor"]
	if prog == nil {
		return
	}
	l, err := attachClassic(tracefs, "capability", "cap_capable", prog)
	if err != nil {
		r.appArmorLimits = append(r.appArmorLimits, "capabilities are not recorded: attaching capability/cap_capable: "+err.Error())
		return
	}
	r.links = append(r.links, l)
}
