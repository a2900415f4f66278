package jsonenricher

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
// request UID under procRoot (the host's /proc). Fields it cannot read
// stay empty; Gone is set when the process no longer exists.
func ReadProcess(procRoot string, pid int) Process {
	p := Process{PID: pid}
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		p.Gone = os.IsNotExist(err) || isESRCH(err)
		return p
	}
	p.PPID, p.UID, p.GID = parseStatus(status)
	p.ContainerID, _ = containerid.OfPid(procRoot, pid)
	p.Exe, _ = os.Readlink(filepath.Join(dir, "exe"))
	if raw, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		p.Args = splitCmdline(raw)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil {
		p.RequestUID = RequestUIDFromEnviron(raw)
	}
	if p.RequestUID == "" {
		p.RequestUID = RequestUIDFromCmdline(p.Args)
	}
	return p
}

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
