package enricher

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/secprofiles/spo/daemon/containerid"
)

// pidInfo is what /proc said about a pid when a record of it arrived.
type pidInfo struct {
	id  string // container id; "" for a host process or an exited one
	exe string // read only when a record lacks it (AppArmor records)
	// exeRead: exe was looked up (it may legitimately be "").
	exeRead bool
	// gone: the process had exited, or was exiting (its cgroup then
	// reads as the root's), before its record arrived, so whether it ran
	// in a container cannot be known.
	gone bool
	// lastExe is the executable the last record attributed through this
	// entry named: what identifies the process once /proc no longer can.
	lastExe string
	at      time.Time
}

// pidCache remembers pid → container for a short time. Records come in
// bursts per process, so most lookups hit; the TTL is short because the
// kernel reuses pids, and a reused pid may be in another container.
// Negative answers are cached too: host processes log as well.
type pidCache struct {
	procRoot string
	ttl      time.Duration
	max      int
	m        map[int]pidInfo
}

func newPidCache(procRoot string, ttl time.Duration, max int) *pidCache {
	return &pidCache{procRoot: procRoot, ttl: ttl, max: max, m: make(map[int]pidInfo)}
}

// lookup returns the pid's container, reading /proc on a miss. It must
// run when the record arrives: the process may exit soon after. recExe is
// the executable the record names ("" when it names none).
//
// A record that arrives after its process exited is still attributed
// when an expired entry of the pid names the same executable: the
// process was seen in its container, then sat idle for longer than the
// TTL (sleep, waiting for a signal) and exited, and the records of its
// exit path, exit_group above all, reach us only after it is reaped. On
// a real node they arrive a poll interval late; dropping them made a
// recorded workload that idled 2 s before exiting die with SIGSEGV under
// its own profile, for want of exit_group. The entry is trusted only for
// the same executable, since the pid may have been reused in between.
// A process that is still in /proc but exiting (a zombie not reaped yet,
// or one between exit_signals and exit_notify) is treated the same way:
// its cgroup reads as a host process's (see exiting), and caching that
// answer would drop its remaining records as a host's.
func (c *pidCache) lookup(pid int, recExe string, now time.Time) pidInfo {
	old, had := c.m[pid]
	if had && now.Sub(old.at) < c.ttl {
		if recExe != "" && recExe != old.lastExe {
			old.lastExe = recExe
			c.m[pid] = old
		}
		return old
	}
	id, ok := containerid.OfPid(c.procRoot, pid)
	in := pidInfo{id: id, at: now, lastExe: recExe}
	if ok {
		c.store(pid, in)
		return in
	}
	_, err := os.Stat(filepath.Join(c.procRoot, strconv.Itoa(pid)))
	in.gone = errors.Is(err, fs.ErrNotExist)
	exiting := !in.gone && c.exiting(pid)
	if (in.gone || exiting) && had && old.id != "" && recExe != "" && old.lastExe == recExe {
		in = old
		in.at = now
		c.store(pid, in)
		return in
	}
	if exiting {
		// Where it ran cannot be read any more, and it is no host
		// process either: not cached, so an entry that may still name
		// its container (a record with another executable came first)
		// stays for the records after this one.
		in.gone = true
		return in
	}
	c.store(pid, in)
	return in
}

// pfExiting is PF_EXITING of include/linux/sched.h, in the flags field of
// /proc/<pid>/stat.
const pfExiting = 0x00000004

// exiting reports whether pid has started exiting (or is a zombie, or
// dead), when its cgroup file no longer says where it ran. On cgroup v1
// hierarchies proc_cgroup_show (kernel/cgroup/cgroup.c) prints "/" for a
// task with PF_EXITING: "On traditional hierarchies, all zombie tasks
// show up as belonging to the root cgroup" (v2 keeps showing the cgroup
// it left). do_exit sets PF_EXITING in exit_signals (kernel/signal.c)
// before cgroup_exit detaches the task from its css_set (older kernels
// pointed it at init_css_set, the root's, there). Either way a
// process on its way out, such as the one whose exit_group record we are
// reading, looks like a host process: the state letter (Z zombie, X
// dead) and PF_EXITING tell it apart. A stat we cannot read says
// nothing: the caller then treats the process as what its cgroup says.
func (c *pidCache) exiting(pid int) bool {
	b, err := os.ReadFile(filepath.Join(c.procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	state, flags, ok := parseStat(string(b))
	return ok && (state == 'Z' || state == 'X' || flags&pfExiting != 0)
}

// parseStat returns the state letter and the flags of a /proc/<pid>/stat
// line: "pid (comm) state ppid pgrp session tty_nr tpgid flags ...". comm
// may contain spaces and parentheses, so fields are counted from the last
// ')'.
func parseStat(s string) (state byte, flags uint64, ok bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 7 || len(f[0]) != 1 {
		return 0, 0, false
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], flags, true
}

// exe returns the pid's executable, read from /proc/<pid>/exe once per
// cache entry.
func (c *pidCache) exe(pid int, now time.Time) string {
	in := c.lookup(pid, "", now)
	if !in.exeRead {
		in.exe, _ = os.Readlink(filepath.Join(c.procRoot, strconv.Itoa(pid), "exe"))
		in.exeRead = true
		c.m[pid] = in
	}
	return in.exe
}

// store keeps the map within max entries: expired ones go first, and if
// every entry is fresh (a fork storm) the whole map is dropped, which
// costs re-reads but never memory.
func (c *pidCache) store(pid int, in pidInfo) {
	if len(c.m) >= c.max {
		for p, old := range c.m {
			if in.at.Sub(old.at) >= c.ttl {
				delete(c.m, p)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[pid] = in
}
