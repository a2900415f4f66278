package source

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"github.com/elastic/go-libaudit/v2/auparse"
	"golang.org/x/sys/unix"
)

// pollTimeout bounds how long Run waits in poll(2) before looking at ctx
// again: it is only the delay to stop, records wake poll at once.
const pollTimeout = 100 * time.Millisecond

// recvBuffer is the socket queue asked for. With the default (rmem_default,
// ~200 KiB, ~160 records) a process under a SCMP_ACT_LOG filter making
// 100k syscalls a second overflowed it and ~38% of the records were lost;
// 8 MiB still lost some, 32 MiB none (the whole burst fits; memory is
// only charged while records wait). Raising it needs CAP_NET_ADMIN
// (SO_RCVBUFFORCE); without, the kernel caps it at rmem_max.
const recvBuffer = 32 << 20

// netlinkSource reads the audit multicast group: the kernel sends every
// record it hands to auditd to this group as well (kernel/audit.c,
// kauditd_send_multicast_skb), whether or not an auditd runs.
type netlinkSource struct {
	client    *libaudit.AuditClient
	fd        int
	closeOnce sync.Once
	closeErr  error
	lost      atomic.Uint64
}

// newNetlink joins the group now so that a refusal is reported by New and
// records are queued from here on.
func newNetlink() (*netlinkSource, error) {
	if err := checkNetns(); err != nil {
		return nil, err
	}
	c, err := libaudit.NewMulticastAuditClient(nil)
	if err != nil {
		return nil, joinError(err)
	}
	fd, err := socketFD(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	growRecvBuffer(fd)
	return &netlinkSource{client: c, fd: fd}, nil
}

// socketFD finds the socket go-libaudit opened. It keeps the descriptor in
// an unexported field and offers only blocking or non-blocking reads: Run
// needs poll(2) to wait for records and still stop when ctx ends, and a
// larger receive queue. go.mod pins the version; TestNetlinkSourceFindsItsSocket
// fails loudly if an upgrade renames the field.
func socketFD(c *libaudit.AuditClient) (int, error) {
	nc, ok := c.Netlink.(*libaudit.NetlinkClient)
	if ok && nc != nil {
		if f := reflect.ValueOf(nc).Elem().FieldByName("fd"); f.IsValid() && f.Kind() == reflect.Int {
			return int(f.Int()), nil
		}
	}
	return -1, errors.New("netlink: cannot find go-libaudit's socket descriptor (has the library changed?)")
}

// growRecvBuffer is best effort: a smaller queue still works, it only
// overflows sooner, and overflows are counted in Lost.
func growRecvBuffer(fd int) {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, recvBuffer) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, recvBuffer)
	}
}

// joinError explains the refusals that have a remedy in the pod spec.
func joinError(err error) error {
	const what = "netlink: joining the audit multicast group (NETLINK_AUDIT, AUDIT_NLGRP_READLOG)"
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		// kernel/audit.c audit_multicast_bind: capable(CAP_AUDIT_READ),
		// which only holds in the initial user namespace.
		return fmt.Errorf("%s: %w: needs CAP_AUDIT_READ (in the initial user namespace)", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (s *netlinkSource) Name() string { return "netlink:multicast" }

// Lost counts the times the socket's queue overflowed (ENOBUFS): the
// kernel dropped records, how many is not told.
func (s *netlinkSource) Lost() uint64 { return s.lost.Load() }

// Run delivers each message as "type=NAME msg=audit(...): ...", the form
// auditd logs, and closes the socket when it returns.
func (s *netlinkSource) Run(ctx context.Context, emit func(line string)) error {
	defer s.Close()
	for ctx.Err() == nil {
		if err := s.drain(emit); err != nil {
			return err
		}
		if err := s.wait(); err != nil {
			return err
		}
	}
	return nil
}

// drain delivers every message queued now.
func (s *netlinkSource) drain(emit func(line string)) error {
	for {
		msg, err := s.client.Receive(true)
		switch {
		case err == nil:
			emit(netlinkLine(msg.Type, msg.Data))
		case errors.Is(err, syscall.ENOBUFS):
			s.lost.Add(1) // the queue overflowed; reading on empties it
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			return nil
		default:
			return fmt.Errorf("netlink: reading audit records: %w", err)
		}
	}
}

// wait blocks until a record is queued or pollTimeout passes.
func (s *netlinkSource) wait() error {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	_, err := unix.Poll(fds, int(pollTimeout/time.Millisecond))
	if err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("netlink: waiting for audit records: %w", err)
	}
	return nil
}

// Close leaves the group. Safe to call more than once, but not while Run
// runs (it polls the descriptor): cancel Run's ctx instead, Run closes.
func (s *netlinkSource) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.client.Close() })
	return s.closeErr
}

// netlinkLine builds the line auditd would write in RAW format. The kernel
// sends the text after "msg=" only; the type travels in the netlink header.
func netlinkLine(t auparse.AuditMessageType, data []byte) string {
	name := t.String()
	if strings.HasPrefix(name, "UNKNOWN[") {
		name = strconv.Itoa(int(t))
	}
	payload := strings.TrimRight(string(data), "\x00\n")
	return "type=" + name + " msg=" + payload
}
