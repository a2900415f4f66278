package bpfrecorder

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Errors naming the kernel feature a recorder could not get. They wrap the
// underlying error; test with errors.Is.
var (
	ErrNoBTF      = errors.New("kernel BTF not found")
	ErrNoTpBTF    = errors.New("attaching tp_btf programs failed")
	ErrPermission = errors.New("permission denied: needs CAP_BPF and CAP_PERFMON (or root)")
	ErrHostNS     = errors.New("refusing to record the host mount namespace")
	// ErrSelfTestPartial: SelfTest loaded and attached the programs but had
	// no mount namespace other than the host's to record a child in.
	ErrSelfTestPartial = errors.New("bpf recorder self-test: loaded and attached, recording not checked")
	ErrNotRecorded     = errors.New("mount namespace was not recorded (or already forgotten)")
	ErrRecorderShut    = errors.New("recorder is closed")
	ErrUncollected     = errors.New("holds a recording not yet collected and forgotten")
	// ErrNoSyscallSeen: no process of the container made a syscall on
	// this node while the recorder was loaded.
	ErrNoSyscallSeen = errors.New("no process of the container made a syscall on this node while the recorder was loaded")
)

// featureError wraps err in ErrPermission when the kernel refused for lack of
// privileges, otherwise in what (one of the errors above).
func featureError(what error, step string, err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s: %w: %w", step, ErrPermission, err)
	}
	return fmt.Errorf("%s: %w: %w", step, what, err)
}
