package source

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
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
			a := auditd.Start(t)
			src, err := c.src(a)
			if err != nil {
				t.Fatal(err)
			}
			lost := auditd.Lost(t)
			got, pid, took := countFlood(t, src)
			lost = auditd.Lost(t) - lost
			written := countInLog(t, a.LogPath(), pid)
			t.Logf("%s: %d of %d records in %v; auditd wrote %d; the kernel dropped %d", src.Name(), got, floodCalls, took, written, lost)
			if got != written {
				t.Fatalf("%s delivered %d records, auditd wrote %d", src.Name(), got, written)
			}
			if nl, ok := src.(*netlinkSource); ok && nl.Lost() != 0 {
				t.Fatalf("the netlink queue overflowed %d times", nl.Lost())
			}
			if written != floodCalls && lost == 0 {
				t.Fatalf("%d of %d records reached auditd and the kernel counted no loss", written, floodCalls)
			}
		})
	}
}

// countFlood runs a child making floodCalls marker syscalls under a
// SCMP_ACT_LOG filter and counts its marker records until all came or the
// source stayed silent for five seconds. Records are counted by pid as
// they come: the first may be read before exec.Cmd.Start has returned the
// child's pid.
func countFlood(t *testing.T, src Source) (got, pid int, took time.Duration) {
	nr, err := libseccomp.GetSyscallFromName(markerSyscall)
	if err != nil {
		t.Fatal(err)
	}
	var child, last atomic.Int64
	start := time.Now()
	last.Store(start.UnixNano())
	go func() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=log", markerCallsEnv+"="+strconv.Itoa(floodCalls))
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		child.Store(int64(cmd.Process.Pid))
		if err := cmd.Wait(); err != nil {
			t.Error(err)
		}
	}()
	byPID := map[int]int{}
	err = runUntilQuiet(src, &last, func(line string) bool {
		ev, err := audit.Parse(line)
		if err != nil || ev.Seccomp == nil || ev.Seccomp.Syscall != int64(nr) {
			return false
		}
		byPID[ev.Seccomp.PID]++
		last.Store(time.Now().UnixNano())
		return child.Load() != 0 && byPID[int(child.Load())] == floodCalls
	})
	if err != nil {
		t.Fatal(err)
	}
	pid = int(child.Load())
	return byPID[pid], pid, time.Since(start)
}

// countInLog counts the marker records of pid in auditd's log: what the
// kernel and auditd delivered, for the source to match.
func countInLog(t *testing.T, path string, pid int) int {
	nr, err := libseccomp.GetSyscallFromName(markerSyscall)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		ev, err := audit.Parse(line)
		if err == nil && ev.Seccomp != nil && ev.Seccomp.PID == pid && ev.Seccomp.Syscall == int64(nr) {
			n++
		}
	}
	return n
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
