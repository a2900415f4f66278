package jsonenricher

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/secprofiles/spo/daemon/containerid"
)

// Process is what /proc said about an exec'd process.
type Process struct {
	PID, PPID   int
	UID, GID    uint32
	Exe         string
	Args        []string
	RequestUID  string
	ContainerID string
	// Gone: the process had exited before it could be read.
	Gone bool
}

// ReadProcess reads pid's container, executable, arguments, ids and
// request UID under procRoot (the host's /proc). callerExe is the
// executable the record names, the program that called execve ("" when
// unknown). Fields it cannot read stay empty; Gone is set when the
// process no longer exists.
func ReadProcess(procRoot string, pid int, callerExe string) Process {
	p := Process{PID: pid}
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		p.Gone = os.IsNotExist(err) || isESRCH(err)
		return p
	}
	p.PPID, p.UID, p.GID = parseStatus(status)
	p.ContainerID, _ = containerid.OfPid(procRoot, pid)
	// The record is written as the process enters execve and, from the
	// netlink group, arrives within microseconds: the process may still
	// be the caller, or halfway through the exec (the new exe is in place
	// before the new arguments and environment: an empty cmdline, seen on
	// this machine). Read until exe is no longer the caller's, the same
	// before and after, with arguments; a few times at most, since an exec
	// may fail (a shell's PATH search) or run the caller's own program.
	// A process read after a later exec of a chain shows the later one.
	for attempt := 0; ; attempt++ {
		p.Exe, _ = os.Readlink(filepath.Join(dir, "exe"))
		p.readCommand(dir)
		after, _ := os.Readlink(filepath.Join(dir, "exe"))
		done := after == p.Exe && len(p.Args) > 0 && (callerExe == "" || p.Exe != callerExe)
		if done || attempt == readAttempts-1 {
			break
		}
		time.Sleep(readRetryDelay)
	}
	if p.RequestUID == "" {
		p.RequestUID = RequestUIDFromCmdline(p.Args)
	}
	return p
}

// readCommand reads the arguments and the request UID of the environment.
func (p *Process) readCommand(dir string) {
	p.Args, p.RequestUID = nil, ""
	if raw, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		p.Args = splitCmdline(raw)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil {
		p.RequestUID = RequestUIDFromEnviron(raw)
	}
}

// readExec reads a process that just exec'd, once and quickly: exec
// events come after the exec completed, so there is nothing to wait for,
// and the process may exit any moment (`kubectl exec POD -- cat FILE`
// lives for well under a millisecond). What matters most is read first:
// the container, then the command and request UID, then exe and ids. A
// process that exits midway is kept with what was read, since knowing its
// container is what lets its record be attributed at all; without its
// executable it is marked Gone, so its line takes that from the record.
// false for a host process or one gone before its cgroup was read.
func readExec(procRoot string, pid int) (Process, bool) {
	id, _ := containerid.OfPid(procRoot, pid)
	if id == "" {
		return Process{}, false
	}
	p := Process{PID: pid, ContainerID: id}
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	p.readCommand(dir)
	p.Exe, _ = os.Readlink(filepath.Join(dir, "exe"))
	if status, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		p.PPID, p.UID, p.GID = parseStatus(status)
	}
	if p.RequestUID == "" {
		p.RequestUID = RequestUIDFromCmdline(p.Args)
	}
	p.Gone = p.Exe == ""
	return p, true
}

// readAttempts and readRetryDelay bound the wait for an exec in progress
// (well under a millisecond in practice) to about 10 ms per record; the
// enricher reads records concurrently, so a failed exec's wait does not
// hold up the others.
const (
	readAttempts   = 40
	readRetryDelay = 250 * time.Microsecond
)

func isESRCH(err error) bool { return strings.Contains(err.Error(), "no such process") }

// parseStatus takes PPid and the real Uid and Gid from /proc/<pid>/status.
func parseStatus(status []byte) (ppid int, uid, gid uint32) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		switch key {
		case "PPid":
			ppid, _ = strconv.Atoi(fields[0])
		case "Uid":
			uid = parseID(fields[0])
		case "Gid":
			gid = parseID(fields[0])
		}
	}
	return ppid, uid, gid
}

func parseID(s string) uint32 {
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}
