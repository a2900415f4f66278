package main

import (
	"fmt"
	"os"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
	"github.com/secprofiles/spo/daemon/bpfrecorder"
)

// recordKinds are the values of record's -t.
var recordKinds = []string{"seccomp", "raw-seccomp", "apparmor", "raw-apparmor", "all"}

// appArmor says whether -t asks for an AppArmor profile.
func (o recordOptions) appArmor() bool {
	return o.kind == "apparmor" || o.kind == "raw-apparmor" || o.kind == "all"
}

// recording is what recordCommand collected.
type recording struct {
	syscalls []string
	appArmor *apparmor.Recorded // with an AppArmor -t only
}

func (r recording) appArmorNote() string {
	if r.appArmor == nil {
		return ""
	}
	return fmt.Sprintf(", %d executables and %d files for AppArmor", len(r.appArmor.Executables), len(r.appArmor.Files))
}

// collectAppArmor reads what the command did that an AppArmor profile
// must allow: executables, files, sockets and capabilities.
func collectAppArmor(rec *bpfrecorder.Recorder, mntns uint32) (*apparmor.Recorded, error) {
	execs, err := rec.Executables(mntns)
	if err != nil {
		return nil, fmt.Errorf("collecting the executables: %w", err)
	}
	got, err := rec.AppArmor(mntns)
	if err != nil {
		return nil, fmt.Errorf("collecting the AppArmor accesses: %w", err)
	}
	if got.Lost > 0 {
		fmt.Fprintf(os.Stderr, "spoc: warning: the kernel dropped %d file events (ring buffer full): the AppArmor profile lacks those files\n", got.Lost)
	}
	out := &apparmor.Recorded{Executables: execs, Capabilities: got.Capabilities, TCP: got.TCP, UDP: got.UDP, Raw: got.Raw}
	for path, bits := range got.Files {
		out.AddFile(path, apparmor.Access{Read: bits&bpfrecorder.AccessRead != 0,
			Write: bits&bpfrecorder.AccessWrite != 0, Library: bits&bpfrecorder.AccessLibrary != 0,
			Exec: bits&bpfrecorder.AccessExec != 0})
	}
	return out, nil
}

// appArmorOutput is the AppArmorProfile manifest, or with raw-apparmor
// the policy text the node would load (apparmor_parser's input).
func appArmorOutput(o recordOptions, r *apparmor.Recorded) ([]byte, error) {
	spec := &v1.AppArmorProfileSpec{Abstract: r.Abstract()}
	if err := apparmor.Validate(o.name, spec); err != nil {
		return nil, fmt.Errorf("recorded AppArmor profile: %w", err)
	}
	if o.kind == "raw-apparmor" {
		return apparmor.Render(o.name, spec), nil
	}
	return marshalObject(kindAppArmorProfile, o.name, spec)
}
