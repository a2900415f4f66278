package bpfrecorder

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// attachRawSysEnter attaches prog to raw_syscalls/sys_enter as a raw
// tracepoint (BPF_RAW_TRACEPOINT_OPEN): no BTF, no tracefs, and none of the
// classic tracepoint's record building on every syscall.
func attachRawSysEnter(prog *ebpf.Program) (link.Link, error) {
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: prog})
	if err != nil {
		return nil, featureError(ErrTracepoint, "attaching raw tracepoint sys_enter", err)
	}
	return l, nil
}

// attachClassic attaches prog to the classic tracepoint group/name. It
// tries a BPF perf link first (cilium/ebpf, kernel ≥5.15) and falls back to
// the older ioctl: some kernels refuse BPF_LINK_CREATE for perf events (on
// these machines with EACCES, as they refuse fentry and LSM programs) but
// accept PERF_EVENT_IOC_SET_BPF, which attaches the same way (the program
// joins the tracepoint's prog_array, kernel/trace/bpf_trace.c
// perf_event_attach_bpf_prog, and runs on every CPU).
func attachClassic(tracefs, group, name string, prog *ebpf.Program) (io.Closer, error) {
	l, err := link.Tracepoint(group, name, prog, nil)
	if err == nil {
		return l, nil
	}
	p, ioErr := attachPerfIoctl(tracefs, group, name, prog)
	if ioErr != nil {
		return nil, fmt.Errorf("%w (perf link: %w)", ioErr, err)
	}
	return p, nil
}

// perfTracepoint is a tracepoint perf event with a BPF program set by
// ioctl; closing the event detaches the program.
type perfTracepoint struct{ fd int }

func (p *perfTracepoint) Close() error {
	_ = unix.IoctlSetInt(p.fd, unix.PERF_EVENT_IOC_DISABLE, 0)
	return unix.Close(p.fd)
}

func attachPerfIoctl(tracefs, group, name string, prog *ebpf.Program) (*perfTracepoint, error) {
	raw, err := os.ReadFile(filepath.Join(tracefs, "events", group, name, "id"))
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("tracepoint id %q: %w", raw, err)
	}
	// As perf record does for a tracepoint: raw samples, one per event
	// (include/uapi/linux/perf_event.h); pid -1 on CPU 0 is a system-wide
	// event, and a BPF program on it fires on every CPU.
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_TRACEPOINT, Config: id,
		Sample_type: unix.PERF_SAMPLE_RAW, Sample: 1, Wakeup: 1}
	attr.Size = uint32(unsafe.Sizeof(attr))
	fd, err := unix.PerfEventOpen(&attr, -1, 0, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("perf_event_open: %w", err)
	}
	p := &perfTracepoint{fd: fd}
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_SET_BPF, prog.FD()); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("PERF_EVENT_IOC_SET_BPF: %w", err)
	}
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
		p.Close()
		return nil, fmt.Errorf("PERF_EVENT_IOC_ENABLE: %w", err)
	}
	return p, nil
}
