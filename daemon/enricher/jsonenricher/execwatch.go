package jsonenricher

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sys/unix"

	"github.com/secprofiles/spo/daemon/enricher/source"
)

// The process events connector (include/uapi/linux/cn_proc.h,
// drivers/connector/cn_proc.c).
const (
	cnIdxProc          = 0x1
	cnValProc          = 0x1
	procCnMcastListen  = 1
	procEventExec      = 0x00000002
	sizeofCnMsg        = 20 // struct cn_msg: id, seq, ack, len, flags
	procEventDataStart = 16 // struct proc_event: what, cpu, timestamp_ns
)

// ExecEvents is a subscription to the kernel's exec events.
//
// The kernel sends an event for every exec (proc_exec_connector, called
// by exec_binprm once the new image runs) to the listeners of the
// connector's process group. Listening needs CAP_NET_ADMIN in the initial
// user namespace (cn_proc_mcast_ctl) and the host's network namespace
// (the connector's socket exists in init_net only); ListenExecs refuses
// without either, since the kernel would just send nothing. On Linux 6.6
// and later the kernel is asked for exec events only (struct proc_input);
// before, it sends forks and exits too, which are skipped.
type ExecEvents struct {
	fd  int
	log logr.Logger
}

// ListenExecs subscribes to exec events; from its return on, every exec
// on the node is seen.
func ListenExecs(log logr.Logger) (*ExecEvents, error) {
	if !source.InitialNetns() {
		return nil, errors.New("exec events: the process events connector sends only in the host's network namespace: needs hostNetwork")
	}
	if !hasNetAdmin() {
		return nil, errors.New("exec events: listening to the process events connector needs CAP_NET_ADMIN")
	}
	// A blocking socket of our own rather than one on Go's netpoller: Run
	// reads it on a thread of its own, which the kernel wakes directly,
	// since the process must be read before it exits.
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("exec events: %w", err)
	}
	l := &ExecEvents{fd: fd, log: log}
	if err := l.subscribe(); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("exec events: %w", err)
	}
	return l, nil
}

func (l *ExecEvents) subscribe() error {
	if err := unix.Bind(l.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		return fmt.Errorf("joining the process events connector: %w", err)
	}
	// Bursts of execs (a Job's pods starting) must not overflow it.
	if err := unix.SetsockoptInt(l.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20); err != nil {
		l.log.Info("exec events: keeping the default socket buffer", "error", err.Error())
	}
	// Run looks at its context between reads.
	if err := unix.SetsockoptTimeval(l.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 1}); err != nil {
		return err
	}
	payload := listenMessage(source.KernelAtLeast(6, 6))
	msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(payload))
	binary.NativeEndian.PutUint32(msg[0:], uint32(cap(msg))) // nlmsg_len
	binary.NativeEndian.PutUint16(msg[4:], unix.NLMSG_DONE)  // nlmsg_type
	binary.NativeEndian.PutUint32(msg[12:], uint32(unix.Getpid()))
	msg = append(msg, payload...)
	if err := unix.Sendto(l.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("subscribing: %w", err)
	}
	return nil
}

// Run remembers in x every container process that execs, as /proc shows
// it right after the exec, until ctx ends; then it closes the
// subscription. It reads each process as its event arrives, on a thread
// locked to it: handing events to other goroutines cost a wake-up each,
// long enough for a short process to exit unread. Events lost to a full
// socket buffer are counted in json_enricher_exec_events_lost_total.
func (l *ExecEvents) Run(ctx context.Context, procRoot string, x *Execs) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer unix.Close(l.fd)
	l.log.Info("remembering container processes as they exec (process events connector)")
	buf := make([]byte, 1<<16)
	for ctx.Err() == nil {
		n, from, err := unix.Recvfrom(l.fd, buf, 0)
		switch {
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ENOBUFS):
			execEventsLost.Inc()
			continue
		case err != nil:
			return fmt.Errorf("exec events: %w", err)
		}
		if sa, ok := from.(*unix.SockaddrNetlink); !ok || sa.Pid != 0 {
			continue // only the kernel speaks for the connector
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			continue
		}
		for _, m := range msgs {
			if pid, ok := execPID(m.Data); ok {
				if p, ok := readExec(procRoot, pid); ok {
					x.add(time.Now(), p)
				}
			}
		}
	}
	return nil
}

// execPID returns the process of an exec event; false for any other
// message. After an exec the thread that called it leads its thread group
// (de_thread), so its tgid is the process's pid.
func execPID(data []byte) (int, bool) {
	ev := data[min(len(data), sizeofCnMsg):]
	if len(ev) < procEventDataStart+8 || binary.NativeEndian.Uint32(ev) != procEventExec {
		return 0, false
	}
	return int(binary.NativeEndian.Uint32(ev[procEventDataStart+4:])), true
}

// listenMessage is the connector message PROC_CN_MCAST_LISTEN, with the
// exec filter (struct proc_input) when the kernel reads one. Older
// kernels ignore a message of any other length than the bare op's, so
// they get the bare op.
func listenMessage(filter bool) []byte {
	payload := binary.NativeEndian.AppendUint32(nil, procCnMcastListen)
	if filter {
		payload = binary.NativeEndian.AppendUint32(payload, procEventExec)
	}
	b := make([]byte, 0, sizeofCnMsg+len(payload))
	b = binary.NativeEndian.AppendUint32(b, cnIdxProc)
	b = binary.NativeEndian.AppendUint32(b, cnValProc)
	b = binary.NativeEndian.AppendUint32(b, 1) // seq
	b = binary.NativeEndian.AppendUint32(b, 0) // ack
	b = binary.NativeEndian.AppendUint16(b, uint16(len(payload)))
	b = binary.NativeEndian.AppendUint16(b, 0) // flags
	return append(b, payload...)
}

// hasNetAdmin says whether CAP_NET_ADMIN is in this process's effective
// set. The kernel refuses a listener without it in silence: no ack is
// sent while nobody listens (cn_proc_ack).
func hasNetAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[unix.CAP_NET_ADMIN/32].Effective&(1<<(unix.CAP_NET_ADMIN%32)) != 0
}
