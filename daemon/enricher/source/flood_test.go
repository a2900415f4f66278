package source

import (
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/test/auditd"
)

// floodCalls is a burst a recording sees from one busy process; it fits
// the netlink queue as a whole, so no record may be lost however slow the
// reader is.
const floodCalls = 20000

func TestSourcesDeliverEveryRecordOfAFlood(t *testing.T) {
	requireRoot(t)
	cases := []struct {
		name string
		src  func(a *auditd.Auditd) (Source, error)
	}{
		{"auditd log", func(a *auditd.Auditd) (Source, error) {
			return New(KindAuditd, Options{AuditLog: a.LogPath(), FromStart: true, Poll: 10 * time.Millisecond})
		}},
		{"netlink beside auditd", func(*auditd.Auditd) (Source, error) { return New(KindNetlink, Options{}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := c.src(auditd.Start(t))
			if err != nil {
				t.Fatal(err)
			}
			got, took := countFlood(t, src)
			t.Logf("%s: %d of %d records in %v", src.Name(), got, floodCalls, took)
			if got != floodCalls {
				t.Fatalf("%s delivered %d of %d records", src.Name(), got, floodCalls)
			}
			if nl, ok := src.(*netlinkSource); ok && nl.Lost() != 0 {
				t.Fatalf("the netlink queue overflowed %d times", nl.Lost())
			}
		})
	}
}

// countFlood runs a child making floodCalls marker syscalls under a
// SCMP_ACT_LOG filter and counts its marker records until all came or the
// source stayed silent for five seconds.
func countFlood(t *testing.T, src Source) (int, time.Duration) {
	nr, err := libseccomp.GetSyscallFromName(markerSyscall)
	if err != nil {
		t.Fatal(err)
	}
	var pid, last atomic.Int64
	start := time.Now()
	last.Store(start.UnixNano())
	go func() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=log", markerCallsEnv+"="+strconv.Itoa(floodCalls))
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		pid.Store(int64(cmd.Process.Pid))
		if err := cmd.Wait(); err != nil {
			t.Error(err)
		}
	}()
	got := 0
	err = runUntilQuiet(src, &last, func(line string) bool {
		ev, err := audit.Parse(line)
		if err == nil && ev.Seccomp != nil && ev.Seccomp.PID == int(pid.Load()) && ev.Seccomp.Syscall == int64(nr) {
			got++
			last.Store(time.Now().UnixNano())
		}
		return got == floodCalls
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, time.Since(start)
}

func TestNetlinkSourceFindsItsSocket(t *testing.T) {
	requireRoot(t)
	src, err := New(KindNetlink, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nl := src.(*netlinkSource)
	defer nl.Close()
	proto, err := unix.GetsockoptInt(nl.fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil || proto != unix.NETLINK_AUDIT {
		t.Fatalf("fd %d: SO_PROTOCOL %d, %v; want NETLINK_AUDIT", nl.fd, proto, err)
	}
	sa, err := unix.Getsockname(nl.fd)
	if nsa, ok := sa.(*unix.SockaddrNetlink); err != nil || !ok || nsa.Groups&1 == 0 {
		t.Fatalf("fd %d bound to %+v, %v; want group AUDIT_NLGRP_READLOG", nl.fd, sa, err)
	}
	size, _ := unix.GetsockoptInt(nl.fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	t.Logf("receive queue %d bytes", size)
}
