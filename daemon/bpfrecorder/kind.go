package bpfrecorder

import (
	"errors"
	"fmt"
	"os"
)

// Kind names which BPF program records.
type Kind string

const (
	// KindBTF is bpf/recorder.bpf.c: tp_btf programs reading each task's
	// mount namespace through the kernel's BTF.
	KindBTF Kind = "btf"
	// KindNoBTF is bpf/recorder_nobtf.bpf.c: classic tracepoints following
	// processes by pid, for kernels without BTF.
	KindNoBTF Kind = "no-btf"
)

// BTFNone as Options.BTFPath (--btf=none) forces the no-BTF recorder.
const BTFNone = "none"

// SelectRecorder says which recorder Load uses for Options.BTFPath, and
// why: "none" forces the no-BTF one; "" (or DefaultBTFPath) takes the BTF
// one when DefaultBTFPath exists and the no-BTF one when it is missing (a
// kernel built without CONFIG_DEBUG_INFO_BTF); any other path asks for the
// BTF one with that file, and Load fails with ErrNoBTF if it is missing.
func SelectRecorder(btfPath string) (Kind, string) {
	switch btfPath {
	case BTFNone:
		return KindNoBTF, "forced (BTF path \"none\")"
	case "", DefaultBTFPath:
		_, err := os.Stat(DefaultBTFPath)
		if errors.Is(err, os.ErrNotExist) {
			return KindNoBTF, fmt.Sprintf("%s is missing (kernel built without CONFIG_DEBUG_INFO_BTF?)", DefaultBTFPath)
		}
		return KindBTF, "kernel BTF at " + DefaultBTFPath
	}
	return KindBTF, "kernel BTF at " + btfPath
}

// Kind is which BPF program this recorder loaded.
func (r *Recorder) Kind() Kind { return r.kind }
