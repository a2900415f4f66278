package source

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"github.com/elastic/go-libaudit/v2/auparse"
)

// netlinkIdle is how long Run sleeps when the socket is empty. go-libaudit
// hides the socket's fd, so Run cannot block in poll(2) and still stop when
// ctx ends; a short sleep between non-blocking reads costs ~100 cheap
// syscalls a second and lets the kernel queue ~200 KiB (about 700 records)
// meanwhile, more than a 10 ms burst produces.
const netlinkIdle = 10 * time.Millisecond

// netlinkSource reads the audit multicast group: the kernel sends every
// record it hands to auditd to this group as well (kernel/audit.c,
// kauditd_send_multicast_skb), whether or not an auditd runs.
type netlinkSource struct {
	client    *libaudit.AuditClient
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
	return &netlinkSource{client: c}, nil
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

// Lost counts the times the kernel dropped records because the socket's
// queue was full (ENOBUFS): the records themselves are gone.
func (s *netlinkSource) Lost() uint64 { return s.lost.Load() }

// Run delivers each message as "type=NAME msg=audit(...): ...", the form
// auditd logs, and closes the socket when it returns.
func (s *netlinkSource) Run(ctx context.Context, emit func(line string)) error {
	defer s.Close()
	for {
		msg, err := s.client.Receive(true)
		switch {
		case err == nil:
			emit(netlinkLine(msg.Type, msg.Data))
			continue
		case errors.Is(err, syscall.ENOBUFS):
			s.lost.Add(1)
			continue
		case errors.Is(err, syscall.EINTR):
			continue
		case !errors.Is(err, syscall.EAGAIN):
			return fmt.Errorf("netlink: reading audit records: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(netlinkIdle):
		}
	}
}

// Close leaves the group. Safe to call more than once.
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
