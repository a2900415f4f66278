package jsonenricher

import (
	"fmt"
	"strings"
	"time"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

// Line is one JSON output line: one process exec. Field names follow SPO's
// JSON enricher where it has them (requestUID, cmdLine, executable).
type Line struct {
	Timestamp   string `json:"timestamp"`
	Node        string `json:"node"`
	Namespace   string `json:"namespace,omitempty"`
	Pod         string `json:"pod,omitempty"`
	Container   string `json:"container,omitempty"`
	ContainerID string `json:"containerID"`
	PID         int    `json:"pid"`
	PPID        int    `json:"ppid,omitempty"`
	Executable  string `json:"executable"`
	CmdLine     string `json:"cmdLine"`
	UID         uint32 `json:"uid"`
	GID         uint32 `json:"gid"`
	RequestUID  string `json:"requestUID,omitempty"`
	// Syscall is the exec that started the process image; with an
	// interval, absent on a line that continues a process already running
	// (exec'd before the enricher started, or in an earlier interval).
	Syscall string `json:"syscall,omitempty"`
	// Syscalls, with an interval only: the distinct syscalls the process
	// was logged making in the interval, in the order first seen (SPO's
	// field).
	Syscalls []string `json:"syscalls,omitempty"`
	// AuditID is the record's audit(SEC.MSEC:SERIAL), to find it in the
	// audit log.
	AuditID     string `json:"auditID"`
	ProcessGone bool   `json:"processGone,omitempty"`
}

// newLine builds the line of an exec record and what /proc said. The
// timestamp is the record's (when the kernel saw the exec), not when the
// line was written.
func newLine(node string, s *audit.Seccomp, stamp audit.Stamp, p Process) Line {
	l := Line{
		Timestamp:   time.Unix(stamp.Seconds, int64(stamp.Millis)*int64(time.Millisecond)).UTC().Format(time.RFC3339Nano),
		Node:        node,
		ContainerID: p.ContainerID,
		PID:         s.PID,
		PPID:        p.PPID,
		Executable:  p.Exe,
		CmdLine:     strings.Join(p.Args, " "),
		UID:         p.UID,
		GID:         p.GID,
		RequestUID:  p.RequestUID,
		Syscall:     s.SyscallName,
		AuditID:     fmt.Sprintf("%d.%03d:%d", stamp.Seconds, stamp.Millis, stamp.Serial),
		ProcessGone: p.Gone,
	}
	if p.Gone {
		// What the record itself names: the uid and the program that
		// called execve.
		l.Executable, l.UID = s.Exe, s.UID
	}
	return l
}
