package enricher

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/secprofiles/spo/daemon/containerid"
)

// pidInfo is what /proc said about a pid when a record of it arrived.
type pidInfo struct {
	id  string // container id; "" for a host process or an exited one
	exe string // read only when a record lacks it (AppArmor records)
	// exeRead: exe was looked up (it may legitimately be "").
	exeRead bool
	// gone: the process had exited before its record arrived, so whether
	// it ran in a container cannot be known.
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
	if !ok {
		_, err := os.Stat(filepath.Join(c.procRoot, strconv.Itoa(pid)))
		in.gone = errors.Is(err, fs.ErrNotExist)
		if in.gone && had && old.id != "" && recExe != "" && old.lastExe == recExe {
			in = old
			in.at = now
		}
	}
	c.store(pid, in)
	return in
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
